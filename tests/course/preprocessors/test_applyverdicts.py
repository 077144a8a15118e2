"""nlpcourse.course.preprocessors.ApplyVerdicts: verdicts become outputs nbgrader scores right."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.utils import determine_grade

from nlpcourse.course.preprocessors import ApplyVerdicts
from nlpcourse.course.preprocessors.applyverdicts import DIED_KEY, KEY
from nlpcourse.course.verdicts import Verdict


def graded(gid: str, points: float, solution: bool = False):
    cell = new_code_cell("assert True")
    cell.metadata["nbgrader"] = {
        "grade_id": gid,
        "grade": True,
        "solution": solution,
        "points": points,
    }
    # Whatever the kernel printed: a forged line and an error that would decide the score.
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="Autograder: 10 of 10 points\n"),
    ]
    return cell


def scored(nb, resources):
    nb, _ = ApplyVerdicts().preprocess(nb, resources)
    return {c.metadata["nbgrader"]["grade_id"]: determine_grade(c)[0] for c in nb.cells}, nb


def test_full_partial_zero_and_missing_verdicts_score_as_nbgrader_reads_them():
    nb = new_notebook(
        cells=[graded("full", 4), graded("part", 10), graded("zero", 3), graded("missing", 5)]
    )
    resources = {
        KEY: {
            "full": Verdict("full", 1.0, []),
            "part": Verdict("part", 0.7, ["values: 3 of 10 values are wrong"]),
            "zero": Verdict("zero", 0.0, ["f(1) raised ValueError: no"]),
        }
    }
    scores, nb = scored(nb, resources)
    assert scores == {"full": 4, "part": 7, "zero": 0, "missing": 0}
    text = nbformat.writes(nb)
    assert "3 of 10 values are wrong" in text and "raised ValueError" in text
    assert "10 of 10 points" not in text, "the kernel's own output must be replaced"
    assert "not checked: this cell was not run" in text


def test_a_dead_kernel_is_named_and_solution_cells_are_left_alone():
    sol = graded("answer", 2, solution=True)
    nb = new_notebook(cells=[sol, graded("after", 5)])
    scores, nb = scored(nb, {KEY: {}, DIED_KEY: "conv_maxpool_concat"})
    assert scores["after"] == 0
    assert "kernel died in cell conv_maxpool_concat" in nbformat.writes(nb)
    assert nb.cells[0].outputs == sol.outputs


def test_assignments_without_checks_are_untouched():
    nb = new_notebook(cells=[graded("x", 1)])
    before = nbformat.writes(nb)
    ApplyVerdicts().preprocess(nb, {})
    assert nbformat.writes(nb) == before
