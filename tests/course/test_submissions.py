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


def test_a_cheat_may_not_outscore_the_wrong_answer_it_wraps():
    def result(name, t1, t2, no_better_than=None):
        scores = {
            "t1": CellScore("t1", t1, 3.0, False),
            "t2": CellScore("t2", t2, 5.0, False),
            "essay": CellScore("essay", 9.0, 15.0, True),  # by hand: never compared
        }
        return sub.CaseResult(sub.Case(name, no_better_than=no_better_than), scores, [])

    wrong = result("wrong", 3.0, 2.0)
    same = result("same", 3.0, 2.0, no_better_than="wrong")
    less = result("less", 1.0, 0.0, no_better_than="wrong")
    gained = result("gained", 3.0, 2.5, no_better_than="wrong")
    orphan = result("orphan", 0.0, 0.0, no_better_than="absent")
    sub.check_no_better([wrong, same, less, gained, orphan])
    assert wrong.problems == [] and same.problems == [] and less.problems == []
    assert gained.problems == ["t2: 2.5 beats wrong's 2.0: the trick gained"]
    assert "not graded with it" in orphan.problems[0]


def test_no_better_than_is_read_from_the_case_file(tmp_path):
    f = tmp_path / "cheat_x.py"
    f.write_text(
        '# %% [markdown] expect={"lose": ["t2"], "no_better_than": "wrong"}\n# A cheat.\n\n'
        '# %% replace="q"\nx = 1\n'
    )
    assert sub.load_case(f).no_better_than == "wrong"
    f.write_text('# %% [markdown] expect={"lose": [], "no_better_than": 3}\n# A cheat.\n')
    with pytest.raises(sub.CaseError, match="no_better_than must be the name"):
        sub.load_case(f)


def test_selecting_a_cheat_brings_the_case_it_is_held_to():
    cases = [
        sub.Case("wrong"),
        sub.Case("other"),
        sub.Case("cheat", no_better_than="wrong"),
    ]
    assert [c.name for c in sub.select(cases, ["cheat"])] == ["wrong", "cheat"]
    assert [c.name for c in sub.select(cases, ["other"])] == ["other"]
