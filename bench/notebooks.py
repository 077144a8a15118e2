"""Wall time of each assignment's whole source notebook, run the way a student runs it.

Every source notebook (reference answers, hidden tests, training cells included: not under
``NBGRADER_EXECUTION``) executes through ``jupyter nbconvert --execute`` on this machine's
CPU, offline (``HF_HUB_OFFLINE=1``), and the wall time is printed next to the target its issue
sets. Run it on an otherwise idle machine; the numbers go into docs/assignments.md.

    python bench/notebooks.py                     # every assignment
    python bench/notebooks.py a5_bleu_attention   # one

A measurement, not a test: it exits non-zero only when a notebook fails to run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlpcourse import config  # noqa: E402
from nlpcourse.course import build  # noqa: E402

# Targets (seconds, CPU, whole notebook with training) from the assignments' issues.
TARGETS = {
    "a1_backprop": 60,
    "a2_dropout_cnn": 60,
    "a3_attention": 120,
    "a4_classifiers": 180,
    "a5_bleu_attention": 600,
    "a6_pretraining": 600,
}


def run(assignment: str, out_dir: Path) -> float:
    nb = build.build_assignment(ROOT, assignment)
    env = dict(os.environ, HF_HUB_OFFLINE="1", MPLBACKEND="Agg")
    env.pop("NBGRADER_EXECUTION", None)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         str(nb), "--output", str(out_dir / f"{assignment}.ipynb"),
         "--ExecutePreprocessor.timeout=3600"],
        cwd=nb.parent, env=env, capture_output=True, text=True,
    )  # fmt: skip
    took = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{assignment} failed to run:\n{proc.stderr[-3000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("assignments", nargs="*", help="default: every assignment")
    ap.add_argument("--keep", action="store_true", help="keep the executed notebooks")
    args = ap.parse_args()
    names = args.assignments or config.assignments(ROOT)
    # The offline DistilBERT is built once per machine (~10 s): not part of any notebook's time.
    subprocess.run([sys.executable, "-c", "from nlpcourse import hub; hub.seeded_checkpoint()"])
    out = Path(tempfile.mkdtemp(prefix="nlpcourse-bench-"))
    print(f"load average before: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    print(f"{'assignment':<20} {'wall (s)':>9} {'target (s)':>11}")
    for a in names:
        took = run(a, out)
        target = TARGETS.get(a)
        verdict = "" if target is None else ("ok" if took <= target else "OVER")
        print(f"{a:<20} {took:9.1f} {target or '-':>11}  {verdict}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.keep:
        print(f"executed notebooks: {out}")
    else:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
