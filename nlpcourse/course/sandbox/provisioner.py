"""WarmProvisioner: jupyter_client's local provisioner, with the kernel forked by a zygote.

jupyter_client drives a kernel's process through its provisioner (poll, signal, kill, wait).
The local one starts the kernel command with ``Popen``; this one asks a
:class:`~nlpcourse.course.sandbox.warm.Zygote` to fork the kernel and hands jupyter_client a
:class:`ForkedKernel`, a ``Popen``-like handle on that process (which is the zygote's child, not
ours). Everything else (connection file, ports, clean-up) is the local provisioner's.
"""

from __future__ import annotations

import os
import signal
import time

from jupyter_client.provisioning import LocalProvisioner

from nlpcourse.course.sandbox.warm import running


class ForkedKernel:
    """``Popen``'s interface for a kernel process that is not our child (``pid``: its pid
    outside the sandbox; 0 when it ended before it could be found)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._signalled: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and not running(self.pid):
            # Its exit status is the zygote's to collect: say how it ended if we ended it.
            self.returncode = -self._signalled if self._signalled else 1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is not None:
            return
        os.kill(self.pid, sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            self._signalled = sig

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


BIND_WAIT = 10.0  # s: a forked kernel binds its sockets in tens of milliseconds


class WarmProvisioner(LocalProvisioner):
    """Launches the kernel by a fork of ``zygote`` in ``slot`` (set before the launch)."""

    zygote = None
    slot = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        # cmd is the kernel spec's: [python, "-m", "ipykernel_launcher", "-f", <file>, ...]
        pid = self.zygote.fork(self.slot, kwargs.get("env") or dict(os.environ), cmd[2:])
        self.process = ForkedKernel(pid)
        await self._sockets_bound()
        self.pid = pid
        self.pgid = None  # signals go to the kernel itself; the sweep takes the rest
        self.cwd = kwargs.get("cwd")
        return self.connection_info

    async def wait(self):
        """As the local provisioner's, polling every 5 ms instead of 100 ms (a killed kernel
        ends at once; each notebook waits for its kernel's end)."""
        import asyncio

        while self.process is not None and self.process.poll() is None:
            await asyncio.sleep(0.005)
        return await super().wait()

    async def _sockets_bound(self) -> None:
        """Return once the kernel has bound its five sockets (files, over IPC), or has ended,
        or after BIND_WAIT: a client that connects before then waits for ZeroMQ's reconnect
        interval (100 ms) instead."""
        import asyncio

        info = self.connection_info
        names = [f"{info['ip']}-{info[k]}" for k in (
            "shell_port", "iopub_port", "stdin_port", "control_port", "hb_port",
        )]  # fmt: skip
        deadline = time.monotonic() + BIND_WAIT
        while time.monotonic() < deadline and self.process.poll() is None:
            if all(os.path.exists(n) for n in names):
                return
            await asyncio.sleep(0.002)
