"""A pids cgroup per kernel: the process limit that also holds when the grader runs as root."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def pids_cgroup_root() -> str | None:
    """A writable cgroup folder with the ``pids`` controller (v1 or v2), or None.

    RLIMIT_NPROC is not enforced for processes whose real uid is root, so when the instructor
    runs as root only a pids cgroup bounds a fork bomb.
    """
    v1 = "/sys/fs/cgroup/pids"
    if os.path.isfile(os.path.join(v1, "cgroup.procs")) and os.access(v1, os.W_OK):
        return v1
    v2 = "/sys/fs/cgroup"
    ctl = os.path.join(v2, "cgroup.subtree_control")
    try:
        if "pids" in Path(ctl).read_text() and os.access(v2, os.W_OK):
            return v2
    except OSError:
        pass
    return None


def make_pids_cgroup(max_processes: int) -> str | None:
    """A new pids cgroup of at most ``max_processes``, named after this process
    (``nlpcourse-<pid>-*``: see :func:`leftovers_of`), or None where none can be made."""
    root = pids_cgroup_root()
    if root is None:
        return None
    path = tempfile.mkdtemp(prefix=f"nlpcourse-{os.getpid()}-", dir=root)  # mkdir makes it
    try:
        Path(path, "pids.max").write_text(str(max_processes))
    except OSError:
        os.rmdir(path)
        return None
    return path


def leftovers_of(pid: int) -> list[str]:
    """The pids cgroups and kernel run folders that process ``pid`` made for its kernels and
    has not removed (it was killed before it could)."""
    import glob

    root = pids_cgroup_root()
    found = []
    for base in sorted({tempfile.gettempdir(), "/var/tmp"}):  # kernels' and zygotes' folders
        found += glob.glob(os.path.join(base, f"nlpcourse-kernel-{pid}-*"))
    if root is not None:
        found += glob.glob(os.path.join(root, f"nlpcourse-{pid}-*"))
    return sorted(found)


def remove_cgroup(path: str) -> None:
    """Kill whatever is left in the cgroup, then remove it."""
    import signal
    import time

    for _ in range(100):  # up to ~10 s: processes take a moment to leave after SIGKILL
        try:
            pids = [int(p) for p in Path(path, "cgroup.procs").read_text().split()]
        except OSError:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.1)
