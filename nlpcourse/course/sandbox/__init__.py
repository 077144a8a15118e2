"""Run a student's notebook kernel inside bubblewrap, with resource limits.

Stock nbgrader starts the kernel with the instructor's rights in the course root, next to
``source/`` and ``gradebook.db``. :class:`SandboxKernelManager` wraps the kernel command in
``bwrap`` (Debian package ``bubblewrap``) and ``prlimit`` so that the student's code

- sees a read-only system (``/usr``, the Python install, the ``nlpcourse`` package) and nothing
  of the course root, the instructor's home or other students' folders;
- can write only its own autograde folder and a private temp dir (also its ``HOME``);
- has no network (own network namespace; the kernel talks to nbgrader over Unix sockets);
- runs in its own user and PID namespaces with every capability dropped, so a fork bomb meets
  the process limit and everything it started dies with the kernel;
- has limits on address space, CPU time, processes, file size and core dumps.

:class:`SandboxedExecute` is nbgrader's ``Execute`` with this kernel manager, a cap on the output
a cell may send, and a kernel that dies (``os._exit``, segfault, memory kill) scored as an error
for the cell it died in and every cell after it, so grading goes on with the next student.

Where ``bwrap`` is missing or cannot start, autograde refuses to run student code unless
``NLPCOURSE_ALLOW_UNSANDBOXED=1`` is set (the instructor then runs it with their own rights).

The package, by concern: :mod:`.bwrap` (the command and whether it works here),
:mod:`.cgroups` (the process limit as root), :mod:`.kernel` (the kernel manager),
:mod:`.preflight` (the setup cell alone before a run); the Execute preprocessor is
:mod:`nlpcourse.course.preprocessors.sandboxedexecute`.
"""

from nlpcourse.course.sandbox.bwrap import (
    ALLOW_ENV,
    SandboxUnavailable,
    allow_unsandboxed,
    bwrap_command,
    bwrap_problem,
    pack_cache_view,
    refusal_message,
)
from nlpcourse.course.sandbox.cgroups import make_pids_cgroup, pids_cgroup_root, remove_cgroup
from nlpcourse.course.sandbox.kernel import SandboxKernelManager
from nlpcourse.course.sandbox.preflight import PreflightFailed, preflight

__all__ = [
    "ALLOW_ENV",
    "PreflightFailed",
    "SandboxKernelManager",
    "SandboxUnavailable",
    "allow_unsandboxed",
    "bwrap_command",
    "bwrap_problem",
    "make_pids_cgroup",
    "pack_cache_view",
    "pids_cgroup_root",
    "preflight",
    "refusal_message",
    "remove_cgroup",
]
