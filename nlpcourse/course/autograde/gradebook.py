"""The gradebook, read and written: SQLite snapshots, what autograde writes for one
submission (a record a worker sends to the single writer), and the scores of a notebook.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.split("sqlite:///", 1)[1])


def snapshot(url: str, dest: Path) -> None:
    """A consistent copy of a SQLite gradebook (SQLite's online backup)."""
    src, dst = sqlite3.connect(sqlite_path(url)), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def read_record(gb, assignment: str, student: str) -> dict | None:
    """The values ``nbgrader autograde`` writes for one submission (None: no submission)."""
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    return {
        "timestamp": sub.timestamp,
        "notebooks": {
            nb.name: {
                "late_submission_penalty": nb.late_submission_penalty,
                "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
            for nb in sub.notebooks
        },
    }


def apply_record(gb, assignment: str, student: str, rec: dict) -> None:
    """Write a worker's record into the real gradebook (the single writer's job). Only the
    fields autograde writes are set; manual scores and comments stay as they are.

    One transaction: nbgrader's helpers commit after each step (the student, then the
    submission's empty rows, then ours), so a coordinator killed in between would leave a
    half-written submission. Here they only flush, and the record lands whole or not at all."""
    db = gb.db
    commit = db.commit
    db.commit = db.flush  # nbgrader's update_or_create_* call self.db.commit()
    try:
        gb.update_or_create_student(student)
        sub = gb.update_or_create_submission(assignment, student)
        sub.timestamp = rec["timestamp"]
        for nb in sub.notebooks:
            nrec = rec["notebooks"].get(nb.name)
            if nrec is None:
                continue
            nb.late_submission_penalty = nrec["late_submission_penalty"]
            for g in nb.grades:
                if g.name in nrec["grades"]:
                    g.auto_score, g.needs_manual_grade = nrec["grades"][g.name]
            for c in nb.comments:
                if c.name in nrec["comments"]:
                    c.auto_comment = nrec["comments"][c.name]
    except BaseException:
        del db.commit
        db.rollback()
        raise
    del db.commit
    commit()


def is_complete(gb, assignment: str, student: str, submitted: Path, autograded: Path) -> bool:
    """Whether the gradebook holds a complete autograde of the submission in ``submitted``
    (its folder under submitted/) as it is now; ``autograded``: its folder under autograded/.

    Complete: the gradebook's submission has the timestamp nbgrader reads from the hand-in's
    ``timestamp.txt``; every autograded cell (a test cell, see :func:`is_manual`) of every
    notebook has a score (autograde gives a notebook that was not handed in 0); and every
    handed-in notebook has its autograded copy, newer than the hand-in (nbgrader removes that
    copy when a regrade starts and writes it last, so a grade cut short has none)."""
    from nbgrader.api import MissingEntry
    from nbgrader.utils import parse_utc

    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        return False
    stamp = submitted / "timestamp.txt"
    text = stamp.read_text().strip() if stamp.is_file() else ""
    try:
        current = parse_utc(text) if text else None
    except ValueError:
        return False  # nbgrader will say what is wrong with it
    if sub.timestamp != current:
        return False
    for nb in sub.notebooks:
        solutions = {c.name for c in nb.notebook.solution_cells}
        if any(g.auto_score is None and not is_manual(g.cell, solutions) for g in nb.grades):
            return False
        handed_in = submitted / f"{nb.name}.ipynb"
        if handed_in.is_file():
            out = autograded / f"{nb.name}.ipynb"
            if not out.is_file() or out.stat().st_mtime < handed_in.stat().st_mtime:
                return False
    return True


@dataclass(frozen=True)
class CellScore:
    """One grade cell of one submitted notebook, as the gradebook holds it."""

    grade_id: str
    score: float | None  # the grader's score if given, else autograde's; None: not graded yet
    max_score: float
    manual: bool  # graded by a person: a written answer, never by autograde
    waiting: bool = False  # nbgrader flags it for a person in formgrader


def is_manual(cell, solutions: set[str]) -> bool:
    """The one meaning of "manual" in the pack: a grade cell a person grades. nbgrader calls it
    a manually graded answer: a markdown grade cell, or a grade cell that is also a solution cell
    (``solutions``: the notebook's solution cell names). Test cells are autograded, even when
    autograde flags one for review (that is ``waiting``, not ``manual``)."""
    return cell.cell_type == "markdown" or cell.name in solutions


def notebook_scores(submitted) -> dict[str, CellScore]:
    """grade_id -> score of an nbgrader ``SubmittedNotebook``, the one reader of gradebook
    scores (cases, the class report): the manual score wins over autograde's, extra credit is
    added to whichever is given."""
    solutions = {c.name for c in submitted.notebook.solution_cells}
    out = {}
    for g in submitted.grades:
        score = g.manual_score if g.manual_score is not None else g.auto_score
        if score is not None and g.extra_credit:
            score += g.extra_credit
        out[g.name] = CellScore(
            g.name, score, float(g.max_score), is_manual(g.cell, solutions),
            bool(g.needs_manual_grade),
        )  # fmt: skip
    return out
