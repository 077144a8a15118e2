"""preflight (nlpcourse/course/sandbox/preflight.py): an assignment's released setup cell alone
in a sandboxed kernel; a broken grading environment is one instructor's error, not zeros."""

from __future__ import annotations

import nbformat
import pytest

from nlpcourse.course.sandbox import PreflightFailed, preflight


def _release(root, setup: str) -> None:
    folder = root / "release" / "t1"
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# t1"),
            nbformat.v4.new_code_cell(setup),
            nbformat.v4.new_code_cell("raise SystemExit('a student cell never runs here')"),
        ]
    )
    nbformat.write(nb, folder / "t1.ipynb")


def test_a_setup_cell_that_runs_passes(tmp_path):
    _release(tmp_path, "import nlpcourse, numpy")
    assert preflight(tmp_path, "t1") is None  # no PreflightFailed: the kernel imports the pack


def test_a_setup_cell_that_fails_names_the_environment(tmp_path):
    _release(tmp_path, "import nlpcourse_not_installed_here")
    with pytest.raises(PreflightFailed) as err:
        preflight(tmp_path, "t1")
    msg = str(err.value)
    assert msg.startswith("Nothing of t1 was graded: its setup cell fails"), msg
    assert "ModuleNotFoundError" in msg and "make install" in msg, msg


def test_nothing_released_is_left_to_nbgrader(tmp_path):
    assert preflight(tmp_path, "t1") is None  # no release/t1: nbgrader reports that itself
    assert not (tmp_path / "release").exists()
