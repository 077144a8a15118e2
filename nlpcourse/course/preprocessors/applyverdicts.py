"""ApplyVerdicts: write the grader's verdicts into the graded cells, for nbgrader to score.

:class:`nlpcourse.course.sandbox.SandboxedExecute` runs each autograded cell's check
(:mod:`nlpcourse.course.verdicts`) in the grader's process and leaves the verdicts in
``resources["nlpcourse_verdicts"]``. This preprocessor, after execution and before
``SaveAutoGrades``, replaces each such cell's outputs (whatever the kernel printed there) with
its verdict in the form nbgrader reads: full points, no error; partial credit, an
``execute_result`` holding the points; none, an ``error``. An autograded cell without a verdict
(the kernel died first, or the notebook lost the cell) scores 0 with a message saying why.
Assignments without a ``checks.py`` are left as they are (scored from their own outputs).
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

from nlpcourse.course.verdicts import Verdict

KEY = "nlpcourse_verdicts"
DIED_KEY = "nlpcourse_kernel_died_in"


def autograded(cell) -> bool:
    """A cell nbgrader scores from its outputs: a graded code cell that is not a solution."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def outputs_for(verdict: Verdict, max_points: float) -> list[NotebookNode]:
    points = round(verdict.fraction * max_points, 2)
    head = f"Autograder: {points:g} of {max_points:g} points"
    body = [f"  - {line}" for line in verdict.lines]
    if verdict.fraction >= 1.0:
        text = f"{head}: every case passed.\n"
        return [NotebookNode(output_type="stream", name="stdout", text=text)]
    if verdict.fraction > 0.0:
        text = "\n".join([f"{head}. What did not pass:", *body]) + "\n"
        return [
            NotebookNode(output_type="stream", name="stdout", text=text),
            NotebookNode(
                output_type="execute_result",
                execution_count=None,
                metadata={},
                data={"text/plain": f"{points:g}"},
            ),
        ]
    lines = body or ["  - no case passed"]
    return [
        NotebookNode(
            output_type="error",
            ename="Autograder",
            evalue=f"0 of {max_points:g} points",
            traceback=[f"{head}. What did not pass:", *lines],
        )
    ]


class ApplyVerdicts(Preprocessor):
    """Replace the outputs of autograded cells with the grader's verdicts (module docstring)."""

    enabled = Bool(True, help="Write the grader's verdicts into autograded cells").tag(config=True)

    def preprocess(self, nb, resources):
        verdicts = resources.get(KEY)
        if verdicts is None:  # this assignment has no checks.py
            return nb, resources
        died_in = resources.get(DIED_KEY)
        for cell in nb.cells:
            if not autograded(cell):
                continue
            gid = cell.metadata["nbgrader"].get("grade_id", "?")
            verdict = verdicts.get(gid)
            if verdict is None:
                why = (
                    f"not checked: the kernel died in cell {died_in} before this cell"
                    if died_in
                    else "not checked: this cell was not run"
                )
                verdict = Verdict(gid, 0.0, [why])
            points = float(cell.metadata["nbgrader"].get("points", 0))
            cell.outputs = outputs_for(verdict, points)
        return nb, resources
