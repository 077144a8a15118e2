"""Release: run nbgrader's own commands over the course, the way an instructor would.

``release`` = build every text notebook, ``nbgrader generate_assignment`` each assignment
into ``release/``, and refresh the fixture registry (the checksums of released supporting
files). :func:`nbgrader` runs any nbgrader command in the course, with :func:`tool_env`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from nlpcourse import config, registry
from nlpcourse.course import build


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
