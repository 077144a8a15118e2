"""nlpcourse.course.autograde.gradebook: the one reader of gradebook scores and its one meaning
of "manual", on a gradebook built with nbgrader's own API (no autograde run)."""

from __future__ import annotations

from nbgrader.api import Gradebook

from nlpcourse.course.autograde.gradebook import notebook_scores


def _gradebook(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment("a")
        gb.add_notebook("nb", "a")
        gb.add_grade_cell("written", "nb", "a", max_score=3, cell_type="markdown")
        gb.add_solution_cell("written", "nb", "a")
        gb.add_grade_cell("test_code", "nb", "a", max_score=2, cell_type="code")
        gb.add_grade_cell("by_hand_code", "nb", "a", max_score=4, cell_type="code")
        gb.add_solution_cell("by_hand_code", "nb", "a")
        gb.add_grade_cell("untouched", "nb", "a", max_score=1, cell_type="code")
        gb.add_student("s")
        gb.add_submission("a", "s")
        grades = {g.name: g for g in gb.find_submission_notebook("nb", "a", "s").grades}
        grades["written"].auto_score, grades["written"].needs_manual_grade = None, True
        grades["test_code"].auto_score, grades["test_code"].extra_credit = 1.0, 0.5
        grades["test_code"].needs_manual_grade = True  # autograde asks for a look: not written
        grades["by_hand_code"].auto_score, grades["by_hand_code"].manual_score = 4.0, 2.5
        grades["untouched"].auto_score = None
        gb.db.commit()
    return url


def test_scores_manual_wins_extra_credit_adds_and_none_means_not_graded(tmp_path):
    url = _gradebook(tmp_path)
    with Gradebook(url) as gb:
        s = notebook_scores(gb.find_submission_notebook("nb", "a", "s"))
    assert set(s) == {"written", "test_code", "by_hand_code", "untouched"}
    assert s["written"].score is None and s["written"].waiting
    assert s["test_code"].score == 1.5  # autograde's 1 plus 0.5 extra credit
    assert s["by_hand_code"].score == 2.5  # the person's score, not autograde's 4
    assert s["untouched"].score is None  # nbgrader's Grade.score would say 0.0
    assert (s["written"].max_score, s["by_hand_code"].max_score) == (3.0, 4.0)


def test_manual_means_a_person_grades_it_not_that_autograde_flagged_it(tmp_path):
    url = _gradebook(tmp_path)
    with Gradebook(url) as gb:
        s = notebook_scores(gb.find_submission_notebook("nb", "a", "s"))
    assert s["written"].manual  # a markdown answer
    assert s["by_hand_code"].manual  # a grade cell that is also a solution cell
    assert not s["test_code"].manual and s["test_code"].waiting  # a test, flagged for review
    assert not s["untouched"].manual
