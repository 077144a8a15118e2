"""The autograde pre-convert hook (nlpcourse/course/hooks.py): a hand-in that cannot be graded is
named with its fix (a renamed notebook, a file that is not a notebook, an old format, extra
files, a folder with no notebook) instead of nbgrader's traceback or silence."""

from __future__ import annotations

import json
import logging

import nbformat
import pytest

from nlpcourse.course import hooks

A = "t1"


@pytest.fixture
def course(tmp_path):
    (tmp_path / "release" / A).mkdir(parents=True)
    (tmp_path / "release" / A / "x.npy").write_bytes(b"")
    hooks._scanned.clear()
    return tmp_path


def _hand_in(course, student: str, files: dict[str, str]) -> list[str]:
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return [str(folder / n) for n in files if n.endswith(".ipynb")]


def _check(course, caplog, student, files) -> str:
    notebooks = _hand_in(course, student, files)
    with caplog.at_level(logging.WARNING, logger="nlpcourse.autograde"):
        hooks.check_submission(assignment=A, student=student, notebooks=notebooks)
    return caplog.text


GOOD = nbformat.writes(nbformat.v4.new_notebook())


def test_a_good_hand_in_says_nothing(course, caplog):
    assert _check(course, caplog, "s1", {f"{A}.ipynb": GOOD, "x.npy": ""}) == ""


def test_a_renamed_notebook_is_named_with_the_fix(course, caplog):
    log = _check(course, caplog, "s1", {"t1 (1).ipynb": GOOD})
    assert (
        f"Student s1: no {A}.ipynb" in log and f"Rename the student's notebook to {A}.ipynb" in log
    )


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{not json", "is not a notebook (not valid JSON"),
        (json.dumps({"a": 1}), "is valid JSON but not a notebook"),
        (json.dumps({"cells": [], "nbformat": 3}), "has notebook format version 3"),
    ],
)
def test_what_is_not_a_notebook_scores_0_with_the_reason(course, caplog, text, problem):
    log = _check(course, caplog, "s1", {f"{A}.ipynb": text})
    assert problem in log and "File > Download" in log, log


def test_extra_files_are_listed_and_released_ones_are_not(course, caplog):
    log = _check(course, caplog, "s1", {f"{A}.ipynb": GOOD, "x.npy": "", "numpy.py": ""})
    assert "handed in files the assignment does not have: numpy.py." in log, log


def test_a_folder_without_a_notebook_is_reported_once(course, caplog):
    (course / "submitted" / "s0" / A).mkdir(parents=True)  # nbgrader skips it silently
    _check(course, caplog, "s1", {f"{A}.ipynb": GOOD})
    _check(course, caplog, "s2", {f"{A}.ipynb": GOOD})
    assert caplog.text.count("Student s0:") == 1 and "holds no notebook" in caplog.text
