"""DeduplicateIdsTidy: a graded cell pasted twice keeps one graded copy, and the other copy loses
its nbgrader metadata whole (nbgrader's DeduplicateIds leaves it empty, which
OverwriteCells.add_missing_cells then fails on)."""

from __future__ import annotations

import nbformat

from nlpcourse.course.preprocessors import DeduplicateIdsTidy


def _cell(src: str, gid: str):
    meta = {"grade_id": gid, "grade": True, "solution": False, "points": 1, "locked": True}
    return nbformat.v4.new_code_cell(src, metadata={"nbgrader": meta})


def test_one_graded_copy_and_no_empty_metadata():
    nb = nbformat.v4.new_notebook(
        cells=[
            _cell("assert f(1) == 2", "test_f"),
            _cell("assert f(1) == 2", "test_f"),
            _cell("assert g() == 0", "test_g"),
        ]  # fmt: skip
    )
    nb, _ = DeduplicateIdsTidy().preprocess(nb, {})
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert sorted(i for i in ids if i) == ["test_f", "test_g"], ids
    assert all(c.metadata.get("nbgrader", None) != {} for c in nb.cells), nb.cells
    assert sum("nbgrader" not in c.metadata for c in nb.cells) == 1
