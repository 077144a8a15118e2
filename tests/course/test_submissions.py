"""The test-submission tool: case files, submissions made from them, expectation checks."""

from __future__ import annotations

import nbformat
import pytest
from conftest import ROOT

from nlpcourse.course import submissions as sub
from nlpcourse.course.submissions import CellScore


def test_case_file_is_parsed(tmp_path):
    f = tmp_path / "wrong_gamma.py"
    f.write_text(
        '# %% [markdown] expect={"lose": ["test_a"]}\n# Wrong: gamma.\n\n'
        '# %% replace="dropout_scale"\ndef dropout_scale(p):\n    return p\n'
    )
    case = sub.load_case(f)
    assert case.name == "wrong_gamma" and case.lose == ["test_a"] and case.base == "reference"
    assert "return p" in case.replace["dropout_scale"]


def test_case_without_expectation_is_refused(tmp_path):
    f = tmp_path / "x.py"
    f.write_text('# %% replace="f"\nx = 1\n')
    with pytest.raises(sub.CaseError, match="expect="):
        sub.load_case(f)


def test_submission_fills_reference_and_replaces(built):
    a = "a2_dropout_cnn"
    rel_nb = ROOT / "release" / a / f"{a}.ipynb"
    case = sub.Case(
        name="c", description="d", replace={"dropout_scale": "def dropout_scale(p):\n    return p"}
    )
    nb = sub.make_submission(rel_nb, built[a], case)
    cells = {c.id: c for c in nb.cells}
    assert cells["dropout_scale"].source.endswith("return p")
    assert "BEGIN SOLUTION" not in cells["dropout"].source
    assert "keep = rng.random" in cells["dropout"].source  # the reference solution, no markers
    blank = sub.make_submission(rel_nb, built[a], sub.Case(name="b", description="d", base="blank"))
    assert "NotImplementedError" in {c.id: c for c in blank.cells}["dropout"].source
    with pytest.raises(sub.CaseError, match="no cell with grade_id"):
        sub.make_submission(
            rel_nb, built[a], sub.Case(name="x", description="d", replace={"nope": ""})
        )
    assert nbformat.validate(nb) is None


def test_expectations():
    scores = {
        "t1": CellScore("t1", 3.0, 3.0, False),
        "t2": CellScore("t2", 0.0, 5.0, False),
        "essay": CellScore("essay", None, 15.0, True),
    }
    assert sub.check_expectations(sub.Case("c", lose=["t2"]), scores) == []
    assert sub.check_expectations(sub.Case("c", lose=[]), scores) == [
        "t2: expected full points, scored 0.0/5.0"
    ]
    assert sub.check_expectations(sub.Case("c", lose=["t1", "t2"]), scores) == [
        "t1: expected to lose points, scored 3.0/3.0"
    ]
    assert (
        "unknown test cell" in sub.check_expectations(sub.Case("c", lose=["zz", "t2"]), scores)[0]
    )
    assert sub.check_expectations(sub.Case("c", lose="all"), scores) == [
        "t1: expected to lose points, scored 3.0/3.0"
    ]
    assert sub.check_expectations(sub.Case("c", lose=[]), None) == ["not graded at all"]
