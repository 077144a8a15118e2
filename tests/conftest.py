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


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """assignment -> a scratch course root where that assignment was built and released once
    (shared by the golden and validate tests; never the real course root)."""
    from nlpcourse import release as rel

    cache: dict[str, Path] = {}

    def get(a: str) -> Path:
        if a not in cache:
            course = rel.copy_course(ROOT, tmp_path_factory.mktemp(a), [a])
            rel.release(course, [a], write_registry=False)
            cache[a] = course
        return cache[a]

    return get
