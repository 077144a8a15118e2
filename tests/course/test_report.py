"""`nlpcourse report`: per-question distributions, most missed questions, late submissions and
outliers, from a gradebook made here with nbgrader's API (no kernels); questions named as the
notebook's headers name them, and answers waiting for a grader counted alike everywhere."""

from __future__ import annotations

import datetime as dt
import re

import matplotlib.figure
import nbformat
import pytest
from conftest import ROOT

from nlpcourse.course import cli, questions, report
from nlpcourse.course import release as rel

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

DUE = dt.datetime(2030, 3, 1, 12, 0)
# question -> (max points, cell type); q_hard is missed by most, q_easy by none
CELLS = {"q_written": (10, "markdown"), "q_easy": (5, "code"), "q_hard": (5, "code")}
HARD = [5, 5, 2, 3, 1, 2, 3, 0, 2, 3]  # q_hard's score per student
# the notebook's question headers, one above each graded cell
HEADERS = {
    "q_written": "### 1. Explain it (10 points, written)",
    "q_easy": "### 2. `easy` (5 points)",
    "q_hard": "### 3. The hard one (5 points)",
}


def _release_notebook(course):
    """release/hw/hw.ipynb as the build writes it: a header cell above each graded cell."""
    cells = []
    for gid, (pts, kind) in CELLS.items():
        cells.append(nbformat.v4.new_markdown_cell(HEADERS[gid]))
        cell = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(
            ""
        )
        cell.metadata["nbgrader"] = {"grade_id": gid, "grade": True, "points": pts}
        cells.append(cell)
    (course / "release" / "hw").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), course / "release" / "hw" / "hw.ipynb")


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
            if kind == "markdown":  # a written answer; the code cells are autograded tests
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
    _release_notebook(course)
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
    assert "waiting for a grader (nbgrader formgrader): 1 answer: q_written ×1" in text
    assert "total of 20 (1 answer waiting for a grader counted as 0)" in text


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
    # rows named by question, as the notebook's headers; the grade_id next to it in the HTML
    assert "  3. The hard one: 80% missed" in text and "q_hard" not in text
    assert "<td>3. The hard one</td><td>q_hard</td>" in body
    assert "<td>1. Explain it</td><td>q_written</td><td>1</td>" in body  # waiting


def test_counts_agree(course, tmp_path, monkeypatch):
    """The terminal summary, the figure's axis and the HTML count the same waiting answers."""
    labels = {}
    save = matplotlib.figure.Figure.savefig

    def spy(fig, *args, **kwargs):
        labels["y"] = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        labels["x"] = fig.axes[1].get_xlabel()
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    text, _, page = report.make_report(course, "hw", tmp_path / "rep")
    waiting = r"(\d+) answers? waiting for a grader"
    in_summary = {int(n) for n in re.findall(waiting, text)}
    in_figure = {int(n) for n in re.findall(waiting, labels["x"])}
    assert in_summary == in_figure == {1}, (text, labels["x"])
    assert re.findall(waiting, page.read_text())  # the page shows the summary
    assert labels["y"] == ["1. Explain it", "2. easy", "3. The hard one"]


def test_questions_of_several_cells():
    """A question's score is the sum of its cells; it waits while one of them does."""
    S = report.Score
    rep = report.ClassReport(
        "x",
        questions=["1. Two cells", "2. Essay"],
        cells={"1. Two cells": ["t", "t_hidden"], "2. Essay": ["essay"]},
        scores=[
            S("a", "1. Two cells", 2, 2, False, "t"),
            S("a", "1. Two cells", 3, 3, False, "t_hidden"),
            S("a", "2. Essay", None, 5, True, "essay"),
            S("b", "1. Two cells", 2, 2, False, "t"),
            S("b", "1. Two cells", 0, 3, False, "t_hidden"),
            S("b", "2. Essay", 4, 5, True, "essay"),
        ],
    )
    assert rep.max_total() == 10 and rep.max_of("1. Two cells") == 5
    assert rep.pending() == {"2. Essay": 1} and rep.waiting() == 1
    assert rep.missed() == [  # the essay: one graded, 4 of 5; question 1: b has 2 of 5
        ("2. Essay", 1.0, pytest.approx(0.8)),
        ("1. Two cells", 0.5, pytest.approx(0.7)),
    ]
    assert rep.totals() == {"a": 5.0, "b": 6.0}


def test_labels_from_a_release():
    qs = questions.of_assignment(ROOT, "a2_dropout_cnn")
    labels = {gid: q.label for q in qs for gid in q.cells}
    assert labels["gamma_derivation"] == "1a. Derive γ"
    assert (
        labels["test_dropout_scale"] == labels["test_dropout_scale_hidden"] == "1b. dropout_scale"
    )


def test_clear_errors(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    with pytest.raises(ValueError, match="no assignment 'nope'.*release it"):
        report.collect(url, "nope")
    from nbgrader.api import Gradebook

    with Gradebook(url, "nlpcourse") as gb:
        gb.update_or_create_assignment("empty")
    with pytest.raises(ValueError, match="no graded submissions of empty.*nlpcourse autograde"):
        report.collect(url, "empty")
