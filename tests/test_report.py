"""`nlpcourse report`: per-question distributions, most missed questions, late submissions and
outliers, from a gradebook made here with nbgrader's API (no kernels)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import ROOT

from nlpcourse import cli, report
from nlpcourse import release as rel

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

DUE = dt.datetime(2030, 3, 1, 12, 0)
# question -> (max points, cell type); q_hard is missed by most, q_easy by none
CELLS = {"q_written": (10, "markdown"), "q_easy": (5, "code"), "q_hard": (5, "code")}
HARD = [5, 5, 2, 3, 1, 2, 3, 0, 2, 3]  # q_hard's score per student


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from nbgrader.api import Gradebook

    course = rel.copy_course(ROOT, tmp_path_factory.mktemp("report") / "course", ["a2_dropout_cnn"])
    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url, "nlpcourse") as gb:
        gb.add_assignment("hw", duedate=DUE)
        gb.add_notebook("hw", "hw")
        for name, (pts, kind) in CELLS.items():
            gb.add_grade_cell(name, "hw", "hw", max_score=pts, cell_type=kind)
            gb.add_solution_cell(name, "hw", "hw")
        for i in range(10):
            s = f"s{i}"
            gb.add_student(s)
            late = DUE + dt.timedelta(hours=5) if i == 3 else DUE - dt.timedelta(days=1)
            gb.add_submission("hw", s, timestamp=late)
            gb.find_grade("q_easy", "hw", "hw", s).auto_score = 5
            gb.find_grade("q_hard", "hw", "hw", s).auto_score = HARD[i]
            written = gb.find_grade("q_written", "hw", "hw", s)
            written.manual_score = None if i == 9 else (10 if i < 3 else 8)
        # s7 hands in nothing that works: an outlier
        for q in ("q_easy", "q_hard"):
            gb.find_grade(q, "hw", "hw", "s7").auto_score = 0
        gb.find_grade("q_written", "hw", "hw", "s7").manual_score = 0
        gb.db.commit()
    return course


def test_collect_and_analyse(course):
    rep = report.collect(f"sqlite:///{course / 'gradebook.db'}", "hw")
    assert rep.students == [f"s{i}" for i in range(10)]
    assert rep.questions == list(CELLS)
    assert rep.max_total() == 20
    assert [q for q, _, _ in rep.missed()] == ["q_hard", "q_written", "q_easy"]
    q, short, mean = rep.missed()[0]
    assert short == pytest.approx(0.8) and mean == pytest.approx(sum(HARD) / 50)
    assert rep.late == {"s3": pytest.approx(5.0)}
    # s9's written answer is not graded yet: not judged an outlier on a partial total
    assert rep.outliers() == {"s7": 0.0}
    assert rep.pending() == {"q_written": 1}
    text = report.summary(rep)
    assert "10 submissions" in text and "late (1): s3 (5.0 h)" in text
    assert "q_hard: 80% missed" in text and "s7 (0)" in text
    assert "q_written ×1" in text


def test_report_command_writes_png_and_html(course, tmp_path):
    out = tmp_path / "rep"
    # "hw" is no assignment of the course's source/: the command says so
    with pytest.raises(SystemExit, match=r"unknown assignment\(s\) \['hw'\]"):
        cli.main(["--root", str(course), "report", "hw", "--out", str(out)])
    text, png, page = report.make_report(course, "hw", out)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    body = page.read_text()
    assert "data:image/png;base64," in body
    assert body.index("q_hard") < body.index("q_easy")  # most missed first
    assert "s3" in body and "most missed" in text


def test_clear_errors(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    with pytest.raises(ValueError, match="no assignment 'nope'.*release it"):
        report.collect(url, "nope")
    from nbgrader.api import Gradebook

    with Gradebook(url, "nlpcourse") as gb:
        gb.update_or_create_assignment("empty")
    with pytest.raises(ValueError, match="no graded submissions of empty.*nlpcourse autograde"):
        report.collect(url, "empty")
