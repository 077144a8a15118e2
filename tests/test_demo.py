"""`make demo` and the instructor's loop after it (feedback, export), in a scratch course."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from nlpcourse import release as rel
from nlpcourse import settings, submissions

A = "a2_dropout_cnn"


@pytest.mark.slow
def test_demo_then_feedback_and_export(tmp_path):
    course = rel.copy_course(ROOT, tmp_path / "course", [A])
    shutil.copytree(ROOT / "tests" / "submissions" / A, course / "tests" / "submissions" / A)
    run = subprocess.run(
        [sys.executable, "-m", "nlpcourse.cli", "--root", str(course), "demo", A],
        capture_output=True,
        text=True,
        env=rel.tool_env(),
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {
        line.split()[0]: line.split()[-1] for line in run.stdout.splitlines() if "_" in line[:20]
    }
    assert rows["alice_reference"] == "50/50"
    assert rows["bob_blank"] == "0/50"
    got = int(rows["carol_partly_wrong"].split("/")[0])
    assert 0 < got < 50
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
    cmd = f"mount --bind /dev/null {bwrap} && exec {sys.executable} -m nlpcourse.cli "
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", cmd + f"--root {course} demo {A}"],
        capture_output=True,
        text=True,
        env=rel.tool_env(),
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    notes = [line for line in run.stdout.splitlines() if "without a sandbox" in line]
    assert notes and "apt-get install bubblewrap" in notes[0], run.stdout
    assert "SandboxUnavailable" not in run.stdout + run.stderr
    db = settings.db_url(course)
    total = {
        s: sum(c.score or 0 for c in submissions.read_scores(db, A, s).values())
        for s in ("alice_reference", "bob_blank")
    }
    assert total == {"alice_reference": 50.0, "bob_blank": 0.0}
