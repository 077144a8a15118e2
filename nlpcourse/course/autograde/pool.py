"""The local worker pool: a dead worker costs only the submission it held.

N worker processes (:func:`~nlpcourse.course.autograde.worker.serve`, started from the fork
server: see ``coordinator._pool_context``) each take one submission at a time over a pipe.
When a worker dies (killed by a signal, by the out-of-memory killer, or exiting) while it holds
a submission, that submission goes once more to a fresh worker that replaces it; if that one
dies too, the submission is reported failed with both causes. Everyone else's grading goes on
(``concurrent.futures.ProcessPoolExecutor`` instead fails every queued submission once one
worker dies: ``BrokenProcessPool``).

:class:`Stop` is how the coordinator ends a run early (Ctrl-C): ``soon`` lets what has
finished come back, asks each worker to stop its kernels and exit (SIGTERM), and kills the
stragglers after ``GRACE`` seconds; ``now`` kills every worker at once.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nlpcourse.course.autograde.worker import GradeResult, remove_leftovers, serve

GRACE = 2.0  # seconds a worker has to stop its kernels and exit before it is killed
TICK = 0.2  # the longest the pool waits before it looks at a stop request again


class WorkerStartFailed(RuntimeError):
    """A worker could not set itself up (nbgrader or the course config fails to load): the
    message holds its traceback."""


@dataclass
class Stop:
    """A request to end the run early, set from a signal handler: ``level`` 1 soon, 2 now."""

    level: int = 0

    @property
    def soon(self) -> bool:
        return self.level >= 1

    @property
    def now(self) -> bool:
        return self.level >= 2


@dataclass
class _Worker:
    proc: object
    conn: object
    job: tuple[str, str] | None = None
    rss_mb: float = 0.0


@dataclass
class LocalPool:
    ctx: object  # a multiprocessing context
    size: int
    # serve()'s arguments after the pipe: root, db_url, run_dir, env, preflight, assignments
    args: tuple
    stop: Stop = field(default_factory=Stop)
    workers: list[_Worker] = field(default_factory=list)

    def _start(self) -> _Worker:
        ours, theirs = self.ctx.Pipe()
        proc = self.ctx.Process(target=serve, args=(theirs, *self.args), daemon=True)
        proc.start()
        theirs.close()
        w = _Worker(proc, ours)
        self.workers.append(w)
        return w

    def _give(self, w: _Worker, job: tuple[str, str]) -> None:
        w.job = job
        try:
            w.conn.send(job)
        except OSError:
            pass  # it died already: its sentinel says so next

    def run(self, jobs: list[tuple[str, str]]) -> Iterator[GradeResult]:
        """Grade ``jobs``; yield a GradeResult per job as it finishes (after a stop, only
        those that finished)."""
        queue = deque(jobs)
        first_death: dict[tuple[str, str], str] = {}
        oom = oom_kills()
        try:
            for _ in range(min(self.size, len(queue))):
                self._give(self._start(), queue.popleft())
            while any(w.job for w in self.workers) and not self.stop.soon:
                for w in self._ready():
                    if w.conn.poll():
                        kind, value = _recv(w)
                        if kind == "init-failed":
                            raise WorkerStartFailed(f"a grading worker could not start:\n{value}")
                        if kind == "result":
                            value.retried = first_death.get(w.job, "")
                            w.job = None
                            # the next job first: the worker grades while this result is
                            # written to the gradebook
                            if queue and not self.stop.soon:
                                self._give(w, queue.popleft())
                            yield value
                            continue
                    if w.proc.is_alive():
                        continue
                    # died: its kernel's sandbox is killed and removed; the submission it held
                    # is retried once, on a fresh worker
                    self.workers.remove(w)
                    remove_leftovers(w.proc.pid)
                    job, w.job = w.job, None
                    now = oom_kills()
                    cause = describe_death(w.proc.exitcode, w.rss_mb, oom, now)
                    oom = now
                    if job is None or self.stop.soon:
                        continue  # after a stop: not graded, nothing new starts
                    if job in first_death:
                        yield _died_twice(job, first_death[job], cause)
                        if queue and not self.stop.soon:
                            self._give(self._start(), queue.popleft())
                    else:
                        first_death[job] = cause
                        self._give(self._start(), job)
            if self.stop.soon:
                yield from self._wind_down(first_death)
        finally:
            self._kill_all()

    def _ready(self, workers: list[_Worker] | None = None) -> list[_Worker]:
        """The workers with something to say (a message, or their end), within TICK."""
        from multiprocessing.connection import wait

        by = {}
        for w in self.workers if workers is None else workers:
            by[w.proc.sentinel] = w
            if w.job:
                by[w.conn] = w
        ready = wait(list(by), timeout=TICK)
        for w in self.workers:
            if w.job:
                w.rss_mb = max(w.rss_mb, rss_mb(w.proc.pid))
        out = []
        for obj in ready:
            if by[obj] not in out:
                out.append(by[obj])
        return out

    def _tell_to_stop(self) -> None:
        """Idle workers are told to exit; busy ones to stop their kernels and exit (SIGTERM)."""
        for w in self.workers:
            if w.job:
                _signal(w, signal.SIGTERM)
            else:
                try:
                    w.conn.send(None)
                except OSError:
                    pass

    def _wind_down(self, first_death) -> Iterator[GradeResult]:
        """Stop soon: idle workers are told to exit, busy ones to stop their kernels and
        exit; what finished in the meantime still comes back."""
        self._tell_to_stop()
        deadline = time.monotonic() + GRACE
        while any(w.proc.is_alive() for w in self.workers) and not self.stop.now:
            if time.monotonic() > deadline:
                break
            for w in self._ready([w for w in self.workers if w.proc.is_alive()]):
                if w.job and w.conn.poll():
                    kind, value = _recv(w)
                    if kind == "result":
                        value.retried = first_death.get(w.job, "")
                        w.job = None
                        yield value
        for w in self.workers:
            if w.job and w.conn.poll():  # sent before it exited
                kind, value = _recv(w)
                if kind == "result":
                    w.job = None
                    yield value

    def _kill_all(self) -> None:
        """The end of the pool: idle workers exit when told, busy ones stop their kernels and
        exit (SIGTERM); whoever is left after the grace period is killed."""
        self._tell_to_stop()
        deadline = time.monotonic() + (TICK if self.stop.now else GRACE)
        for w in self.workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                _signal(w, signal.SIGKILL)
                w.proc.join(GRACE)
                remove_leftovers(w.proc.pid)
            w.conn.close()
        self.workers.clear()


def _recv(w: _Worker):
    try:
        return w.conn.recv()
    except (EOFError, OSError):
        return ("gone", None)


def _signal(w: _Worker, sig: int) -> None:
    try:
        os.kill(w.proc.pid, sig)
    except OSError:
        pass


def _died_twice(job: tuple[str, str], first: str, second: str) -> GradeResult:
    a, s = job
    return GradeResult(
        a, s, ok=False, seconds=0.0,
        error=f"its worker died twice: first {first}; then, on a fresh worker, {second}",
    )  # fmt: skip


def describe_death(exitcode: int | None, rss: float, oom_before, oom_after) -> str:
    """Why a worker process ended, in words: the signal, and what is known of memory."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        text = f"killed by {name}"
        if oom_before is not None and oom_after is not None and oom_after > oom_before:
            text += " (out of memory: the kernel's OOM killer acted meanwhile, memory.events)"
        elif -exitcode == signal.SIGKILL:
            text += " (the kernel's OOM killer sends it when memory runs out: see dmesg)"
    else:
        text = f"exited with status {exitcode}"
    if rss:
        text += f"; it used up to {rss:.0f} MB (as last measured)"
    return text


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 if unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def oom_kills() -> int | None:
    """How many processes the OOM killer has killed in this process's cgroup (v2), if known."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        path = next(ln.split(":", 2)[2] for ln in lines if ln.startswith("0::"))
        events = Path(f"/sys/fs/cgroup{path}") / "memory.events"
        for line in events.read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    return None
