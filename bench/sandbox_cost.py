"""What the sandbox costs per notebook: a notebook run with and without bubblewrap.

.venv/bin/python bench/sandbox_cost.py [assignment|empty] [runs]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from nlpcourse.course.preprocessors.sandboxedexecute import SandboxedExecute


def bench(assignment: str = "a2_dropout_cnn", runs: int = 5) -> dict[str, float]:
    """Median wall time (s) of running ``assignment``'s source notebook (solutions and hidden
    tests) with and without the sandbox, alternating, ``runs`` times each."""
    import statistics
    import time

    import nbformat

    from nlpcourse import config
    from nlpcourse.course import build

    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as under autograde: no training
    if assignment == "empty":  # one cell, `1 + 1`: the sandbox's start-up cost alone
        folder = Path(tempfile.mkdtemp(prefix="nlpcourse-bench-"))
        nb_path = folder / "empty.ipynb"
        nbformat.write(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), nb_path
        )
    else:
        nb_path = build.build_assignment(config.find_course_root(None), assignment)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(runs):
        for sandboxed in (True, False):
            with tempfile.TemporaryDirectory(prefix="nlpcourse-bench-") as work:
                shutil.copytree(nb_path.parent, work, dirs_exist_ok=True)
                nb = nbformat.read(nb_path, as_version=4)
                ep = SandboxedExecute(timeout=600, sandbox=sandboxed)
                t0 = time.perf_counter()
                ep.preprocess(nb, {"metadata": {"path": work}})
                times[sandboxed].append(time.perf_counter() - t0)
    out = {
        "sandboxed": statistics.median(times[True]),
        "plain": statistics.median(times[False]),
    }
    out["cost"] = out["sandboxed"] - out["plain"]
    return out


if __name__ == "__main__":  # python bench/sandbox_cost.py [assignment|empty] [runs]
    r = bench(*(sys.argv[1:2] or ["a2_dropout_cnn"]), *map(int, sys.argv[2:3]))
    print(
        f"median of runs: sandboxed {r['sandboxed']:.2f} s, unsandboxed {r['plain']:.2f} s, "
        f"sandbox cost {r['cost']:+.2f} s per notebook"
    )
