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
    fields autograde writes are set; manual scores and comments stay as they are."""
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
    gb.db.commit()


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
