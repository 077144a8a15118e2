"""Autograde a whole class in parallel, through nbgrader's own Autograde converter.

``nlpcourse autograde [A ...] --workers N`` grades every (or the named) submission of the named
(default: every) assignment the way ``nbgrader autograde A --force`` does, in N worker
processes: a local process pool, or Dask distributed workers (a ``LocalCluster``, or the
scheduler of an existing cluster).

Grading is nbgrader's, unchanged: each worker process initialises one ``AutogradeApp`` exactly
as the ``nbgrader`` command does (jupyter config paths, then the course's
``nbgrader_config.py``, so hidden files, sandboxed kernels, timeouts and preprocessors all
apply) and then calls :meth:`nbgrader.apps.NbGraderAPI.autograde` once per submission: the
same ``Autograde`` converter the command runs, one fresh kernel per notebook. A worker pays
nbgrader's start-up (~4 s of imports) once for all its submissions; local workers are forked
from a fork server that has imported nbgrader already (never from the coordinator: see
``_pool_context``).

The gradebook:

* **SQLite** (the default) takes one writer at a time. When the run starts the coordinator
  takes a snapshot of the gradebook (SQLite's backup API) and every worker grades into a
  private copy of it, so it sees the existing manual grades exactly as stock nbgrader does.
  Per submission the worker sends back the values autograde wrote (submission timestamp,
  late penalty, auto scores, ``needs_manual_grade``, auto comments); the coordinator is the
  only writer of the real gradebook and applies them as results arrive. No lost rows, no
  duplicates, manual scores never touched.
* **Any other SQLAlchemy URL** (``NLPCOURSE_DB_URL=postgresql://...``): the database server
  takes concurrent writers, so workers write straight into it, on one machine or many.

On a cluster the course root (``source/``, ``submitted/``, ``autograded/``) must be on a
filesystem every worker mounts at the same path, with ``nlpcourse`` installed on every worker.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import sqlite3
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

RUNS_DIR = Path(".nlpcourse-cache") / "autograde"

# ---------------------------------------------------------------------------------------------
# nbgrader set-up, shared by the coordinator and the workers


def _env() -> None:
    """The environment the ``nbgrader`` command gets from ``nlpcourse``: this interpreter's
    bin/ on PATH (alembic), offline model hubs, a non-GUI plot backend."""
    skip_iri_grammar()
    from nlpcourse.release import tool_env

    os.environ.update(tool_env())


def skip_iri_grammar() -> None:
    """Start nbgrader in less than half the time: ~60% of its import time (18-20 s -> 7-8 s
    on a loaded 2-core machine, measured; ``python -X importtime``) is jsonschema building the
    lark grammar of ``rfc3987_syntax`` for its optional "iri" format checks. Neither
    nbformat's schemas nor nbgrader use that format, so this process goes without it. Only
    takes effect before jsonschema is first imported."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # import -> ImportError -> skipped


# On import too: the fork server imports this module before nbgrader (_pool_context).
skip_iri_grammar()


def course_app(root: Path):
    """An ``AutogradeApp`` initialised the way ``nbgrader autograde`` initialises it when run
    in ``root``: the same config files, in the same order, the course's nbgrader_config.py
    last. Its log goes nowhere (workers capture it per submission)."""
    skip_iri_grammar()
    from nbgrader.apps import AutogradeApp

    here = os.getcwd()
    os.chdir(root)
    try:
        app = AutogradeApp()
        app.initialize([])
    finally:
        os.chdir(here)
    for h in list(app.log.handlers):
        if isinstance(h, logging.StreamHandler):
            app.log.removeHandler(h)
    app.log.propagate = False
    return app


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.split("sqlite:///", 1)[1])


def snapshot(url: str, dest: Path) -> None:
    """A consistent copy of a SQLite gradebook (SQLite's online backup)."""
    src, dst = sqlite3.connect(sqlite_path(url)), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


# ---------------------------------------------------------------------------------------------
# What autograde writes for one submission, read from one gradebook and applied to another


def read_record(gb, assignment: str, student: str) -> dict | None:
    """The values ``nbgrader autograde`` writes for one submission (None: no submission)."""
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    return {
        "timestamp": sub.timestamp,
        "notebooks": {
            nb.name: {
                "late_submission_penalty": nb.late_submission_penalty,
                "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
            for nb in sub.notebooks
        },
    }


def apply_record(gb, assignment: str, student: str, rec: dict) -> None:
    """Write a worker's record into the real gradebook (the single writer's job). Only the
    fields autograde writes are set; manual scores and comments stay as they are."""
    gb.update_or_create_student(student)
    sub = gb.update_or_create_submission(assignment, student)
    sub.timestamp = rec["timestamp"]
    for nb in sub.notebooks:
        nrec = rec["notebooks"].get(nb.name)
        if nrec is None:
            continue
        nb.late_submission_penalty = nrec["late_submission_penalty"]
        for g in nb.grades:
            if g.name in nrec["grades"]:
                g.auto_score, g.needs_manual_grade = nrec["grades"][g.name]
        for c in nb.comments:
            if c.name in nrec["comments"]:
                c.auto_comment = nrec["comments"][c.name]
    gb.db.commit()


# ---------------------------------------------------------------------------------------------
# The worker side


@dataclass
class GradeResult:
    assignment: str
    student: str
    ok: bool
    seconds: float
    error: str = ""
    log: str = ""
    record: dict | None = None
    worker: str = ""


_STATE: dict[tuple, tuple] = {}
# nbgrader sets attributes of its course directory and os.environ while it grades: one
# submission at a time per process, even on a Dask worker with several threads.
_LOCK = threading.Lock()


def fast_kernel_shutdown(config) -> bool:
    """Stop each kernel at once when its notebook has run, unless the course configures it.

    nbgrader's default ("graceful") asks the kernel to shut down and polls until it has: about
    2.5 s per notebook once torch is imported (Python tearing down torch, then the poll). The
    executed notebook, and so every grade, is complete before the kernel is stopped; only the
    kernel's atexit hooks are skipped."""
    for section in ("Execute", "NotebookClient"):
        if "shutdown_kernel" in config.get(section, {}):
            return False
    config.Execute.shutdown_kernel = "immediate"
    return True


def _capture_output(run_dir: str) -> None:
    """Send this worker's (and its kernels') stdout and stderr to a file of the run, not over
    the coordinator's progress bar."""
    out = os.open(
        Path(run_dir) / f"worker-{os.uname().nodename}-{os.getpid()}.out",
        os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    )
    for fd in (1, 2):
        os.dup2(out, fd)
    os.close(out)


def _worker_state(
    root: str, db_url: str, run_dir: str, capture: bool = True, env: dict | None = None
):
    """(api, db_url) of this process for one run, made once: the run's environment (``env``:
    set before anything computes, so thread counts apply to torch in the checks and in the
    kernels this worker starts), the course's nbgrader app and, for SQLite, this worker's
    private copy of the run's gradebook snapshot."""
    key = (root, db_url, run_dir)
    if key not in _STATE:
        os.environ.update(env or {})
        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning

        if capture:
            _capture_output(run_dir)
        # nbgrader's own autoflush warnings, the same in every run of `nbgrader autograde`
        warnings.filterwarnings("ignore", category=SAWarning)
        _env()
        app = course_app(Path(root))
        fast_kernel_shutdown(app.config)
        url = db_url
        if is_sqlite(db_url):
            mine = Path(run_dir) / f"worker-{os.uname().nodename}-{os.getpid()}.db"
            shutil.copyfile(Path(run_dir) / "snapshot.db", mine)
            url = f"sqlite:///{mine}"
        app.coursedir.db_url = url
        _STATE[key] = (NbGraderAPI(coursedir=app.coursedir, parent=app), url)
    return _STATE[key]


def init_worker(root: str, db_url: str, run_dir: str, env: dict | None = None) -> None:
    """Process-pool initializer: set the worker up before its first submission."""
    _worker_state(root, db_url, run_dir, env=env)


def grade(
    root: str,
    assignment: str,
    student: str,
    db_url: str,
    run_dir: str,
    capture: bool = True,
    env: dict | None = None,
) -> GradeResult:
    """Autograde one submission with nbgrader's API in this worker process."""
    from nbgrader.api import Gradebook

    with _LOCK:
        api, url = _worker_state(root, db_url, run_dir, capture, env)
        t0 = time.perf_counter()
        try:
            out = api.autograde(assignment, student, force=True, create=True)
        except BaseException as exc:  # noqa: BLE001 - a worker reports, it does not die
            out = {"success": False, "error": repr(exc)}
        seconds = time.perf_counter() - t0
        record = None
        if url != db_url:  # a private gradebook: send back what autograde wrote
            with Gradebook(url, api.coursedir.course_id) as gb:
                record = read_record(gb, assignment, student)
        return GradeResult(
            assignment=assignment,
            student=student,
            ok=bool(out.get("success")),
            seconds=seconds,
            error=out.get("error", "") or "",
            log=out.get("log", "") or "",
            record=record,
            worker=f"{os.uname().nodename}:{os.getpid()}",
        )


# ---------------------------------------------------------------------------------------------
# The coordinator


@dataclass
class RunSummary:
    results: list[GradeResult] = field(default_factory=list)
    wall: float = 0.0
    workers: int = 1
    engine: str = "local"
    db_url: str = ""
    log_file: Path | None = None

    @property
    def failed(self) -> list[GradeResult]:
        return [r for r in self.results if not r.ok]

    def text(self) -> str:
        n = len(self.results)
        if not n:
            return "no submissions to grade"
        busy = sum(r.seconds for r in self.results)
        slow = max(self.results, key=lambda r: r.seconds)
        lines = [
            f"{n - len(self.failed)} graded, {len(self.failed)} failed: {n} notebooks in "
            f"{self.wall:.1f} s wall on {self.workers} {self.engine} worker(s)",
            f"time per notebook: {self.wall / n:.2f} s of wall time, {busy / n:.2f} s in a "
            f"worker (mean); slowest {slow.assignment}/{slow.student} {slow.seconds:.1f} s",
        ]
        for r in self.failed:
            last = (r.error.strip().splitlines() or ["see the log"])[-1]
            lines.append(f"  FAILED {r.assignment}/{r.student}: {last[:200]}")
        if self.log_file:
            lines.append(f"nbgrader's log per notebook: {self.log_file}")
        return "\n".join(lines)


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
) -> RunSummary:
    """Autograde every (or the named students') submission of ``assignments`` (default: every
    assignment in the gradebook); see the module docstring. ``engine`` is "local" (a process
    pool) or "dask" (a LocalCluster, or the cluster whose scheduler is ``scheduler``). First,
    each assignment's setup cell runs alone in a grading kernel (``preflight``): if it fails,
    nothing is graded and the error says why (:func:`nlpcourse.sandbox.preflight`).

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
            preflight, dict(env or {}),
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
    root, assignments, students, workers, engine, scheduler, progress, preflight, env
) -> RunSummary:
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
    if preflight:
        from nlpcourse import sandbox

        for a in sorted({a for a, _ in jobs}):  # raises PreflightFailed / SandboxUnavailable
            sandbox.preflight(root, a, app.config)
    workers = max(1, workers or os.cpu_count() or 1)
    summary = RunSummary(workers=min(workers, len(jobs) or 1), engine=engine, db_url=db_url)
    if not jobs:
        return summary
    env = {**worker_threads(min(workers, len(jobs))), **env}

    runs = root / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    run_dir = runs / f"run-{os.getpid()}-{time.time_ns()}"
    run_dir.mkdir()
    if is_sqlite(db_url):
        snapshot(db_url, run_dir / "snapshot.db")
    summary.log_file = runs / "last-run.log"

    t0 = time.perf_counter()
    bar = _bar(len(jobs), progress)
    gb = None  # opened after the workers are forked: they must not inherit its connection
    try:
        with open(summary.log_file, "w", encoding="utf-8") as log, warnings.catch_warnings():
            # nbgrader's own autoflush warnings, the same in every run of `nbgrader autograde`
            warnings.filterwarnings("ignore", category=SAWarning)
            run = _run_dask if engine == "dask" else _run_local
            for res in run(str(root), jobs, db_url, str(run_dir), workers, scheduler, env):
                if res.record is not None:
                    gb = gb or Gradebook(db_url, course_id)
                    apply_record(gb, res.assignment, res.student, res.record)
                summary.results.append(res)
                state = "ok" if res.ok else "FAILED"
                log.write(
                    f"==== {res.assignment}/{res.student} ({state}, {res.seconds:.1f} s, "
                    f"{res.worker})\n{res.log}\n{res.error}\n"
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
    summary.wall = time.perf_counter() - t0
    summary.results.sort(key=lambda r: (r.assignment, r.student))
    return summary


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
    return GradeResult(a, s, ok=False, seconds=0.0, error=f"worker died: {exc!r}")


def _pool_context(multiprocessing):
    """How local workers start: from a fork server, never by forking the coordinator.

    The checks run torch in the worker (the grader's references), and a process forked from
    one that has already run torch's OpenMP thread pool hangs in its first parallel op
    (libgomp is not fork-safe): a coordinator that graded, trained or tested anything
    before would hang every worker. The fork server is a fresh interpreter that only imports
    nbgrader (preloaded, so a worker still starts in well under a second) and never computes;
    spawn where there is no fork server.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["nlpcourse.parallel", "nbgrader.apps"])
    return ctx


def _run_local(root, jobs, db_url, run_dir, workers, scheduler, env) -> Iterator[GradeResult]:
    """Yield a GradeResult per job as a local process pool finishes them."""
    import multiprocessing

    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=_pool_context(multiprocessing),
        initializer=init_worker,
        initargs=(root, db_url, run_dir, env),
    ) as pool:
        futures = {pool.submit(grade, root, a, s, db_url, run_dir): (a, s) for a, s in jobs}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except BaseException as exc:  # noqa: BLE001 - a dead worker fails its job only
                yield _failure(futures[fut], exc)


def _run_dask(root, jobs, db_url, run_dir, workers, scheduler, env) -> Iterator[GradeResult]:
    """Yield a GradeResult per job as Dask workers finish them."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - the dependency is missing
        raise SystemExit(
            "Dask is not installed: pip install 'dask[distributed]' (in nlpcourse[instructor])"
        ) from exc

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # One thread per worker process: nbgrader grades one submission at a time per process.
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
                key=f"autograde-{a}-{s}-{Path(run_dir).name}",
                pure=False,
                retries=0,
            ): (a, s)
            for a, s in jobs
        }
        for fut in dask_completed(futures):
            try:
                yield fut.result()
            except BaseException as exc:  # noqa: BLE001 - a dead worker fails its job only
                yield _failure(futures[fut], exc)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
