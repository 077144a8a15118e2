"""nbgrader preprocessors and the autograde hook of the pack, registered in ``nbgrader_config.py``.

Files that only the grader may see live in ``source/<a>/hidden/``: ``generate_assignment``
never copies them (``hidden`` is in ``CourseDirectory.ignore``) and no preprocessor puts them
next to a submission; the checks read them in the grader's process (``nlpcourse.verdicts``).
"""

from __future__ import annotations

import os

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import DeduplicateIds
from traitlets import Bool

# --- integrity: edits to locked cells are undone and reported ---

NOTES_MARK = "nlpcourse_autograder_notes"


def _norm(source: str) -> list[str]:
    return [ln.rstrip() for ln in source.strip().splitlines() if ln.strip()]


class NoteEditedCells(Preprocessor):
    """Before nbgrader's OverwriteCells: find what the student changed that the autograder
    will undo, tell the instructor (log) and the student (a note at the top of the graded
    notebook, which reaches the feedback).

    Reported: locked cells whose code was edited, cells whose type was changed, graded cells
    that were deleted (OverwriteCells.add_missing_cells puts them back) or duplicated.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        student = info.get("student", "?")
        notes = []
        seen: dict[str, int] = {}
        nb.cells = [c for c in nb.cells if not c.metadata.get(NOTES_MARK)]
        with Gradebook(info["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            sources = {c.name: c for c in source_nb.source_cells}
            graded = {c.name for c in source_nb.grade_cells}
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid is None or gid not in sources:
                    continue
                seen[gid] = seen.get(gid, 0) + 1
                src = sources[gid]
                if seen[gid] > 1:
                    notes.append(f"cell `{gid}` appears {seen[gid]} times: the last copy is graded")
                    continue
                if cell.cell_type != src.cell_type:
                    notes.append(
                        f"cell `{gid}` was turned from {src.cell_type} into {cell.cell_type}: "
                        "it was turned back and graded as the original"
                    )
                elif src.locked and _norm(cell.source) != _norm(src.source):
                    notes.append(
                        f"locked cell `{gid}` was edited: your edit was undone and the original "
                        "cell was run instead"
                    )
            for gid in sorted(graded - set(seen)):
                notes.append(f"test cell `{gid}` was deleted: it was put back and run")
        for note in notes:
            self.log.warning("Student %s: %s", student, note.replace("`", "'"))
        if notes:
            text = "**Autograder notes.** Cells of this notebook are not yours to change:\n\n"
            text += "\n".join(f"- {n}" for n in notes)
            cell = nbformat.v4.new_markdown_cell(text, metadata={NOTES_MARK: True})
            nb.cells.insert(0, cell)
        return nb, resources


class DeduplicateIdsTidy(DeduplicateIds):
    """nbgrader's DeduplicateIds, then drop the empty ``nbgrader`` metadata it leaves on the
    copies: with ``OverwriteCells.add_missing_cells`` nbgrader 0.9.6 otherwise fails on them
    (KeyError 'grade_id') and the student gets no grade at all."""

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"].get("grade_id"):
                del cell.metadata["nbgrader"]
        return nb, resources


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


class RemoveLinks(Preprocessor):
    """After the student's code ran: delete symlinks, FIFOs, sockets and device files it left
    in its autograde folder. nbgrader later copies that folder (feedback) with the
    instructor's rights, and a copy follows a link to, say, ``source/`` or the gradebook."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        import stat

        folder = resources["metadata"]["path"]
        student = resources.get("nbgrader", {}).get("student", "?")
        for dirpath, dirnames, filenames in os.walk(folder):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    what = "symlink" if stat.S_ISLNK(mode) else "special file"
                    self.log.warning(
                        "Student %s: removed the %s %s its code left in its folder",
                        student,
                        what,
                        os.path.relpath(path, folder),
                    )
                    os.unlink(path)
        return nb, resources
