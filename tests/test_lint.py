"""ruff lint and format checks over the whole pack (what `make lint` runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUFF = Path(sys.executable).with_name("ruff")


def test_ruff_check():
    run = subprocess.run([RUFF, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"`make format` fixes most of this:\n{run.stdout[-4000:]}"


def test_ruff_format():
    run = subprocess.run([RUFF, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"run `make format`:\n{run.stdout[-4000:]}"
