"""Writes source/ps1/problems.ipynb, the plain course's one notebook (no outputs)."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _cell(make, source, **nbgrader):
    meta = {"schema_version": 3, "locked": False, "solution": False, "grade": False, **nbgrader}
    return make(source, metadata={"nbgrader": meta})


CELLS = [
    new_markdown_cell("# Problem set 1\n\nTwo functions and one written answer (9 points)."),
    _cell(
        new_code_cell,
        "def squares(n):\n"
        '    """The squares of 1..n, as a list."""\n'
        "    ### BEGIN SOLUTION\n"
        "    if n < 1:\n"
        '        raise ValueError("n must be at least 1")\n'
        "    return [i**2 for i in range(1, n + 1)]\n"
        "    ### END SOLUTION",
        grade_id="squares",
        solution=True,
    ),
    _cell(
        new_code_cell,
        '"""squares(3) and squares(1)."""\n'
        "assert squares(3) == [1, 4, 9]\n"
        "assert squares(1) == [1]\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert squares(10) == [i * i for i in range(1, 11)]\n"
        "### END HIDDEN TESTS",
        grade_id="correct_squares",
        grade=True,
        points=2,
        locked=True,
    ),
    _cell(
        new_code_cell,
        '"""n < 1 raises ValueError."""\n'
        "try:\n"
        "    squares(0)\n"
        "except ValueError:\n"
        "    pass\n"
        "else:\n"
        '    raise AssertionError("squares(0) should raise ValueError")',
        grade_id="squares_invalid_input",
        grade=True,
        points=1,
        locked=True,
    ),
    _cell(
        new_code_cell,
        "def sum_of_squares(n):\n"
        '    """1**2 + ... + n**2."""\n'
        "    ### BEGIN SOLUTION\n"
        "    return sum(squares(n))\n"
        "    ### END SOLUTION",
        grade_id="sum_of_squares",
        solution=True,
    ),
    _cell(
        new_code_cell,
        '"""sum_of_squares(1), (2) and more."""\n'
        "assert sum_of_squares(1) == 1\n"
        "assert sum_of_squares(2) == 5\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert sum_of_squares(10) == 385\n"
        "### END HIDDEN TESTS",
        grade_id="correct_sum_of_squares",
        grade=True,
        points=3,
        locked=True,
    ),
    _cell(
        new_markdown_cell,
        "Why does `squares` refuse `n < 1`? (3 points)",
        grade_id="why_question",
        locked=True,
    ),
    _cell(
        new_markdown_cell,
        "An empty range has no squares to return; refusing says the input is wrong.",
        grade_id="why_answer",
        solution=True,
        grade=True,
        points=3,
    ),
]

if __name__ == "__main__":
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    out = Path(__file__).parent / "source" / "ps1" / "problems.ipynb"
    nbformat.write(nb, out)
    print(out)
