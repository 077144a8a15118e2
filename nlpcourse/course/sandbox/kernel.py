"""SandboxKernelManager: jupyter_client's kernel manager, with the kernel started in bwrap.

Cold (the default): a new bubblewrap sandbox and interpreter per kernel. Warm (``warm = True``):
the kernel is forked by a zygote that has imported ``warm_imports`` already, inside a sandbox of
the same kind (:mod:`.warm`); where that cannot work the notebook gets a cold kernel.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, DottedObjectName, Integer, List, Type, Unicode

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
from nlpcourse.course.sandbox.wipe import remove_tree


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bubblewrap (see the module docstring)."""

    client_class = DottedObjectName(
        "nlpcourse.course.sandbox.client.SandboxKernelClient", config=True
    )
    client_factory = Type(klass="nlpcourse.course.sandbox.client.SandboxKernelClient", config=True)
    memory_mb = Integer(4096, help="Address-space limit of the kernel (MB)").tag(config=True)
    cpu_seconds = Integer(900, help="CPU-time limit of the kernel (s)").tag(config=True)
    max_processes = Integer(64, help="Processes/threads the kernel may have").tag(config=True)
    max_file_mb = Integer(200, help="Largest file the kernel may write (MB)").tag(config=True)
    extra_ro_paths = List(Unicode(), help="More paths bound read-only").tag(config=True)
    warm = Bool(
        False,
        help="Fork each kernel from a warm zygote (one per grading process and import set) "
        "that has imported warm_imports, inside a sandbox like a cold kernel's "
        "(nlpcourse.course.sandbox.warm); a Python kernel (ipykernel) only",
    ).tag(config=True)
    warm_imports = List(
        Unicode(),
        ["numpy"],
        help="Modules a zygote imports before it forks kernels: what the notebooks' setup "
        "cells import (library code only: it runs once, outside any student's kernel)",
    ).tag(config=True)
    warm_imports_by_assignment = Dict(
        value_trait=List(Unicode()),
        help="More modules for one assignment (its folder name): {assignment: [module, ...]}; "
        "a worker's zygote imports them at its first notebook of that assignment",
    ).tag(config=True)

    def warm_limits(self):
        from nlpcourse.course.sandbox.warm import Limits

        return Limits(
            memory_mb=self.memory_mb,
            cpu_seconds=self.cpu_seconds,
            max_processes=self.max_processes,
            max_file_mb=self.max_file_mb,
            extra_ro=tuple(self.extra_ro_paths),
        )

    def warm_env(self) -> dict[str, str]:
        """The environment a zygote starts with: a kernel's, as jupyter_client and ipykernel
        would set it up (matplotlib's inline backend is read when matplotlib is imported)."""
        env = {**os.environ, **(self.kernel_spec.env if self.kernel_spec else {})}
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        # ipykernel's debugger, imported in the zygote, would warn about frozen modules
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        env.pop(settings.SECRET_ENV, None)
        return env

    def _warm_kernel_cmd_ok(self) -> bool:
        argv = self.kernel_spec.argv if self.kernel_spec else []
        if len(argv) < 3 or argv[1:3] != ["-m", "ipykernel_launcher"]:
            return False
        # jupyter_client runs "python" and "python3[.x]" as this Python (format_kernel_cmd)
        major, minor = sys.version_info[:2]
        short = {"python", f"python{major}", f"python{major}.{minor}"}
        return argv[0] in short or os.path.realpath(argv[0]) == os.path.realpath(sys.executable)

    async def _warm_pre_start(self, workdir: str, kw: dict):
        """The warm path of :meth:`_async_pre_start_kernel`: a slot of a ready zygote, and a
        provisioner that forks there. Raises WarmUnavailable."""
        from nlpcourse.course.sandbox import warm
        from nlpcourse.course.sandbox.provisioner import WarmProvisioner

        if not self._warm_kernel_cmd_ok():
            raise warm.WarmUnavailable(
                f"the kernel is not this Python's ipykernel ({self.kernel_spec.argv[:3]})"
            )
        modules = [*self.warm_imports, *self.warm_imports_by_assignment.get(Path(workdir).name, [])]
        zygote = warm.zygote_for(modules, self.warm_limits(), self.warm_env(), self.log)
        slot = zygote.new_slot(workdir)
        self._warm = (zygote, slot)
        self.transport = "ipc"
        self.ip = str(slot / "kernel")
        self.connection_file = str(slot / "kernel.json")
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        self.provisioner = WarmProvisioner(
            kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
        )
        self.provisioner.zygote, self.provisioner.slot = zygote, slot
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        kw.get("env", {}).pop(settings.SECRET_ENV, None)
        self.kernel_spec.interrupt_mode = "message"
        return kernel_cmd, kw

    async def _async_pre_start_kernel(self, **kw):
        workdir = os.path.realpath(kw.get("cwd") or os.getcwd())
        problem = bwrap_problem()
        if self.warm and problem is None:
            from nlpcourse.course.sandbox.warm import WarmUnavailable

            try:
                return await self._warm_pre_start(workdir, kw)
            except WarmUnavailable as exc:
                self._warm = None
                self.provisioner = None
                self.log.warning("No warm kernel for %s (%s): a cold one", workdir, exc)
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

    async def _async_wait(self, pollinterval: float = 0.005) -> None:
        # jupyter_client polls a killed kernel every 100 ms; it ends in a few
        await super()._async_wait(pollinterval=pollinterval)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if getattr(self, "_warm", None):
            zygote, _ = self._warm
            self._warm = None
            zygote.sweep()  # every process the kernel left killed, its folders wiped
        if getattr(self, "_cgroup", None):
            remove_cgroup(self._cgroup)
            self._cgroup = None
        rundir = getattr(self, "_rundir", None)
        if rundir:
            remove_tree(rundir)  # the kernel wrote its home and temp dir: any depth

    # AsyncKernelManager binds this name to the base class's function: rebind it to ours.
    cleanup_resources = _async_cleanup_resources


def prestart_warm(config, assignments: list[str] = ()) -> None:
    """Start this process's zygote now, without waiting for it (a worker calls this before it
    sets nbgrader up). It imports the course-wide modules, and an assignment's own ones only
    when every one of ``assignments`` needs them (an a3-only run): otherwise the zygote learns
    them at the worker's first notebook that needs them (:func:`warm.zygote_for`), and a
    worker that gets none never pays for them. Nothing unless the config asks for warm
    kernels and bubblewrap works here."""
    km = SandboxKernelManager(config=config)
    if not km.warm or bwrap_problem() is not None:
        return
    from nlpcourse.course.sandbox import warm

    try:
        if km._warm_kernel_cmd_ok():
            modules = list(km.warm_imports)
            own = [km.warm_imports_by_assignment.get(a, []) for a in assignments]
            modules += [m for m in (own[0] if own else []) if all(m in o for o in own)]
            warm.prestart(list(dict.fromkeys(modules)), km.warm_limits(), km.warm_env())
    except (warm.WarmUnavailable, OSError) as exc:  # the first kernel says it again, and why
        km.log.warning("No warm zygote started ahead: %s", exc)
