"""Release and validate: run nbgrader's own commands over the course, the way an instructor would.

``release`` = build every text notebook, ``nbgrader generate_assignment`` each assignment into
``release/``, and refresh the fixture registry (the checksums of released supporting files).
``validate`` = nbgrader's ``Validator`` (what ``nbgrader validate`` runs, configured the same
way) on each source notebook (must pass every test) and, inverted, on each released one (must
pass none); it reads the Validator's results (the cells that failed, passed or changed), not
the text ``nbgrader validate`` prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nlpcourse import build, config, registry


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for nbgrader subprocesses: this interpreter's bin/ first on PATH
    (nbgrader runs ``alembic`` from PATH), offline model hubs, a non-GUI plot backend."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYTHONHASHSEED", "0")
    env.update(extra or {})
    return env


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


def nbgrader(root: Path, *args: str, check: bool = True, env: dict | None = None):
    """Run ``nbgrader ARGS`` in the course root; returns the CompletedProcess."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(
        cmd, cwd=root, env=tool_env(env), capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise NbgraderError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}) in {root}:\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def build_all(root: Path, names: list[str] | None = None) -> list[Path]:
    return [build.build_assignment(root, a) for a in (names or config.assignments(root))]


def release(
    root: Path,
    names: list[str] | None = None,
    write_registry: bool = True,
    env: dict[str, str] | None = None,
) -> None:
    """Build and ``generate_assignment`` every (or the named) assignment into release/
    (``env``: extra environment for nbgrader, e.g. the gradebook's ``NLPCOURSE_DB_URL``)."""
    names = names or config.assignments(root)
    build_all(root, names)
    for a in names:
        nbgrader(root, "generate_assignment", a, "--force", env=env)
        stray = author_only_files(root / "release" / a, a)
        if stray:
            shutil.rmtree(root / "release" / a)
            raise NbgraderError(
                f"generate_assignment copied author-only files {stray} into release/{a} (now "
                "deleted). nbgrader falls back to its defaults when nbgrader_config.py fails to "
                "load: run `nbgrader generate_assignment --debug` and fix the error it logs."
            )
    if write_registry:
        write_fixture_registry(root)


def write_fixture_registry(root: Path) -> bool:
    """Refresh the package's fixtures.json from ``root/release`` (True if it was written).

    Only where the package is the course root's own (``root/nlpcourse``): releasing in another
    course (a scratch copy, ``nlpcourse demo --root ...``) must never rewrite the registry of
    the installed package, which every notebook's setup cell reads."""
    path = registry.REGISTRY_FILE
    if path.resolve().parent != (Path(root) / "nlpcourse").resolve():
        return False
    data = registry.registry_for_release(Path(root) / "release")
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return True


def author_only_files(folder: Path, assignment: str) -> list[str]:
    """Files under ``folder`` that must never be released: the text notebook, hidden/."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.name == f"{assignment}.py" or "hidden" in p.relative_to(folder).parts
    )


@dataclass
class ValidateResult:
    notebook: str
    inverted: bool
    ok: bool
    #: What went wrong, in words, made from ``cells`` (or the log of a Validator that crashed).
    output: str
    #: ``nbgrader.validator.Validator.validate()``'s result: ``{"failed" | "passed" | "changed" |
    #: "type_changed": [cell, ...]}``, each cell a dict with its ``source`` (``failed`` ones also
    #: their ``raw_error``); empty when the notebook validates.
    cells: dict = field(default_factory=dict)


def validator_results(notebook: str, invert: bool) -> dict:
    """``Validator.validate(notebook)``, the Validator configured as ``nbgrader validate``
    configures it (nbgrader_config.py of the current folder, ``--invert``).

    Run in a subprocess of :func:`validate` (in the course root, with :func:`tool_env`), as
    ``nbgrader validate`` itself would be.
    """
    from nbgrader.apps.validateapp import ValidateApp
    from nbgrader.validator import Validator

    app = ValidateApp()
    app.initialize(["--invert"] if invert else [])
    return Validator(parent=app).validate(notebook)


_RUN_VALIDATOR = (
    "import json, sys\n"
    "from nlpcourse.release import validator_results\n"
    "found = validator_results(sys.argv[1], sys.argv[2] == 'invert')\n"
    "with open(sys.argv[3], 'w', encoding='utf-8') as f:\n"
    "    json.dump(found, f)\n"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _head(source: str, lines: int = 4) -> str:
    kept = source.splitlines()[:lines]
    more = "\n    ..." if len(source.splitlines()) > lines else ""
    return "\n".join("    " + line for line in kept) + more


def describe(cells: dict, inverted: bool) -> str:
    """Validator results in words: which cells fail, pass or changed, with their errors."""
    if not cells:
        return "passes no test" if inverted else "passes every test"
    parts = []
    for cell in cells.get("type_changed", []):
        parts.append(
            f"a {cell['old_type']} cell is now a {cell['new_type']} cell (rebuild the notebook):"
            f"\n{_head(cell['source'])}"
        )
    for cell in cells.get("changed", []):
        head = _head(cell["source"])
        parts.append(f"a locked cell changed since the build (its checksum differs):\n{head}")
    for cell in cells.get("passed", []):
        parts.append(
            "a test cell passes on the release, where every answer is a stub (give it a visible "
            f"line that calls the student's code):\n{_head(cell['source'])}"
        )
    for cell in cells.get("failed", []):
        error = _ANSI.sub("", cell.get("raw_error", "")).strip()
        parts.append(f"a test cell fails:\n{_head(cell['source'])}\n  error:\n{error}")
    return f"{len(parts)} problem(s):\n\n" + "\n\n".join(parts)


def validate(root: Path, names: list[str] | None = None) -> list[ValidateResult]:
    """nbgrader's Validator on sources (all tests pass) and inverted on releases (none pass)."""
    names = names or config.assignments(root)
    build_all(root, names)
    results = []
    for a in names:
        for nb, invert in [
            (root / "source" / a / f"{a}.ipynb", False),
            (root / "release" / a / f"{a}.ipynb", True),
        ]:
            if not nb.exists():
                results.append(ValidateResult(str(nb), invert, False, "missing: run release"))
                continue
            with tempfile.TemporaryDirectory(prefix="nlpcourse-validate-") as tmp:
                found = Path(tmp) / "results.json"
                proc = subprocess.run(
                    [sys.executable, "-c", _RUN_VALIDATOR, str(nb), "invert" if invert else "",
                     str(found)],
                    cwd=root, env=tool_env(), capture_output=True, text=True, check=False,
                )  # fmt: skip
                cells = json.loads(found.read_text(encoding="utf-8")) if found.exists() else None
            name = str(nb.relative_to(root))
            if proc.returncode or cells is None:
                output = (
                    f"nbgrader's Validator stopped (exit {proc.returncode}) on {name}:\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
                )
                results.append(ValidateResult(name, invert, False, output))
                continue
            results.append(ValidateResult(name, invert, not cells, describe(cells, invert), cells))
    return results


def copy_course(root: Path, dest: Path, names: list[str] | None = None) -> Path:
    """A fresh course root in ``dest`` with the config and the named sources (no state)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    for a in names or config.assignments(root):
        shutil.copytree(
            root / "source" / a,
            dest / "source" / a,
            ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".ipynb_checkpoints"),
            dirs_exist_ok=True,
        )
    return dest


LEAK_PATTERNS = re.compile(
    r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN MARK SCHEME|"
    r"Mark scheme|Model answer"
)
