"""A worker: one nbgrader app per process, then nbgrader's ``autograde`` per submission.

A local pool's worker (:func:`serve`) takes one submission at a time from the coordinator. It
lives in its own process group, so a Ctrl-C in the terminal reaches only the coordinator,
which decides; it stops its kernels and exits when the coordinator asks (SIGTERM) or dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from nlpcourse.course import timing
from nlpcourse.course.autograde.gradebook import is_sqlite, read_record
from nlpcourse.course.autograde.nbgrader_app import _env, course_app


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
    retried: str = ""  # why its first worker died, if it was graded again on a fresh one
    phases: dict | None = None  # seconds by phase (nlpcourse.course.timing), "autograde" whole
    fatal: str = ""  # an environment problem's class (the preflight's): the run stops


_STATE: dict[tuple, tuple] = {}
_PREFLIGHT_PASSED: set[tuple[str, str]] = set()  # (root, assignment) checked in this process


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


def _apply_threads() -> None:
    """torch's thread count from ``OMP_NUM_THREADS`` as this worker's run sets it. The fork
    server imported torch before the run's environment existed, and OpenMP reads the variable
    once, as torch loads."""
    from nlpcourse import settings

    torch = sys.modules.get("torch")
    n = settings.text("OMP_NUM_THREADS") or ""
    if torch is not None and n.isdigit() and int(n) > 0:
        torch.set_num_threads(int(n))


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
    root: str,
    db_url: str,
    run_dir: str,
    capture: bool = True,
    env: dict | None = None,
    assignments: list[str] | None = None,
):
    """(api, db_url) of this process for one run, made once: the run's environment (``env``:
    set before anything computes, so thread counts apply to torch in the checks and in the
    kernels this worker starts), the course's nbgrader app and, for SQLite, this worker's
    private copy of the run's gradebook snapshot, with one SQLAlchemy engine for it
    (:mod:`.engines`)."""
    key = (root, db_url, run_dir)
    if key not in _STATE:
        os.environ.update(env or {})
        _apply_threads()
        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning

        from nlpcourse.course.autograde.engines import reuse_engines
        from nlpcourse.course.sandbox.kernel import prestart_warm

        reuse_engines()
        if capture:
            _capture_output(run_dir)
        # nbgrader's own autoflush warnings, the same in every run of `nbgrader autograde`
        warnings.filterwarnings("ignore", category=SAWarning)
        _env()
        app = course_app(Path(root))
        # its imports run while this process sets up nbgrader
        prestart_warm(app.config, assignments or [])
        fast_kernel_shutdown(app.config)
        url = db_url
        if is_sqlite(db_url):
            mine = Path(run_dir) / f"worker-{os.uname().nodename}-{os.getpid()}.db"
            shutil.copyfile(Path(run_dir) / "snapshot.db", mine)
            url = f"sqlite:///{mine}"
        app.coursedir.db_url = url
        _STATE[key] = (NbGraderAPI(coursedir=app.coursedir, parent=app), url)
    return _STATE[key]


def init_worker(
    root: str,
    db_url: str,
    run_dir: str,
    env: dict | None = None,
    assignments: list[str] | None = None,
) -> None:
    """Set the worker up before its first submission (:func:`serve` does, first), with a zygote
    started for the run's ``assignments``."""
    _worker_state(root, db_url, run_dir, env=env, assignments=assignments)


def grade(
    root: str,
    assignment: str,
    student: str,
    db_url: str,
    run_dir: str,
    capture: bool = True,
    env: dict | None = None,
    preflight: bool = False,
) -> GradeResult:
    """Autograde one submission with nbgrader's API in this worker process. With
    ``preflight``, first (once per assignment and process) the assignment's setup cell alone in
    a grading kernel set up like the students' (:func:`nlpcourse.course.sandbox.preflight`):
    if that fails, nothing is graded and the result's ``fatal`` says the run must stop."""
    from nbgrader.api import Gradebook

    with _LOCK:
        api, url = _worker_state(root, db_url, run_dir, capture, env)
        if preflight and (root, assignment) not in _PREFLIGHT_PASSED:
            failed = _preflight(root, assignment, api.parent.config)
            if failed is not None:
                return GradeResult(
                    assignment, student, ok=False, seconds=0.0, error=str(failed),
                    fatal=type(failed).__name__, worker=f"{os.uname().nodename}:{os.getpid()}",
                )  # fmt: skip
            _PREFLIGHT_PASSED.add((root, assignment))
        timing.take()
        t0 = time.perf_counter()
        try:
            out = api.autograde(assignment, student, force=True, create=True)
        except BaseException as exc:  # noqa: BLE001 - a worker reports, it does not die
            out = {"success": False, "error": repr(exc)}
        seconds = time.perf_counter() - t0
        phases = {**timing.take(), "autograde": seconds}
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
            phases=phases,
        )


def _preflight(root: str, assignment: str, config) -> Exception | None:
    """The preflight's environment error for ``assignment``, or None if its setup cell runs."""
    from nlpcourse.course.sandbox import PreflightFailed, SandboxUnavailable, preflight

    try:
        preflight(root, assignment, config)
    except (PreflightFailed, SandboxUnavailable) as exc:
        return exc
    return None


# ---------------------------------------------------------------------------------------------
# a local pool's worker


def serve(
    conn,
    root: str,
    db_url: str,
    run_dir: str,
    env: dict | None = None,
    preflight: bool = False,
    assignments: list[str] | None = None,
) -> None:
    """The loop of a local pool's worker process: ``(assignment, student)`` in on ``conn``, a
    ``("result", GradeResult)`` out; ``None`` or a closed pipe ends it. A worker that cannot
    start sends ``("init-failed", traceback)``."""
    os.setpgrp()  # the terminal's Ctrl-C goes to the coordinator's group, not here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: exit_with_kernels(143))
    _exit_with_parent()
    try:
        init_worker(root, db_url, run_dir, env, assignments)
    except BaseException:  # noqa: BLE001 - said to the coordinator, which stops the run
        conn.send(("init-failed", traceback.format_exc()))
        return
    try:
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            conn.send(("result", grade(root, *job, db_url, run_dir, preflight=preflight)))
    finally:
        stop_kernels()  # and the zygotes: a forked worker runs no atexit hooks


def _exit_with_parent() -> None:
    """Exit with the kernels when the coordinator dies (killed, even by SIGKILL): its end of
    the pipe ``multiprocessing`` keeps for each child closes, and a thread here waits for it.
    Without this a worker would grade on, unseen, beside the next run."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        wait([parent.sentinel])
        exit_with_kernels(1)

    threading.Thread(target=watch, name="exit-with-coordinator", daemon=True).start()


def exit_with_kernels(code: int) -> None:
    """Kill this process's kernels and what their sandboxes leave, then exit at once."""
    try:
        stop_kernels()
    finally:
        os._exit(code)


def stop_kernels() -> None:
    """Kill every child of this process (a kernel, or the bubblewrap around one: each in its
    own session, which dies whole), then remove what their sandboxes leave (pids cgroups, run
    folders), the clean-up a kernel manager does when a notebook ends normally."""
    from nlpcourse.course.sandbox.warm import children_of

    for pid in children_of(os.getpid()):
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
                break
            except OSError:
                continue
    remove_leftovers(os.getpid())


def remove_leftovers(worker: int) -> None:
    """Kill what is left of the kernels of the dead process ``worker`` and remove their pids
    cgroups and run folders. bubblewrap's ``--die-with-parent`` does not always take the
    sandbox down with the worker (seen here: a sandbox left running, its parent gone), so every
    process whose command line names a kernel's run folder (bubblewrap binds it, the kernel
    reads its connection file there) is killed, then whatever is left in its cgroup."""
    from nlpcourse.course.sandbox.cgroups import leftovers_of, remove_cgroup
    from nlpcourse.course.sandbox.wipe import remove_tree

    found = leftovers_of(worker)
    rundirs = [p for p in found if not p.startswith("/sys/fs/cgroup")]
    if rundirs:
        _kill_naming(rundirs)
    for path in found:
        if path in rundirs:
            remove_tree(path)  # a kernel wrote in it: any depth
        else:
            remove_cgroup(path)


def _kill_naming(paths: list[str]) -> None:
    """SIGKILL every process whose command line names one of ``paths``."""
    needles = [p.encode() for p in paths]
    for d in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        if any(n in cmd for n in needles):
            try:
                os.kill(int(d.name), signal.SIGKILL)
            except OSError:
                pass
