"""Release and validate: run nbgrader's own commands over the course, the way an instructor would.

``release`` = build every text notebook, ``nbgrader generate_assignment`` each assignment into
``release/``, and refresh the fixture registry (the checksums of released supporting files).
``validate`` = ``nbgrader validate`` on each source notebook (must pass every test) and
``nbgrader validate --invert`` on each released one (must pass none).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
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


def release(root: Path, names: list[str] | None = None, write_registry: bool = True) -> None:
    """Build and ``generate_assignment`` every (or the named) assignment into release/."""
    names = names or config.assignments(root)
    build_all(root, names)
    for a in names:
        nbgrader(root, "generate_assignment", a, "--force")
        stray = author_only_files(root / "release" / a, a)
        if stray:
            shutil.rmtree(root / "release" / a)
            raise NbgraderError(
                f"generate_assignment copied author-only files {stray} into release/{a} (now "
                "deleted). nbgrader falls back to its defaults when nbgrader_config.py fails to "
                "load: run `nbgrader generate_assignment --debug` and fix the error it logs."
            )
    if write_registry:
        data = registry.registry_for_release(root / "release")
        text = json.dumps(data, indent=1, sort_keys=True) + "\n"
        path = registry.REGISTRY_FILE
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


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
    output: str


def validate(root: Path, names: list[str] | None = None) -> list[ValidateResult]:
    """nbgrader validate on sources (all tests pass) and --invert on releases (none pass)."""
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
            args = ["validate", str(nb)] + (["--invert"] if invert else [])
            proc = nbgrader(root, *args, check=False)
            out = proc.stdout + proc.stderr
            if invert:
                ok = "Success! The notebook does not pass any tests." in out
            else:
                ok = "Success! Your notebook passes all the tests." in out
            results.append(ValidateResult(str(nb.relative_to(root)), invert, ok, out))
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
