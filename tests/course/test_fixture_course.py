"""The engine on a course of its own (tests/course/fixture_course/, one tiny assignment), not
on a real assignment: release, then the sandboxed autograde of every case with grade_cases (the
engine of `nlpcourse autograde`), grader-side checks with partial credit, a written answer that
waits for a person, and a case that rewrites how its kernel reports errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from nlpcourse.course import submissions

FIXTURE = Path(__file__).parent / "fixture_course"
A = "t1_double"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture") / "course"
    (root / "source").mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(FIXTURE / "source" / A, root / "source" / A)
    cases = submissions.load_cases(FIXTURE / "cases")
    results, log = submissions.grade_cases(
        root, A, cases, workdir=tmp_path_factory.mktemp("run") / "course", workers=2
    )
    return {r.case.name: r for r in results}, log


@pytest.mark.slow
def test_every_case_scores_as_its_file_says(graded):
    by, log = graded
    assert set(by) == {"reference", "blank", "partly_wrong", "right_another_way",
                       "hides_its_errors"}  # fmt: skip
    bad = [r for r in by.values() if r.problems]
    table = submissions.format_table(list(by.values()))
    assert not bad, f"cases not scored as expected:\n{table}\n\nlog tail:\n{log[-3000:]}"


@pytest.mark.slow
def test_points_partial_credit_and_the_written_answer(graded):
    by, _ = graded
    ref, wrong = by["reference"].scores, by["partly_wrong"].scores
    assert {g: s.score for g, s in ref.items() if not s.manual} == {
        "test_double": 1, "test_double_hidden": 4,
    }  # fmt: skip
    assert (wrong["test_double"].score, wrong["test_double_hidden"].score) == (1, 2)
    written = ref["why_refuse"]
    assert written.manual and written.waiting and written.max_score == 2
    assert by["right_another_way"].total == by["reference"].total


@pytest.mark.slow
def test_a_kernel_that_swallows_errors_scores_nothing(graded):
    """The case's kernel swallows every exception (IPython's custom handler), so its visible
    assert 'passes' in the kernel; the checks run in the grader and give 0."""
    by, _ = graded
    scores = by["hides_its_errors"].scores
    assert all(s.score == 0 for s in scores.values() if not s.manual), scores
