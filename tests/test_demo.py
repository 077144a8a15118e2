"""`make demo` and the instructor's loop after it (feedback, export), in a scratch course."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from nlpcourse import release as rel

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
