"""ForkedKernel (nlpcourse/course/sandbox/provisioner.py): Popen's interface on a process that
is not our child, as jupyter_client uses it (poll, wait, kill)."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from nlpcourse.course.sandbox.provisioner import ForkedKernel


@pytest.fixture
def orphan():
    """A process that is not this one's child (a shell's, which exits at once)."""
    out = subprocess.run(
        ["/bin/sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    pid = int(out.stdout)
    yield pid
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def test_poll_sees_it_running_then_killed(orphan):
    k = ForkedKernel(orphan)
    assert k.poll() is None
    k.kill()
    assert k.wait(timeout=10) == -signal.SIGKILL
    k.kill()  # again: nothing to do, no error


def test_wait_times_out_on_a_running_process(orphan):
    with pytest.raises(subprocess.TimeoutExpired):
        ForkedKernel(orphan).wait(timeout=0.1)


def test_a_kernel_that_ended_before_it_was_found_is_dead():
    k = ForkedKernel(0)
    assert k.poll() == 1
    assert k.wait(timeout=1) == 1
