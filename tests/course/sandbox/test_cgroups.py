"""The pids cgroup per kernel (nlpcourse/course/sandbox/cgroups.py): the process limit that holds
for root, and its removal, which kills whatever the kernel left running."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from nlpcourse.course.sandbox import cgroups


@pytest.fixture
def root():
    found = cgroups.pids_cgroup_root()
    if found is None and os.geteuid() == 0:
        pytest.fail("running as root without a writable pids cgroup: a fork bomb is unbounded")
    if found is None:
        pytest.skip("no writable pids cgroup (not root): the kernel's RLIMIT_NPROC applies")
    return found


def test_a_cgroup_caps_processes_and_removal_kills_what_is_left(root):
    path = cgroups.make_pids_cgroup(5)
    assert path and path.startswith(root) and Path(path, "pids.max").read_text().strip() == "5"
    enter = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
    script = "for i in 1 2 3 4 5 6 7 8; do sleep 60 & done; wait"
    proc = subprocess.Popen(
        ["/bin/sh", "-c", enter, path, "/bin/sh", "-c", script], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    events = Path(path, "pids.events")
    while time.monotonic() < deadline and "max 0" in events.read_text():
        time.sleep(0.05)
    refused = int(events.read_text().split()[-1])  # forks refused at the cap ("max N")
    current = int(Path(path, "pids.current").read_text())
    pids = [int(p) for p in Path(path, "cgroup.procs").read_text().split()]
    assert refused > 0 and current <= 5, f"8 forks, cap 5: refused {refused}, {current} alive"
    assert pids, "the shell and its children are in the cgroup"
    cgroups.remove_cgroup(path)
    assert not os.path.exists(path)
    proc.wait(timeout=10)
    assert proc.returncode != 0
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text()
