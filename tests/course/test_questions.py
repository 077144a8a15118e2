"""Questions of a notebook (nlpcourse.course.questions): every graded cell of every release under a
numbered header whose points are its cells' points, and the odd layouts parsed right."""

from __future__ import annotations

import nbformat
import pytest
from conftest import ROOT, assignments

from nlpcourse.course import build, questions


@pytest.mark.parametrize("a", assignments())
def test_every_graded_cell_has_its_question(a):
    nb = nbformat.read(ROOT / "release" / a / f"{a}.ipynb", as_version=4)
    qs = questions.of_notebook(nb)
    points = build.points_table(nb)
    owner = questions.by_cell(qs)
    assert set(owner) == set(points), f"{a}: cells under no question header"
    assert sum(len(q.cells) for q in qs) == len(points)  # no cell in two questions
    for q in qs:
        assert sum(points[g] for g in q.cells) == q.points, (a, q.label, q.cells)
    assert questions.of_assignment(ROOT, a) == qs


def test_headers_and_names():
    md = nbformat.v4.new_markdown_cell
    code = nbformat.v4.new_code_cell

    def graded(gid, pts, kind=code):
        c = kind("")
        c.metadata["nbgrader"] = {"grade_id": gid, "grade": True, "points": pts}
        return c

    nb = nbformat.v4.new_notebook(
        cells=[
            md("# A9 · Title (20 points)\n## 1. A part (9 points)"),  # not questions
            graded("orphan", 1),
            md("### 1a. Derive γ (4 points, written)"),
            graded("gamma", 4, md),
            md("### The data\n\n### 2b–c. `score` and more (3 points)\n\n### 3. `fwd` (2 points)"),
            graded("test_fwd", 1),
            graded("test_score", 3),
            graded("test_other", 1),
        ]
    )
    qs = questions.of_notebook(nb)
    assert [(q.label, q.points, q.written, q.cells) for q in qs] == [
        ("1a. Derive γ", 4.0, True, ("gamma",)),
        ("2b–c. score and more", 3.0, False, ("test_score",)),
        ("3. fwd", 2.0, False, ("test_fwd", "test_other")),
    ]
    assert "orphan" not in questions.by_cell(qs)
