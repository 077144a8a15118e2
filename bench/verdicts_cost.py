"""What grading in the grader costs per notebook, against hidden tests run in the kernel.

For each assignment, the reference notebook (the built source, solutions in) runs through
``SandboxedExecute`` as autograde runs it, two ways, alternating, ``--runs`` times each:

- **before**: the assignment as it was at ``--before`` (a git revision): hidden tests inside
  the notebook, its ``hidden/`` folder next to it (the tamper check the old grader also ran
  before each test cell is gone from ``SandboxedExecute``, so "before" is now timed a little
  faster than it ran);
- **after**: the assignment now: no hidden tests in the notebook, each autograded cell's check
  from ``hidden/checks.py`` run in this process right after the cell.

Prints the median wall time of each and the ratio. A measurement, not a test: run it on an
otherwise idle machine::

    export PATH=$PWD/.venv/bin:$PATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MPLBACKEND=Agg
    python bench/verdicts_cost.py --before 1dfb958 --runs 5 a2_dropout_cnn a1_backprop
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import nbformat

from nlpcourse import config
from nlpcourse.course import build
from nlpcourse.course.preprocessors.sandboxedexecute import SandboxedExecute


def old_tree(root: Path, rev: str, assignment: str, dest: Path) -> Path:
    """``source/<assignment>`` as it was at ``rev``, under ``dest``."""
    tar = subprocess.run(
        ["git", "-C", str(root), "archive", rev, f"source/{assignment}"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(dest, filter="data")
    return dest


def run_once(nb_path: Path, hidden: Path | None, source_dir: Path | None, a: str) -> float:
    with tempfile.TemporaryDirectory(prefix="nlpcourse-bench-") as work:
        for p in nb_path.parent.iterdir():
            if p.is_file() and p.suffix != ".py":
                shutil.copy(p, work)
        if hidden is not None and hidden.is_dir():  # what CopyHiddenFiles did
            shutil.copytree(hidden, Path(work) / "hidden")
        nb = nbformat.read(nb_path, as_version=4)
        ep = SandboxedExecute(timeout=600, source_dir=str(source_dir or ""))
        resources = {"metadata": {"path": work}, "nbgrader": {"assignment": a, "student": "b"}}
        t0 = time.perf_counter()
        ep.preprocess(nb, resources)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("assignments", nargs="+")
    ap.add_argument("--before", required=True, help="git revision with in-kernel hidden tests")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as under autograde: nothing trains
    os.environ.setdefault("NLPCOURSE_GRADER_SECRET", "bench")
    root = config.find_course_root(None)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for a in args.assignments:
        with tempfile.TemporaryDirectory(prefix="nlpcourse-bench-old-") as tmp:
            old_root = old_tree(root, args.before, a, Path(tmp))
            old_nb = build.build_assignment(old_root, a)
            new_nb = build.build_assignment(root, a)
            times: dict[str, list[float]] = {"before": [], "after": []}
            # One untimed run each first: the grader's imports (torch for some checks) are
            # paid once per autograde process, not once per notebook.
            run_once(old_nb, old_nb.parent / "hidden", None, a)
            run_once(new_nb, None, root / "source", a)
            for _ in range(args.runs):
                times["before"].append(run_once(old_nb, old_nb.parent / "hidden", None, a))
                times["after"].append(run_once(new_nb, None, root / "source", a))
        b, n = statistics.median(times["before"]), statistics.median(times["after"])
        print(
            f"{a}: before {b:.2f} s, after {n:.2f} s (median of {args.runs}), "
            f"after/before {n / b:.3f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
