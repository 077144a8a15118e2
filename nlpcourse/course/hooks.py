"""nbgrader's ``pre_convert_hook`` for autograde: a hand-in that cannot be graded is named,
with the fix, instead of a traceback (registered in ``nbgrader_config.py``).
"""

from __future__ import annotations

import os


def _json_problem(path: str) -> str | None:
    import json

    try:
        with open(path, "rb") as f:
            raw = f.read()
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"is not a notebook (not valid JSON: {str(exc)[:80]})"
    if not isinstance(data, dict) or "cells" not in data:
        return "is valid JSON but not a notebook (no 'cells')"
    major = data.get("nbformat")
    if major != 4:
        return f"has notebook format version {major!r}; this course needs version 4"
    return None


def check_submission(assignment=None, student=None, notebooks=(), **_):
    """nbgrader ``pre_convert_hook`` for autograde: name what is wrong with a hand-in.

    nbgrader would otherwise say "There was an error processing assignment" with a traceback,
    or skip a renamed notebook with a warning. Logged at ERROR/WARNING level with the fix.
    """
    log = _app_log()
    if not notebooks:
        return
    folder = os.path.dirname(os.path.abspath(notebooks[0]))
    student = os.path.basename(os.path.dirname(folder))
    assignment = os.path.basename(folder)
    _report_empty_folders(os.path.dirname(os.path.dirname(folder)), assignment, log)
    expected = f"{assignment}.ipynb"
    names = [os.path.basename(n) for n in notebooks]
    if expected not in names:
        log.error(
            "Student %s: no %s in %s (found %s). Rename the student's notebook to %s; until "
            "then every question scores 0.",
            student,
            expected,
            folder,
            ", ".join(names) or "no notebook",
            expected,
        )
    for nb_path in notebooks:
        problem = _json_problem(nb_path)
        if problem:
            log.error(
                "Student %s: %s %s. It scores 0; ask for the .ipynb file exactly as Jupyter "
                "saved it (File > Download).",
                student,
                os.path.basename(nb_path),
                problem,
            )
    extra = sorted(
        f
        for f in os.listdir(folder)
        if not f.endswith(".ipynb") and f not in _released_files(folder, assignment)
    )
    if extra:
        log.warning(
            "Student %s handed in files the assignment does not have: %s. They are copied "
            "next to the notebook but never imported before the tests (the kernel's import "
            "path does not include the notebook's folder).",
            student,
            ", ".join(extra),
        )


def _app_log():
    """The running nbgrader app's logger (its messages keep nbgrader's format), else ours."""
    import logging

    from traitlets.config import Application

    if Application.initialized():
        return Application.instance().log
    return logging.getLogger("nlpcourse.autograde")


_scanned: set[str] = set()


def _report_empty_folders(submitted: str, assignment: str, log) -> None:
    """Once per run: student folders with no notebook at all (nbgrader skips them silently)."""
    if submitted in _scanned or not os.path.isdir(submitted):
        return
    _scanned.add(submitted)
    for student in sorted(os.listdir(submitted)):
        folder = os.path.join(submitted, student, assignment)
        if os.path.isdir(folder) and not any(f.endswith(".ipynb") for f in os.listdir(folder)):
            log.error(
                "Student %s: %s holds no notebook, so nbgrader does not grade it at all (no "
                "row in the gradebook). Ask for %s.ipynb.",
                student,
                folder,
                assignment,
            )


def _released_files(folder: str, assignment: str) -> set[str]:
    course = os.path.dirname(os.path.dirname(os.path.dirname(folder)))
    rdir = os.path.join(course, "release", assignment)
    return set(os.listdir(rdir)) if os.path.isdir(rdir) else set()
