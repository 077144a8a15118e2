"""A worker (nlpcourse/course/autograde/worker.py): kernels stopped at once unless the course says
otherwise, and what a dead worker's kernels leave (processes naming their run folder, the run
folder, the pids cgroup) killed and removed. Grading through workers is tested in
test_coordinator.py and test_faults.py."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from traitlets.config import Config

from nlpcourse.course.autograde import worker
from nlpcourse.course.sandbox import cgroups

DEAD = 4_000_001  # a pid no process has here (above the usual pid_max): names only


def test_kernels_stop_at_once_unless_the_course_configures_it():
    c = Config()
    assert worker.fast_kernel_shutdown(c) and c.Execute.shutdown_kernel == "immediate"
    for section in ("Execute", "NotebookClient"):
        c = Config()
        c[section].shutdown_kernel = "graceful"
        assert not worker.fast_kernel_shutdown(c), f"{section}.shutdown_kernel is the course's"
        assert c[section].shutdown_kernel == "graceful"
        assert c["Execute"].get("shutdown_kernel", "graceful") == "graceful"


def test_a_worker_gives_torch_the_runs_thread_count(monkeypatch):
    """The fork server imported torch before the run set OMP_NUM_THREADS (OpenMP reads it
    once, as torch loads): the worker applies the run's count itself."""
    import torch

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        worker._apply_threads()
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
        worker._apply_threads()  # left as it was
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def _alive(pid: int) -> bool:
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False


def test_a_dead_workers_leftovers_are_killed_and_removed():
    run = Path(tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{DEAD}-"))
    other = Path(tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{DEAD + 1}-"))
    # a sandbox left running: its command line names the run folder, as bwrap's does
    stray = subprocess.Popen(["/bin/sh", "-c", "sleep 60", str(run / "kernel.json")])
    bystander = subprocess.Popen(["/bin/sh", "-c", "sleep 60", str(other / "kernel.json")])
    group = None
    root = cgroups.pids_cgroup_root()
    if root is not None:
        group = tempfile.mkdtemp(prefix=f"nlpcourse-{DEAD}-", dir=root)
        held = subprocess.Popen(
            ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs"; exec sleep 60', group]
        )
        # the sandbox's process is in its cgroup before the worker dies (on a loaded machine
        # the shell took longer than the clean-up once: nothing was left to kill)
        deadline = time.monotonic() + 10
        while str(held.pid) not in Path(group, "cgroup.procs").read_text().split():
            assert time.monotonic() < deadline, "the process never joined its cgroup"
            time.sleep(0.01)
    try:
        assert str(run) in cgroups.leftovers_of(DEAD) and str(other) not in cgroups.leftovers_of(
            DEAD
        )
        worker.remove_leftovers(DEAD)
        deadline = time.monotonic() + 10
        while _alive(stray.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(stray.pid) and not run.exists()
        if group is not None:
            assert not os.path.exists(group) and held.wait(timeout=10) != 0
        assert _alive(bystander.pid) and other.exists(), "another worker's kernel is left alone"
        assert cgroups.leftovers_of(DEAD) == []
    finally:
        bystander.kill()
        stray.kill()
        other.rmdir()
