"""`nlpcourse autograde` on a plain nbgrader course (tests/course/plain_course/: an .ipynb
source with hidden tests between nbgrader's delimiters, a bare nbgrader_config.py, nothing of
the pack): every gradebook value equals what plain `nbgrader autograde` writes, for a right
answer, one right in another way, one that fails only the hidden tests, an untouched release
and one that does not parse."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nlpcourse.course import release as rel

PLAIN = Path(__file__).parents[1] / "plain_course"
A, NB = "ps1", "problems.ipynb"
ANSWERS = {  # student: {grade_id of a solution cell: its new source}
    "right": {
        "squares": "def squares(n):\n    if n < 1:\n        raise ValueError\n"
        "    return [i**2 for i in range(1, n + 1)]",
        "sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))",
        "why_answer": "There is nothing to square.",
    },
    "another_way": {
        "squares": "def squares(n):\n    assert n >= 1 or (_ for _ in ()).throw(ValueError())\n"
        "    return list(map(lambda i: i * i, range(1, n + 1)))",
        "sum_of_squares": "def sum_of_squares(n):\n    return n * (n + 1) * (2 * n + 1) // 6",
    },
    "visible_only": {
        "squares": "def squares(n):\n    if n < 1:\n        raise ValueError\n"
        "    return [1, 4, 9][:n]",
        "sum_of_squares": "def sum_of_squares(n):\n    return {1: 1, 2: 5}[n]",
    },
    "blank": {},
    "broken": {"squares": "def squares(n)\n    return n"},
}


def _course(dest: Path) -> Path:
    shutil.copytree(PLAIN, dest, ignore=shutil.ignore_patterns("make_source.py", "README.md"))
    rel.nbgrader(dest, "generate_assignment", A)
    released = nbformat.read(dest / "release" / A / NB, as_version=4)
    for student, answers in ANSWERS.items():
        nb = nbformat.from_dict(released)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid]
        folder = dest / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NB)
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    return dest


def _values(course: Path) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "plain") as gb:
        for sub in gb.find_assignment(A).submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    out[sub.student.id, g.name] = (
                        g.auto_score,
                        g.manual_score,
                        g.needs_manual_grade,
                        g.max_score,
                    )
            out[sub.student.id, "timestamp"] = str(sub.timestamp)
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("plain")
    plain, ours = _course(base / "plain"), _course(base / "ours")
    rel.nbgrader(plain, "autograde", A)
    proc = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "autograde", A, "--workers", "2",
         "--no-progress"],
        cwd=ours, env=rel.tool_env(), capture_output=True, text=True,
    )  # fmt: skip
    return _values(plain), _values(ours), proc


@pytest.mark.slow
def test_same_gradebook_values_as_nbgrader(graded):
    plain, ours, proc = graded
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "5 graded, 0 failed" in proc.stdout, proc.stdout
    assert len(plain) == 5 * 5, sorted(plain)  # 4 grade cells and the timestamp, 5 students
    assert ours == plain


@pytest.mark.slow
def test_the_fixture_tells_answers_apart(graded):
    """The comparison means something: the students score differently, hidden tests count."""
    plain, _, _ = graded
    auto = {s: sum(v[0] or 0 for (t, g), v in plain.items() if t == s and g != "timestamp")
            for s in ANSWERS}  # fmt: skip
    assert auto == {"right": 6, "another_way": 6, "visible_only": 1, "blank": 0, "broken": 0}
    assert plain["right", "why_answer"][2] is True, "the written answer waits for a person"


# What README ("Warm kernels for another course") tells an instructor to add.
WARM = """
c.Execute.kernel_manager_class = "nlpcourse.course.sandbox.kernel.SandboxKernelManager"
c.SandboxKernelManager.warm = True
"""


@pytest.mark.slow
def test_warm_kernels_turned_on_in_its_config_grade_the_same(graded, tmp_path):
    plain, _, _ = graded
    ours = _course(tmp_path / "warm")
    with open(ours / "nbgrader_config.py", "a") as f:
        f.write(WARM)
    proc = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "autograde", A, "--workers", "2",
         "--no-progress"],
        cwd=ours, env=rel.tool_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "of which fork" in proc.stdout, proc.stdout  # forked by a zygote, not cold
    assert _values(ours) == plain


def test_an_assignment_not_in_the_gradebook_is_named(tmp_path):
    course = tmp_path / "c"
    shutil.copytree(PLAIN, course)
    (course / "source" / "ps2").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "autograde", "ps2", "--no-progress"],
        cwd=course, env=rel.tool_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "no assignment 'ps2' in the gradebook" in proc.stderr, proc.stderr
    assert "nbgrader generate_assignment ps2" in proc.stderr and "Traceback" not in proc.stderr
