"""Benchmark: a synthetic class graded by plain `nbgrader autograde` and by `nlpcourse autograde`.

    .venv/bin/python bench/autograde_class.py                      # every assignment, 4 per kind
    .venv/bin/python bench/autograde_class.py --per-kind 2 a2_dropout_cnn

In a scratch course root (never the real one): release the assignments, hand in ``--per-kind``
students of each kind per assignment (the reference solution, the untouched release, the
``partly_wrong`` test case, and a hostile one: ``tests/submissions/hostile/allclose_patched``
for a2, elsewhere the reference with ``numpy.allclose`` patched to always pass), then grade the
same class twice from the same state:

1. plain nbgrader: ``nbgrader autograde <a> --force`` for each assignment, one after another,
   with a fresh kernel per notebook as stock nbgrader starts them (``NLPCOURSE_COLD_KERNELS=1``:
   the course's config would otherwise give the command warm kernels too);
2. ``nlpcourse autograde --workers N`` (one run for every assignment), warm kernels.

Prints the wall time of each, the ratio, and whether every gradebook value autograde writes
is identical; where the time of a notebook goes in our worker (kernel start and its fork, first
reply, cells, the grader's checks, kernel stop, the sweep, nbgrader's own steps); and a
300-student class of the graded assignments, estimated from the measured per-notebook figures.
Then one student's whole course (every assignment, reference answers) both ways. Both tools
run as commands, so their start-up is counted. ``--cold`` also times ``nlpcourse autograde``
with cold kernels, and ``nbgrader autograde`` with the course's warm kernels. The machine's
load average is printed before and after: on a shared machine the numbers are pessimistic.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from nlpcourse import config, settings
from nlpcourse.course import release as rel
from nlpcourse.course import submissions

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["reference", "blank", "partly_wrong", "hostile"]
REFERENCE = submissions.Case(name="reference", description="the reference answers")
HACK = (
    "\nimport numpy as _np\n_np.allclose = lambda *a, **k: True\n"
    "_np.testing.assert_allclose = lambda *a, **k: None\n"
)


def hostile(a: str, rel_nb: Path, src_nb: Path) -> nbformat.NotebookNode:
    """The issue-8 corpus's allclose_patched for a2; elsewhere the reference answers with
    numpy's comparisons patched to always pass in the first solution cell."""
    corpus = ROOT / "tests" / "submissions" / "hostile" / "allclose_patched.py"
    if a == "a2_dropout_cnn" and corpus.exists():
        return submissions.make_submission(rel_nb, src_nb, submissions.load_case(corpus))
    nb = submissions.make_submission(rel_nb, src_nb, REFERENCE)
    cell = next(
        c
        for c in nb.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    )
    cell.source += HACK
    return nb


def make_class(course: Path, names: list[str], per_kind: int) -> dict[str, list[str]]:
    """Hand in per_kind students of each kind for every assignment; returns a -> students."""
    out = {}
    for a in names:
        src_nb = course / "source" / a / f"{a}.ipynb"
        rel_nb = course / "release" / a / f"{a}.ipynb"
        partly = ROOT / "tests" / "submissions" / a / "partly_wrong.py"
        blank = submissions.Case(name="blank", description="blank", base="blank")
        notebooks = {
            "reference": submissions.make_submission(rel_nb, src_nb, REFERENCE),
            "blank": submissions.make_submission(rel_nb, src_nb, blank),
            "partly_wrong": submissions.make_submission(
                rel_nb, src_nb, submissions.load_case(partly) if partly.exists() else blank
            ),
            "hostile": hostile(a, rel_nb, src_nb),
        }
        out[a] = []
        for i in range(per_kind):
            for kind, nb in notebooks.items():
                student = f"{kind}_{i:02d}"
                submissions.hand_in(course, a, student, nb)
                out[a].append(student)
    return out


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    wall, _ = run_out(cmd, cwd, env)
    return wall


def run_out(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str]:
    """The wall time of ``cmd`` until it exits, and its output. The output goes to files, not
    pipes: a pipe would also wait for any helper process that still holds it open as it exits
    after the command (multiprocessing's fork server), which no one at a terminal waits for."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.run(
            cmd, cwd=cwd, env={**rel.tool_env(), **(env or {})}, stdout=out, stderr=err
        )
        wall = time.perf_counter() - t0
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):  # 1: some submission failed (the hostile ones may)
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, stdout


def worker_seconds(out: str, names: list[str]) -> dict[str, float]:
    """Mean seconds per notebook in a worker, by assignment, from the command's summary."""
    m = re.search(r"per assignment \(mean s per notebook in a worker\): (.*)", out)
    if m:
        pairs = (p.rsplit(" ", 1) for p in m.group(1).split(", "))
        return {a: float(v) for a, v in pairs}
    m = re.search(r"time per notebook: [\d.]+ s of wall time, ([\d.]+) s in a worker", out)
    return {names[0]: float(m.group(1))} if m and len(names) == 1 else {}


def dump(course: Path) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", config.COURSE_ID) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    out[(a.name, sub.student.id, nb.name, "late")] = nb.late_submission_penalty
                    for g in nb.grades:
                        out[(a.name, sub.student.id, g.name)] = (g.auto_score, g.needs_manual_grade)
                    for c in nb.comments:
                        out[(a.name, sub.student.id, "comment", c.name)] = c.auto_comment
    return out


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("assignments", nargs="*", help="the class's assignments (default: all)")
    p.add_argument(
        "--course",
        nargs="*",
        help="assignments of the one-student whole-course run (default: all)",
    )
    p.add_argument("--per-kind", type=int, default=4, help="students of each kind (default 4)")
    p.add_argument("--workers", type=int, default=os.cpu_count(), help="nlpcourse workers")
    p.add_argument("--keep", action="store_true", help="keep the scratch course roots")
    p.add_argument("--cold", action="store_true", help="also time nlpcourse cold, nbgrader warm")
    args = p.parse_args(argv)
    os.environ.update(rel.tool_env())
    names = args.assignments or config.assignments(ROOT)
    course = args.course or config.assignments(ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="nlpcourse-bench-"))
    print(f"{os.cpu_count()} cores, load average {load()}; scratch: {tmp}")
    every = sorted(set(names) | set(course))
    base = rel.copy_course(ROOT, tmp / "base", every)
    rel.release(base, every, write_registry=False)
    # One course secret for every copy: hidden inputs are drawn from it, so copies with
    # secrets of their own would grade different draws (settings.grader_secret makes it).
    settings.grader_secret(base)
    students = make_class(base, names, args.per_kind)
    n = sum(len(s) for s in students.values())
    print(f"{n} submissions: {args.per_kind} per kind x {KINDS} x {names}")
    plain, ours = tmp / "plain", tmp / "ours"
    shutil.copytree(base, plain, symlinks=True)
    shutil.copytree(base, ours, symlinks=True)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    nlpcourse = [sys.executable, "-m", "nlpcourse.course.cli"]

    cold_env = {"NLPCOURSE_COLD_KERNELS": "1"}
    plain_by = {a: run([*nbgrader, "autograde", a, "--force"], plain, cold_env) for a in names}
    t_plain = sum(plain_by.values())
    t_ours, out = run_out(
        [*nlpcourse, "autograde", "--workers", str(args.workers), "--no-progress"], ours
    )
    same = dump(plain) == dump(ours)
    if not same:
        a, b = dump(plain), dump(ours)
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                print(f"  differs: {k}: plain {a.get(k)!r}, ours {b.get(k)!r}")
    rows = [("plain nbgrader autograde", t_plain), ("nlpcourse autograde", t_ours)]
    if args.cold:
        cold = tmp / "cold"
        shutil.copytree(base, cold, symlinks=True)
        t_cold = run(
            [*nlpcourse, "autograde", "--workers", str(args.workers), "--no-progress"],
            cold,
            {"NLPCOURSE_COLD_KERNELS": "1"},
        )
        rows.append(("nlpcourse, cold kernels", t_cold))
        same = same and dump(cold) == dump(plain)
        plain_warm = tmp / "plain_warm"
        shutil.copytree(base, plain_warm, symlinks=True)
        t_pw = sum(run([*nbgrader, "autograde", a, "--force"], plain_warm) for a in names)
        rows.append(("nbgrader, warm kernels", t_pw))
        same = same and dump(plain_warm) == dump(plain)
    for what, t in rows:
        print(f"{what:<26}: {t:7.1f} s wall, {t / n:.2f} s per notebook")
    verdict = "yes" if same else "NO"
    print(f"ratio {t_plain / t_ours:.2f}x ({args.workers} workers); scores identical: {verdict}")
    for line in out.splitlines():
        if "per notebook (mean)" in line or "per assignment" in line:
            print(f"nlpcourse autograde{line.rstrip()}")
    ours_by = worker_seconds(out, names)
    if ours_by:
        size = 300
        est_plain = sum(plain_by[a] / len(students[a]) * size for a in names)
        est_ours = sum(ours_by[a] * size for a in names) / args.workers
        print(
            f"a {size}-student class of {', '.join(names)} ({size * len(names)} notebooks), "
            f"estimated from these per-notebook figures: plain {est_plain / 60:.0f} min, "
            f"nlpcourse autograde {est_ours / 60:.1f} min on {args.workers} workers"
        )

    one = "solo"  # the reference answers of every assignment of the course
    for a in course:
        nb = submissions.make_submission(
            base / "release" / a / f"{a}.ipynb", base / "source" / a / f"{a}.ipynb", REFERENCE
        )
        for c in (plain, ours):
            submissions.hand_in(c, a, one, nb)
    s_plain = sum(
        run([*nbgrader, "autograde", a, "--force", "--student", one], plain, cold_env)
        for a in course
    )
    s_ours = run(
        [*nlpcourse, "autograde", "--student", one, "--workers", str(args.workers)]
        + ["--no-progress"],
        ours,
    )
    print(
        f"one student's whole course ({len(course)} notebooks): plain {s_plain:.1f} s, "
        f"nlpcourse autograde {s_ours:.1f} s"
    )
    print(f"load average after: {load()}")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
