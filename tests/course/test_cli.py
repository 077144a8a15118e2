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


def test_the_program_flushes_runs_its_exit_hooks_and_keeps_the_exit_code(tmp_path):
    """run() (the installed ``nlpcourse`` and ``python -m``) ends the process itself, skipping
    only Python's teardown: everything printed arrives, exit hooks run, the code is main()'s."""
    prog = (
        "import atexit, sys\n"
        "from nlpcourse.course import cli\n"
        "atexit.register(lambda: print('the exit hook ran'))\n"
        "sys.argv = ['nlpcourse', *sys.argv[1:]]\n"
        "cli.run()\n"
    )
    ok = subprocess.run(
        [sys.executable, "-c", prog, "--root", str(ROOT), "markscheme", "a3_attention"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"^## plot_attention \(3 points\)", ok.stdout, re.M), ok.stdout[-2000:]
    assert ok.stdout.rstrip().endswith("the exit hook ran"), ok.stdout[-500:]
    bad = subprocess.run(  # no course root here: main() says so and returns 2
        [sys.executable, "-c", prog, "build"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "No course root found" in bad.stderr, bad.stderr
    assert bad.stdout.rstrip().endswith("the exit hook ran"), bad.stdout
