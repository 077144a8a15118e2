"""nlpcourse.course.systools: `make test` checks (and, as root with apt, installs) its system tools
first, or stops at once with one message naming what is missing and how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from nlpcourse.course import systools

there = systools.Tool("present thing", "pkg-present", lambda: True)
gone = systools.Tool("bubblewrap (bwrap)", "bubblewrap", lambda: False)
gone2 = systools.Tool("Chromium (/usr/bin/chromium)", "chromium chromium-driver", lambda: False)


def test_nothing_missing_is_silent(capsys):
    assert systools.ensure([there], install=False) == 0
    assert capsys.readouterr() == ("", "")


def test_missing_tools_give_one_message_with_the_install_command(capsys):
    assert systools.ensure([there, gone, gone2], install=False) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert "bubblewrap (bwrap), Chromium (/usr/bin/chromium)" in err
    assert "apt-get install -y bubblewrap chromium chromium-driver" in err
    assert "present thing" not in err


def test_as_root_with_apt_it_installs_and_rechecks(monkeypatch, capsys):
    state = {"installed": False}
    tool = systools.Tool("thing", "thing-pkg", lambda: state["installed"])
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        if "install" in cmd:
            state["installed"] = True
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(systools, "can_install", lambda: True)
    assert systools.ensure([tool], run=fake_run) == 0
    assert calls[0][:2] == ["apt-get", "update"]
    assert calls[1][:4] == ["apt-get", "install", "-y", "thing-pkg"]


def test_a_failed_install_still_ends_in_the_message(monkeypatch, capsys):
    monkeypatch.setattr(systools, "can_install", lambda: True)
    failing = lambda cmd, **kw: subprocess.CompletedProcess(cmd, 100)  # noqa: E731
    assert systools.ensure([gone], run=failing) == 2
    assert "apt-get install -y bubblewrap" in capsys.readouterr().err


@pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("unshare")
         and shutil.which("bwrap")),
    reason="hiding bwrap for one command needs root and unshare (CI has both)",
)  # fmt: skip
def test_the_script_on_a_machine_without_bubblewrap():
    """As on a fresh machine: bwrap hidden in a private mount namespace, system Python, stdlib
    only (make runs it before the venv exists), no install: exit 2 and the one message."""
    bwrap = os.path.realpath(shutil.which("bwrap"))
    python = shutil.which("python3") or sys.executable
    tool = "nlpcourse/course/systools.py"
    script = f"mount --bind /dev/null {bwrap} && exec {python} {tool} --no-install"
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    assert "bubblewrap (bwrap)" in run.stderr and "apt-get install -y bubblewrap" in run.stderr


def test_the_module_needs_only_the_standard_library():
    """make runs it with the system Python, before .venv exists."""
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c",
         "import runpy; runpy.run_path('nlpcourse/course/systools.py')"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
