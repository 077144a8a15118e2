"""A worker: one nbgrader app per process, then nbgrader's ``autograde`` per submission."""

from __future__ import annotations

import os
import shutil
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

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
