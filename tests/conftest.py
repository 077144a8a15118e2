"""Shared fixtures of the pack's test suite."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What must never appear in a released notebook (solution, hidden-test and mark-scheme text).
LEAK_PATTERNS = re.compile(
    r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN MARK SCHEME|"
    r"Mark scheme|Model answer"
)
BIN = Path(sys.executable).parent
# nbgrader runs `alembic` from PATH; models and data sets come from local files only.
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# One compute thread per process (torch, OpenMP, BLAS; kernels and nbgrader inherit it): `make
# test` runs two workers on two cores, each often with a kernel and a grader beside it, and
# OpenMP pools of 2 threads each in 3-4 busy processes spin against each other (a6's training
# run took over 18 min in CI instead of 5 alone). Set OMP_NUM_THREADS to override.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# One course secret for the whole suite: hidden inputs are the same on every run (a re-grade
# in a test draws what the first grade drew); tests that need another set their own.
os.environ.setdefault("NLPCOURSE_GRADER_SECRET", "nlpcourse-test-suite")


def pytest_addoption(parser):
    parser.addoption(
        "--fault-seed",
        type=int,
        default=None,
        help="the seed of test_faults' random kill moments (default: a new one each run, "
        "printed); give a failed run's seed to draw the same moments again",
    )


def nest_folders(top, depth: int, name: str = "d", link_to: str | None = None) -> None:
    """``depth`` folders ``name`` one in another below ``top``, and at the bottom a file
    ``bottom.txt`` (or a link ``up`` to ``link_to``); made through file descriptors, as a
    kernel can, whatever the path's length."""
    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    if link_to is None:
        os.close(os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    else:
        os.symlink(link_to, "up", dir_fd=fd)
    os.close(fd)


#: Tolerance for float fixtures regenerated at test time and compared with committed files:
#: BLAS results differ between CPUs in the last bits (~1e-14 for float64 values of order 1),
#: while a wrong or stale file differs by far more.
FIXTURE_RTOL = FIXTURE_ATOL = 1e-12


def assert_fixture_close(committed, fresh, name: str) -> None:
    """A committed array equals a freshly made one: shape, dtype and integer data exactly,
    floats within FIXTURE_RTOL/ATOL (never bit for bit: see FIXTURE_RTOL)."""
    import numpy as np

    assert committed.dtype == fresh.dtype, (name, committed.dtype, fresh.dtype)
    assert committed.shape == fresh.shape, (name, committed.shape, fresh.shape)
    if np.issubdtype(fresh.dtype, np.floating):
        np.testing.assert_allclose(
            committed, fresh, rtol=FIXTURE_RTOL, atol=FIXTURE_ATOL, err_msg=name
        )
    else:
        np.testing.assert_array_equal(committed, fresh, err_msg=name)


def copy_package(dest: Path) -> Path:
    """What `pip install` of the pack reads (pyproject.toml, README.md, nlpcourse/), copied to
    ``dest``: a package source tree apart from the course root."""
    import shutil

    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "nlpcourse", dest / "nlpcourse", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest


def course_git(cwd: Path, *args: str) -> str:
    """``git ARGS`` in ``cwd`` with a fixed identity; its output, stripped."""
    import subprocess

    ident = ["-c", "user.name=Course", "-c", "user.email=course@example.org"]
    run = subprocess.run(["git", "-C", str(cwd), *ident, *args], capture_output=True, text=True)
    assert run.returncode == 0, f"git {args}: {run.stderr}"
    return run.stdout.strip()


def make_course(dest: Path) -> Path:
    """A course repository holding what `nlpcourse publish` reads (release/, the package,
    pyproject.toml, LICENSE) as it stands in this work tree, committed: publish copies the
    last commit."""
    import shutil

    dest.mkdir(parents=True)
    for name in ("release", "nlpcourse", "pyproject.toml", "LICENSE"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")  # a course root
    (dest / "source").mkdir()
    course_git(dest, "init", "-q", "-b", "main")
    course_git(dest, "add", "-A")
    course_git(dest, "commit", "-qm", "course")
    return dest


def assignments() -> list[str]:
    from nlpcourse import config

    return config.assignments(ROOT)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built(root) -> dict[str, Path]:
    """Every source notebook built once per session: assignment -> .ipynb path."""
    from nlpcourse.course import build

    return {a: build.build_assignment(root, a) for a in assignments()}


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """assignment -> a scratch course root where that assignment was built and released once
    (shared by the golden and validate tests; never the real course root)."""
    from nlpcourse.course import release as rel

    cache: dict[str, Path] = {}

    def get(a: str) -> Path:
        if a not in cache:
            course = rel.copy_course(ROOT, tmp_path_factory.mktemp(a), [a])
            rel.release(course, [a], write_registry=False)
            cache[a] = course
        return cache[a]

    return get


def luong_general_attention():
    """A right answer to a5's attention question, for tests that need a student's attention
    (the package has none: students write it): Luong's "general" score, masked softmax, and
    tanh(W_out [context; query])."""
    import torch
    import torch.nn.functional as F

    from nlpcourse import seq2seq

    class LuongGeneral(seq2seq.AttentionBase):
        def score(self, Q, K):
            return self.linear_in(Q) @ K.transpose(1, 2)

        def forward(self, queries, keys, mask=None):
            s = self.score(queries, keys)
            if mask is not None:
                s = s.masked_fill(~mask[:, None, :], float("-inf"))
            w = F.softmax(s, -1)
            return torch.tanh(self.linear_out(torch.cat([w @ keys, queries], -1))), w

    return LuongGeneral
