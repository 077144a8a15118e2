"""The ``nlpcourse`` command (nlpcourse/course/cli.py): every subcommand its docstring lists
exists, and bad input (no course root, an unknown assignment) is one line naming the fix."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from nlpcourse.course import cli


def test_the_docstring_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = set(re.findall(r"\{([^}]*)\}", capsys.readouterr().out)[0].split(","))
    listed = set(re.findall(r"^nlpcourse ([a-z-]+)", cli.__doc__, re.M))
    assert listed == shown, f"docstring {sorted(listed)} vs parser {sorted(shown)}"


def test_an_unknown_assignment_names_the_known_ones():
    with pytest.raises(SystemExit) as err:
        cli.main(["--root", str(ROOT), "build", "a9_nothing"])
    msg = str(err.value)
    assert msg.startswith("unknown assignment(s) ['a9_nothing']") and "a2_dropout_cnn" in msg


def test_outside_a_course_root_it_says_where_to_run(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "build"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "No course root found" in proc.stderr and "--root" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_markscheme_prints_each_hand_graded_cell(capsys):
    assert cli.main(["--root", str(ROOT), "markscheme", "a3_attention"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^## plot_attention \(3 points\)", out, re.M), out[:2000]
