"""SandboxKernelManager: jupyter_client's kernel manager, with the kernel started in bwrap."""

from __future__ import annotations

import os
import shutil
import tempfile

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

from nlpcourse import settings
from nlpcourse.course.sandbox.bwrap import (
    ALLOW_ENV,
    SandboxUnavailable,
    allow_unsandboxed,
    bwrap_command,
    bwrap_problem,
    pack_cache_view,
    refusal_message,
)
from nlpcourse.course.sandbox.cgroups import make_pids_cgroup, remove_cgroup


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bubblewrap (see the module docstring)."""

    memory_mb = Integer(4096, help="Address-space limit of the kernel (MB)").tag(config=True)
    cpu_seconds = Integer(900, help="CPU-time limit of the kernel (s)").tag(config=True)
    max_processes = Integer(64, help="Processes/threads the kernel may have").tag(config=True)
    max_file_mb = Integer(200, help="Largest file the kernel may write (MB)").tag(config=True)
    extra_ro_paths = List(Unicode(), help="More paths bound read-only").tag(config=True)

    async def _async_pre_start_kernel(self, **kw):
        workdir = os.path.realpath(kw.get("cwd") or os.getcwd())
        problem = bwrap_problem()
        if problem is not None:
            if not allow_unsandboxed():
                raise SandboxUnavailable(refusal_message(problem))
            self.log.warning("%s is set: running student code UNSANDBOXED (%s)", ALLOW_ENV, problem)
            kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
            kw.get("env", {}).pop(settings.SECRET_ENV, None)
            return kernel_cmd, kw
        # Named after this process (the grading worker), as its cgroup is: whoever sees the
        # worker die can remove what its kernel leaves (nlpcourse.course.autograde.pool).
        self._rundir = tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{os.getpid()}-")
        for sub in ("home", "tmp"):
            os.makedirs(os.path.join(self._rundir, sub))
        cache_ro = pack_cache_view(os.path.join(self._rundir, "cache"))
        # Unix sockets in the shared run dir: loopback TCP is another namespace's.
        self.transport = "ipc"
        self.ip = os.path.join(self._rundir, "kernel")
        self.connection_file = os.path.join(self._rundir, "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        kw.get("env", {}).pop(settings.SECRET_ENV, None)  # the grader's, never the kernel's
        # A SIGINT to bwrap's process group would kill the sandbox: interrupt through the
        # control channel instead (the kernel then signals itself).
        self.kernel_spec.interrupt_mode = "message"
        wrapped = bwrap_command(
            kernel_cmd,
            workdir,
            self._rundir,
            memory_mb=self.memory_mb,
            cpu_seconds=self.cpu_seconds,
            max_processes=self.max_processes,
            max_file_mb=self.max_file_mb,
            extra_ro=[*self.extra_ro_paths, *([cache_ro] if cache_ro else [])],
        )
        wrapped[wrapped.index("--") : wrapped.index("--")] = [
            "--setenv",
            "NLPCOURSE_CACHE",
            os.path.join(self._rundir, "cache"),
        ]
        self._cgroup = make_pids_cgroup(self.max_processes)
        if self._cgroup is not None:
            # Join the cgroup before bwrap starts: every process of the sandbox is counted.
            enter = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
            wrapped = ["/bin/sh", "-c", enter, self._cgroup, *wrapped]
        elif os.geteuid() == 0:
            self.log.warning(
                "No writable pids cgroup: running as root, the sandbox's process limit is not "
                "enforced (RLIMIT_NPROC does not apply to root)."
            )
        return wrapped, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if getattr(self, "_cgroup", None):
            remove_cgroup(self._cgroup)
            self._cgroup = None
        rundir = getattr(self, "_rundir", None)
        if rundir:
            shutil.rmtree(rundir, ignore_errors=True)

    # AsyncKernelManager binds this name to the base class's function: rebind it to ours.
    cleanup_resources = _async_cleanup_resources
