"""Autograde a whole class in parallel, through nbgrader's own Autograde converter.

``nlpcourse autograde [A ...] --workers N`` grades every (or the named) submission of the named
(default: every) assignment the way ``nbgrader autograde A --force`` does, in N worker
processes: a local process pool, or Dask distributed workers (a ``LocalCluster``, or the
scheduler of an existing cluster). ``--missing`` grades only the submissions without a complete
autograde of what is handed in now; Ctrl-C, a dead worker and a killed command each leave a
consistent gradebook that ``--missing`` finishes (docs/grading-faults.md).

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

The package, by concern: :mod:`.nbgrader_app` (nbgrader started as its command starts it),
:mod:`.worker` (one submission in a worker), :mod:`.pool` (the local workers: a dead one costs
only its submission), :mod:`.gradebook` (snapshots, records applied whole, what is complete,
scores), :mod:`.coordinator` (the run: jobs, preflight, pool or Dask, the single writer, Ctrl-C,
the summary).
"""

from nlpcourse.course.autograde.coordinator import (
    RunSummary,
    autograde_class,
    find_missing,
    find_submissions,
    worker_threads,
)
from nlpcourse.course.autograde.pool import WorkerStartFailed
from nlpcourse.course.autograde.worker import GradeResult

__all__ = [
    "GradeResult",
    "RunSummary",
    "WorkerStartFailed",
    "autograde_class",
    "find_missing",
    "find_submissions",
    "worker_threads",
]
