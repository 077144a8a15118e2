"""Shared fixtures of the pack's test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# nbgrader runs `alembic` from PATH; models and data sets come from local files only.
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def assignments() -> list[str]:
    from nlpcourse import config

    return config.assignments(ROOT)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built(root) -> dict[str, Path]:
    """Every source notebook built once per session: assignment -> .ipynb path."""
    from nlpcourse import build

    return {a: build.build_assignment(root, a) for a in assignments()}
