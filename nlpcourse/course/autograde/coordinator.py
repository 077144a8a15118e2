"""The coordinator: finds the submissions, runs the preflight, starts the workers (a local
process pool or Dask), is the single writer of a SQLite gradebook, and sums up the run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nlpcourse.course.autograde.gradebook import apply_record, is_complete, is_sqlite, snapshot
from nlpcourse.course.autograde.nbgrader_app import _env, course_app
from nlpcourse.course.autograde.pool import LocalPool, Stop
from nlpcourse.course.autograde.worker import GradeResult, grade

RUNS_DIR = Path(".nlpcourse-cache") / "autograde"


@dataclass
class RunSummary:
    results: list[GradeResult] = field(default_factory=list)
    wall: float = 0.0
    workers: int = 1
    engine: str = "local"
    db_url: str = ""
    log_file: Path | None = None
    jobs: list[tuple[str, str]] = field(default_factory=list)  # what this run set out to grade
    complete: int = 0  # with ``missing``: submissions left alone, already graded as they are
    interrupted: bool = False  # stopped by Ctrl-C
    students: list[str] | None = None  # the run's --student, for the command that resumes it

    @property
    def failed(self) -> list[GradeResult]:
        return [r for r in self.results if not r.ok]

    def phases(self) -> dict[str, float]:
        """Mean seconds per notebook of each phase in a worker (:mod:`nlpcourse.course.timing`),
        with "nbgrader" for what autograde spent outside them (its own steps: copying,
        preprocessors, gradebook, writing the notebook)."""
        timed = [r.phases for r in self.results if r.phases]
        if not timed:
            return {}
        names = sorted({k for p in timed for k in p})
        out = {k: sum(p.get(k, 0.0) for p in timed) / len(timed) for k in names}
        # "fork", "zygote start" and "zygote imports" happen inside "kernel start"
        nested = ("autograde", "fork", "zygote start", "zygote imports")
        inner = sum(v for k, v in out.items() if k not in nested)
        out["nbgrader"] = out.get("autograde", 0.0) - inner
        return out

    def per_assignment(self) -> dict[str, float]:
        """Mean seconds per notebook in a worker, by assignment."""
        out: dict[str, list[float]] = {}
        for r in self.results:
            out.setdefault(r.assignment, []).append(r.seconds)
        return {a: sum(v) / len(v) for a, v in sorted(out.items())}

    @property
    def not_graded(self) -> list[tuple[str, str]]:
        """Submissions this run set out to grade and did not reach (stopped early)."""
        done = {(r.assignment, r.student) for r in self.results}
        return [j for j in self.jobs if j not in done]

    def resume_command(self, prog: str = "nlpcourse autograde") -> str:
        """The command that grades what this run left: failed or not reached."""
        left = [(r.assignment, r.student) for r in self.failed] + self.not_graded
        names = sorted({a for a, _ in left})
        cmd = f"{prog} {' '.join(names)} --missing"
        if self.students:
            cmd += " --student " + " ".join(sorted({s for _, s in left}))
        return cmd

    def text(self, prog: str = "nlpcourse autograde") -> str:
        n = len(self.results)
        lines = []
        if self.complete:
            lines.append(f"{self.complete} submission(s) already graded as handed in: left alone")
        if self.interrupted:
            lines.append(
                f"Stopped by Ctrl-C: {n - len(self.failed)} graded, {len(self.not_graded)} not "
                f"graded (their gradebook entries are as they were) of {len(self.jobs)}, in "
                f"{self.wall:.1f} s"
            )
        elif not n:
            return "\n".join([*lines, "no submissions to grade"])
        if n:
            busy = sum(r.seconds for r in self.results)
            slow = max(self.results, key=lambda r: r.seconds)
            if not self.interrupted:
                lines.append(
                    f"{n - len(self.failed)} graded, {len(self.failed)} failed: {n} notebooks "
                    f"in {self.wall:.1f} s wall on {self.workers} {self.engine} worker(s)"
                )
            lines.append(
                f"time per notebook: {self.wall / n:.2f} s of wall time, {busy / n:.2f} s in a "
                f"worker (mean); slowest {slow.assignment}/{slow.student} {slow.seconds:.1f} s"
            )
            phases = self.phases()
            if phases:
                lines.append("  in a worker, per notebook (mean): " + phase_text(phases))
            per = self.per_assignment()
            if len(per) > 1:
                lines.append(
                    "  per assignment (mean s per notebook in a worker): "
                    + ", ".join(f"{a} {v:.2f}" for a, v in per.items())
                )
        for r in self.results:
            if r.retried:
                lines.append(
                    f"  RETRIED {r.assignment}/{r.student}: its worker died ({r.retried}); "
                    f"{'graded' if r.ok else 'tried again'} on a fresh worker"
                )
        for r in self.failed:
            last = (r.error.strip().splitlines() or ["see the log"])[-1]
            lines.append(f"  FAILED {r.assignment}/{r.student}: {last[:300]}")
        if self.failed or self.not_graded:
            lines.append(f"To grade only what is left: {self.resume_command(prog)}")
        if self.log_file:
            lines.append(f"nbgrader's log per notebook: {self.log_file}")
        return "\n".join(lines)


PHASE_NAMES = [
    ("zygote start", "waiting for a zygote"),
    ("kernel start", "kernel start"),
    ("fork", "of which fork"),
    ("zygote imports", "of which the zygote's own imports"),
    ("kernel handshake", "first reply"),
    ("cells", "cells"),
    ("checks", "grader's checks"),
    ("kernel stop", "kernel stop"),
    ("sweep", "sweep"),
    ("nbgrader", "nbgrader's own steps"),
]


def phase_text(phases: dict[str, float]) -> str:
    """``phases`` (:meth:`RunSummary.phases`) in words, in the order they happen."""
    parts = [f"{label} {phases[k]:.2f} s" for k, label in PHASE_NAMES if k in phases]
    return ", ".join(parts) + f" (in all {phases.get('autograde', 0.0):.2f} s)"


def find_submissions(
    coursedir, assignments: Iterable[str], only: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(assignment, student) for every ``submitted/<student>/<assignment>/`` folder, as
    nbgrader finds them; ``only`` restricts to those students (each must have submitted
    something)."""
    exclude = {s.strip() for s in (coursedir.student_id_exclude or "").split(",") if s.strip()}
    jobs = []
    for a in assignments:
        pattern = coursedir.format_path(coursedir.submitted_directory, "*", a)
        for p in sorted(glob.glob(pattern)):
            student = Path(p).parent.name
            if Path(p).is_dir() and student not in exclude:
                jobs.append((a, student))
    if only:
        wanted = set(only)
        missing = sorted(wanted - {s for _, s in jobs})
        if missing:
            raise ValueError(
                f"no submission by {missing} of {sorted(set(assignments))} in submitted/: "
                "check the student ids (folder names under submitted/)"
            )
        jobs = [(a, s) for a, s in jobs if s in wanted]
    return jobs


def autograde_class(
    root: Path,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool = True,
    preflight: bool = True,
    env: dict[str, str] | None = None,
    missing: bool = False,
) -> RunSummary:
    """Autograde every (or the named students') submission of ``assignments`` (default: every
    assignment in the gradebook); see the module docstring. ``engine`` is "local" (a process
    pool) or "dask" (a LocalCluster, or the cluster whose scheduler is ``scheduler``). First,
    each assignment's setup cell runs alone in a grading kernel (``preflight``): if it fails,
    nothing is graded and the error says why (:func:`nlpcourse.course.sandbox.preflight`).

    ``env`` is extra environment for the whole run: the coordinator while it runs (so the
    course's config reads it), the preflight and the workers, and so their kernels; e.g.
    ``NLPCOURSE_DB_URL`` or ``NLPCOURSE_ALLOW_UNSANDBOXED``. Each worker also gets
    ``OMP_NUM_THREADS`` = cores / workers unless the environment sets it: N workers, each with
    a grader and a kernel that start a thread per core, would oversubscribe the machine."""
    if engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    if scheduler:
        engine = "dask"
    with _environ(dict(env or {})):
        return _autograde(
            Path(root).resolve(), assignments, students, workers, engine, scheduler, progress,
            preflight, dict(env or {}), missing,
        )  # fmt: skip


@contextlib.contextmanager
def _environ(env: dict[str, str]):
    """``env`` set in this process for the block, then restored."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def worker_threads(workers: int) -> dict[str, str]:
    """``OMP_NUM_THREADS`` for one of ``workers`` workers on this machine (cores / workers,
    at least 1), or nothing when the environment already sets it."""
    if "OMP_NUM_THREADS" in os.environ:
        return {}
    return {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // max(1, workers)))}


def _autograde(
    root, assignments, students, workers, engine, scheduler, progress, preflight, env, missing
) -> RunSummary:
    if engine == "local":
        _start_fork_server()  # its imports run while this process imports nbgrader too
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    _env()
    app = course_app(root)
    coursedir = app.coursedir
    db_url, course_id = coursedir.db_url, coursedir.course_id
    with Gradebook(db_url, course_id) as gb:  # creates the gradebook if needed, like nbgrader
        if assignments is None:
            assignments = sorted(a.name for a in gb.assignments)
        for a in assignments:
            try:
                gb.find_assignment(a)
            except MissingEntry:
                raise ValueError(
                    f"no assignment {a!r} in the gradebook {db_url}: run "
                    f"`nbgrader generate_assignment {a}` (or `nlpcourse release {a}`) first"
                ) from None
    jobs = find_submissions(coursedir, assignments, students)
    complete = 0
    if missing:
        left = find_missing(coursedir, jobs)
        complete, jobs = len(jobs) - len(left), left
    # The preflight (each assignment's setup cell alone in a grading kernel) runs in the
    # workers, before each one's first notebook of an assignment: with warm kernels it costs a
    # fork, and it overlaps with the other workers' start-up. A failure stops the run here.
    workers = max(1, workers or os.cpu_count() or 1)
    summary = RunSummary(
        workers=min(workers, len(jobs) or 1), engine=engine, db_url=db_url, jobs=list(jobs),
        complete=complete, students=students,
    )  # fmt: skip
    # What killed runs left is removed first, also when nothing is left to grade: a run
    # killed after its last grade, before its clean-up, leaves no job to `--missing`.
    runs = root / RUNS_DIR
    if runs.is_dir():
        _remove_dead_runs(runs)
    remove_dead_kernels()
    if not jobs:
        return summary
    env = {**worker_threads(min(workers, len(jobs))), **env}

    runs.mkdir(parents=True, exist_ok=True)
    run_dir = runs / f"run-{os.getpid()}-{time.time_ns()}-{os.uname().nodename}"
    run_dir.mkdir()
    if is_sqlite(db_url):
        snapshot(db_url, run_dir / "snapshot.db")
    summary.log_file = runs / "last-run.log"

    t0 = time.perf_counter()
    bar = _bar(len(jobs), progress)
    stop = Stop()
    gb = None  # opened after the workers are forked: they must not inherit its connection
    ctrl_c = contextlib.ExitStack()
    ctrl_c.enter_context(_on_ctrl_c(stop))  # until the run is cleaned up, not only graded
    fatal = None
    try:
        with open(summary.log_file, "w", encoding="utf-8") as log, warnings.catch_warnings():
            # nbgrader's own autoflush warnings, the same in every run of `nbgrader autograde`
            warnings.filterwarnings("ignore", category=SAWarning)
            run = _run_dask if engine == "dask" else _run_local
            args = (str(root), jobs, db_url, str(run_dir), workers, scheduler, env, stop, preflight)
            for res in run(*args):
                if stop.now:
                    break
                if res.fatal:  # an environment problem: nothing more is graded
                    fatal = res
                    stop.level = 2
                    break
                if res.record is not None:
                    gb = gb or Gradebook(db_url, course_id)
                    apply_record(gb, res.assignment, res.student, res.record)
                summary.results.append(res)
                state = "ok" if res.ok else "FAILED"
                retried = f"retried: its first worker died ({res.retried})\n" * bool(res.retried)
                log.write(
                    f"==== {res.assignment}/{res.student} ({state}, {res.seconds:.1f} s, "
                    f"{res.worker})\n{retried}{res.log}\n{res.error}\n"
                )
                log.flush()
                bar.set_postfix_str(f"failed={len(summary.failed)}", refresh=False)
                bar.update(1)
    finally:
        bar.close()
        if gb is not None:
            gb.close()
        with open(summary.log_file, "a", encoding="utf-8") as log:
            for out in sorted(run_dir.glob("worker-*.out")):
                text = out.read_bytes()[-200_000:].decode(errors="replace")  # the tail
                log.write(f"==== output of {out.stem} and its kernels\n{text}\n")
        shutil.rmtree(run_dir, ignore_errors=True)
        ctrl_c.close()
    if fatal is not None:
        from nlpcourse.course.sandbox import PreflightFailed, SandboxUnavailable

        cls = SandboxUnavailable if fatal.fatal == "SandboxUnavailable" else PreflightFailed
        raise cls(fatal.error)
    summary.interrupted = stop.soon
    summary.wall = time.perf_counter() - t0
    summary.results.sort(key=lambda r: (r.assignment, r.student))
    return summary


def remove_dead_kernels() -> list[int]:
    """Remove what the kernels of grading processes that no longer exist left on this machine
    (run folders, zygote folders, pids cgroups: ``nlpcourse-kernel-<pid>-*``,
    ``nlpcourse-<pid>-*``). A worker killed with its coordinator cleans up after itself, but a
    kernel it was starting at that moment can leave its folder behind. Returns those pids."""
    import glob
    import re
    import tempfile

    from nlpcourse.course.autograde.worker import remove_leftovers
    from nlpcourse.course.sandbox.cgroups import pids_cgroup_root

    found = set()
    for base in sorted({tempfile.gettempdir(), "/var/tmp"}):
        for p in glob.glob(os.path.join(base, "nlpcourse-kernel-*-*")):
            m = re.match(r"nlpcourse-kernel-(\d+)-", os.path.basename(p))
            found |= {int(m.group(1))} if m else set()
    root = pids_cgroup_root()
    if root is not None:
        for p in glob.glob(os.path.join(root, "nlpcourse-*-*")):
            m = re.match(r"nlpcourse-(\d+)-", os.path.basename(p))
            found |= {int(m.group(1))} if m else set()
    dead = []
    for pid in sorted(found):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            remove_leftovers(pid)
            dead.append(pid)
        except OSError:
            continue  # alive, another user's
    return dead


def _remove_dead_runs(runs: Path) -> None:
    """Remove the folders of runs whose coordinator died on this machine (killed: nothing
    removed them); their snapshot and workers' gradebook copies are of no further use."""
    for d in runs.glob("run-*"):
        parts = d.name.split("-", 3)
        if len(parts) != 4 or parts[3] != os.uname().nodename or not parts[1].isdigit():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


def find_missing(coursedir, jobs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The jobs whose submission has no complete autograde of what is handed in now."""
    from nbgrader.api import Gradebook

    left = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for a, s in jobs:
            submitted = Path(coursedir.format_path(coursedir.submitted_directory, s, a))
            autograded = Path(coursedir.format_path(coursedir.autograded_directory, s, a))
            if not is_complete(gb, a, s, submitted, autograded):
                left.append((a, s))
    return left


@contextlib.contextmanager
def _on_ctrl_c(stop: Stop):
    """SIGINT sets ``stop`` (once: soon; twice: now) instead of raising KeyboardInterrupt in
    the middle of the run; only where signals can be handled (the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        stop.level += 1
        if stop.level == 1:
            say = "stopping: no new notebook starts, running kernels are stopped (Ctrl-C again "
            say += "to stop at once)"
        elif stop.level == 2:
            say = "stopping at once: the workers and their kernels are killed"
        else:
            return
        print(f"\nnlpcourse autograde: {say}", file=sys.stderr, flush=True)

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    # No monitor thread: local workers are forked from this process.
    tqdm.monitor_interval = 0
    return tqdm(
        total=total,
        desc="autograde",
        unit="nb",
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        bar_format="{desc}: {n}/{total} notebooks |{bar}| {elapsed} elapsed, ETA {remaining} "
        "{postfix}",
    )


def _failure(job: tuple[str, str], exc: BaseException) -> GradeResult:
    a, s = job
    what = repr(exc)
    if type(exc).__name__ == "KilledWorker":
        what = f"its Dask worker died on every try (KilledWorker): {exc}"
    return GradeResult(a, s, ok=False, seconds=0.0, error=f"worker died: {what}")


def _pool_context(multiprocessing):
    """How local workers start: from a fork server, never by forking the coordinator.

    The checks run torch in the worker (the grader's references), and a process forked from
    one that has already run torch's OpenMP thread pool hangs in its first parallel op
    (libgomp is not fork-safe): a coordinator that graded, trained or tested anything
    before would hang every worker. The fork server is a fresh interpreter that only imports
    nbgrader and torch (preloaded, so a worker starts in well under a second and does not
    import torch for its checks again) and never computes: importing torch starts no OpenMP
    thread. Each worker then sets torch's thread count for its run (``worker._apply_threads``).
    Spawn where there is no fork server.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["nlpcourse.course.autograde.worker", "nbgrader.apps", "torch"])
    return ctx


def _start_fork_server() -> None:
    """Start the local workers' fork server now (it would start with the first worker)."""
    import multiprocessing

    if _pool_context(multiprocessing).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _run_local(
    root, jobs, db_url, run_dir, workers, scheduler, env, stop, preflight
) -> Iterator[GradeResult]:
    """Yield a GradeResult per job as a local pool of workers finishes them (:mod:`.pool`)."""
    import multiprocessing

    pool = LocalPool(
        _pool_context(multiprocessing), min(workers, len(jobs)),
        (root, db_url, run_dir, env, preflight, sorted({a for a, _ in jobs})), stop,
    )  # fmt: skip
    yield from pool.run(jobs)


def _run_dask(
    root, jobs, db_url, run_dir, workers, scheduler, env, stop, preflight
) -> Iterator[GradeResult]:
    """Yield a GradeResult per job as Dask workers finish them.

    A lost worker is Dask's to handle: the scheduler gives the tasks it was running to other
    workers, a Nanny starts a new worker process, and a task whose worker died more often than
    ``distributed.scheduler.allowed-failures`` fails with ``KilledWorker``. On the LocalCluster
    started here that is once, as in the local pool (one retry); a cluster's scheduler uses its
    own setting (default 3). After a Ctrl-C nothing more is applied: queued tasks are cancelled
    and the LocalCluster's workers killed (they ignore the terminal's SIGINT: the coordinator
    decides); on a cluster of your own, running tasks finish there and are discarded."""
    try:
        import dask
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - the dependency is missing
        raise SystemExit(
            "Dask is not installed: pip install 'dask[distributed]' (in nlpcourse[instructor])"
        ) from exc

    cluster = None
    seen: set[int] = set()  # our LocalCluster's worker processes, lost ones included
    if scheduler:
        client = Client(scheduler)
    else:
        # One thread per worker process: nbgrader grades one submission at a time per process.
        # One retry, as the local pool; a task is sent to a worker only when its thread is
        # free, so a lost worker held one submission, not one more queued behind it.
        conf = {
            "distributed.scheduler.allowed-failures": 1,
            "distributed.scheduler.worker-saturation": 1.0,
        }
        with dask.config.set(conf), _sigint_ignored():  # its workers inherit that
            cluster = LocalCluster(
                n_workers=min(workers, len(jobs)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                local_directory=str(Path(run_dir) / "dask"),
            )
        client = Client(cluster)
    try:
        futures = {
            client.submit(
                grade,
                root,
                a,
                s,
                db_url,
                run_dir,
                cluster is not None,  # a cluster of its own: its output goes to the log
                env,
                preflight,
                key=f"autograde-{a}-{s}-{Path(run_dir).name}",
                pure=False,
                retries=0,
            ): (a, s)
            for a, s in jobs
        }
        done = dask_completed(futures)
        while not done.is_empty() and not stop.soon:
            if cluster is not None:
                seen |= _worker_pids(cluster)
            batch = done.next_batch(block=False)
            if not batch:
                time.sleep(0.2)
            for fut in batch:
                if stop.soon:
                    break
                try:
                    yield fut.result()
                except BaseException as exc:  # noqa: BLE001 - a dead worker fails its job only
                    yield _failure(futures[fut], exc)
        if stop.soon:
            client.cancel(list(futures))
            if cluster is not None:
                _kill_cluster_workers(cluster)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
            # A worker Dask lost (killed) may have left its kernel's sandbox running.
            from nlpcourse.course.autograde.worker import remove_leftovers

            for pid in seen:
                remove_leftovers(pid)


def _worker_pids(cluster) -> set[int]:
    """The process ids of a LocalCluster's workers now (its scheduler runs in this process)."""
    try:
        return {ws.pid for ws in list(cluster.scheduler.workers.values()) if ws.pid}
    except RuntimeError:  # changed while read: next time
        return set()


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored while the block starts processes: they inherit it (a Ctrl-C in the
    terminal reaches the whole process group; the coordinator alone decides what it does)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _kill_cluster_workers(cluster) -> None:
    """Kill the worker processes of our own LocalCluster (a busy one ignores the Nanny's
    request to close for 4 s), then their kernels' sandboxes, and remove what those leave."""
    from nlpcourse.course.autograde.worker import remove_leftovers

    pids = _worker_pids(cluster)
    for nanny in cluster.workers.values():
        nanny.close_gracefully()  # else a Nanny starts a new worker, slow to close
        if nanny.pid:
            pids.add(nanny.pid)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids:
        for _ in range(50):  # until it is gone (at most ~5 s)
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        remove_leftovers(pid)
