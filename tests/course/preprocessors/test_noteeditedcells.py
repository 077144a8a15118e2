"""NoteEditedCells: what the autograder will undo (an edited locked cell, a changed cell type,
a deleted or duplicated test cell) is logged for the instructor and noted at the top of the
graded notebook for the student; an untouched notebook gets no note."""

from __future__ import annotations

import logging

import nbformat
from nbgrader.api import Gradebook

from nlpcourse.course.preprocessors import NoteEditedCells
from nlpcourse.course.preprocessors.noteeditedcells import NOTES_MARK

CELLS = {  # grade_id: (cell type, source, locked, graded)
    "intro": ("markdown", "# t1", True, False),
    "double": ("code", "def double(x):\n    return 2 * x", False, False),
    "test_double": ("code", "assert double(2) == 4", True, True),
    "test_double_more": ("code", "assert double(3) == 6", True, True),
}


def _gradebook(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment("t1")
        gb.add_notebook("t1", "t1")
        for gid, (kind, src, locked, graded) in CELLS.items():
            gb.add_source_cell(gid, "t1", "t1", cell_type=kind, locked=locked, source=src)
            if graded:
                gb.add_grade_cell(gid, "t1", "t1", max_score=1, cell_type=kind)
    return url


def _cell(gid: str, source: str | None = None, kind: str | None = None):
    k, src, _, _ = CELLS[gid]
    new = nbformat.v4.new_markdown_cell if (kind or k) == "markdown" else nbformat.v4.new_code_cell
    return new(src if source is None else source, metadata={"nbgrader": {"grade_id": gid}})


def _run(tmp_path, cells, caplog):
    nb = nbformat.v4.new_notebook(cells=cells)
    res = {"nbgrader": {"db_url": _gradebook(tmp_path), "notebook": "t1", "assignment": "t1",
                        "student": "s1"}}  # fmt: skip
    with caplog.at_level(logging.WARNING):
        nb, _ = NoteEditedCells().preprocess(nb, res)
    return nb


def test_an_untouched_notebook_gets_no_note(tmp_path, caplog):
    nb = _run(tmp_path, [_cell(g) for g in CELLS], caplog)
    assert not any(c.metadata.get(NOTES_MARK) for c in nb.cells)
    assert "Student s1" not in caplog.text


def test_every_undone_change_is_noted(tmp_path, caplog):
    cells = [
        _cell("intro", kind="code"),  # type changed
        _cell("double", "def double(x):\n    return x + x"),  # a solution: the student's own
        _cell("test_double", "assert True  # edited"),  # locked and edited
        _cell("test_double", "assert double(2) == 4"),  # pasted twice
    ]  # test_double_more deleted
    nb = _run(tmp_path, cells, caplog)
    note = nb.cells[0]
    assert note.metadata.get(NOTES_MARK) and note.cell_type == "markdown"
    text = note.source
    assert "`intro` was turned from markdown into code" in text
    assert "locked cell `test_double` was edited" in text
    assert "`test_double` appears 2 times" in text
    assert "test cell `test_double_more` was deleted" in text
    assert "double`" not in text.replace("test_double", ""), "a solution cell is not noted"
    assert caplog.text.count("Student s1:") == 4, caplog.text
    (tmp_path / "again").mkdir()
    again = _run(tmp_path / "again", [*nb.cells], caplog)  # a re-grade: one note, not two
    assert sum(bool(c.metadata.get(NOTES_MARK)) for c in again.cells) == 1
