"""`make demo` and the instructor's loop after it (feedback, export), in a scratch course."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT, assignments

from nlpcourse import settings
from nlpcourse.course import build, demo, questions, submissions
from nlpcourse.course import release as rel

A = "a2_dropout_cnn"
WIDTH = 100


def _fake_results(nb, students: list[str]) -> list[submissions.CaseResult]:
    """The demo's three students on a release, without nbgrader: full points, none (the blank
    release, whose written answers nbgrader scores 0), every other cell; written answers of
    the first and the third wait for a grader."""
    kinds = {
        c.metadata["nbgrader"]["grade_id"]: c.cell_type
        for c in nb.cells
        if "nbgrader" in c.metadata
    }
    out = []
    for k, student in enumerate(students):
        scores = {}
        for i, (gid, pts) in enumerate(build.points_table(nb).items()):
            manual = kinds[gid] == "markdown"
            waiting = manual and k != 1
            got = 0.0 if waiting or k == 1 else pts if k == 0 or i % 2 else 0.0
            scores[gid] = submissions.CellScore(gid, got, float(pts), manual, waiting)
        out.append(submissions.CaseResult(submissions.Case(name=student), scores, []))
    return out


@pytest.mark.parametrize("a", assignments())
def test_demo_table_fits_100_columns(a):
    nb = nbformat.read(ROOT / "release" / a / f"{a}.ipynb", as_version=4)
    qs = questions.of_notebook(nb)
    students = list(demo.demo_cases(ROOT, a))
    table = submissions.format_by_question(_fake_results(nb, students), qs)
    lines = table.splitlines()
    assert max(map(len, lines)) <= WIDTH, "\n" + table
    assert lines[0].split()[-3:] == students
    body = lines[2 : 2 + len(qs)]  # one line per question, in notebook order
    for q, line in zip(qs, body, strict=True):
        assert line.startswith(q.label[:20]), (q.label, line)
        values = line.split()[-3:]
        if q.written:  # marked in the points column; alice's and carol's wait for a grader
            assert f"{q.points:g} written" in line and values == ["manual", "0", "manual"]
        else:
            assert line.split()[-4:-3] == values[:1] == [f"{q.points:g}"] and values[1] == "0"
    auto = sum(build.points_table(nb)[g] for q in qs if not q.written for g in q.cells)
    total = next(line for line in lines if line.startswith("autograded total")).split()
    assert total[2:4] == [f"{auto:g}", f"{auto:g}"] and total[4] == "0"
    assert any(line.startswith("written total") for line in lines) == any(q.written for q in qs)


@pytest.mark.slow
def test_demo_then_feedback_and_export(tmp_path):
    course = rel.copy_course(ROOT, tmp_path / "course", [A])
    shutil.copytree(ROOT / "tests" / "submissions" / A, course / "tests" / "submissions" / A)
    run = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "--root", str(course), "demo", A],
        capture_output=True,
        text=True,
        env=rel.tool_env(),
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert max(map(len, lines)) <= WIDTH, run.stdout
    head = next(line for line in lines if line.startswith("question"))
    assert head.split()[-3:] == ["alice_reference", "bob_blank", "carol_partly_wrong"]
    total = next(line for line in lines if line.startswith("autograded total")).split()
    assert total[2:5] == ["50", "50", "0"]
    got = float(total[5])  # partial credit: a fraction of a cell's points is a real score
    assert 0 < got < 50
    written = next(line for line in lines if line.startswith("1a. Derive γ")).split()
    assert written[-5:] == ["15", "written", "manual", "0", "manual"]
    assert (course / "autograded" / "alice_reference" / A / f"{A}.ipynb").is_file()
    # The README's next steps, as written there.
    rel.nbgrader(course, "generate_feedback", A)
    html = course / "feedback" / "carol_partly_wrong" / A / f"{A}.html"
    assert html.is_file() and "conv_maxpool_concat" in html.read_text()
    rel.nbgrader(course, "export")
    with open(course / "grades.csv") as f:
        grades = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(f)}
    assert grades == {"alice_reference": 50.0, "bob_blank": 0.0, "carol_partly_wrong": got}


@pytest.mark.slow
@pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which("unshare") and shutil.which("bwrap")),
    reason="hiding bwrap for one command needs root and unshare (CI has both)",
)
def test_demo_on_a_machine_without_bubblewrap(tmp_path):
    """As on a fresh machine (bwrap hidden in a private mount namespace): the demo grades its
    own trusted samples unsandboxed, says so in one line with how to turn the sandbox on, and
    the scores are those of the sandboxed run."""
    course = rel.copy_course(ROOT, tmp_path / "course", [A])
    shutil.copytree(ROOT / "tests" / "submissions" / A, course / "tests" / "submissions" / A)
    bwrap = os.path.realpath(shutil.which("bwrap"))
    cmd = f"mount --bind /dev/null {bwrap} && exec {sys.executable} -m nlpcourse.course.cli "
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", cmd + f"--root {course} demo {A}"],
        capture_output=True,
        text=True,
        env=rel.tool_env(),
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    paragraphs = [" ".join(p.split()) for p in run.stdout.split("\n\n")]
    notes = [p for p in paragraphs if "without a sandbox" in p]
    assert notes and "apt-get install bubblewrap" in notes[0], run.stdout
    assert "SandboxUnavailable" not in run.stdout + run.stderr
    db = settings.db_url(course)
    total = {
        s: sum(c.score or 0 for c in submissions.read_scores(db, A, s).values())
        for s in ("alice_reference", "bob_blank")
    }
    assert total == {"alice_reference": 50.0, "bob_blank": 0.0}
