"""The zygote: a warm Python inside a kernel sandbox that forks one fresh kernel per notebook.

:mod:`nlpcourse.course.sandbox.warm` starts it inside bubblewrap, as a kernel is started
today, with ``python -m nlpcourse.course.sandbox.zygote R W MODULE...``. It imports the MODULEs
and ipykernel (library code only: no student code ever runs in this process), tells the grader
it is ready, then serves requests, one JSON line each, read from fd ``R`` and answered on fd
``W``::

    {"cwd": ..., "env": {...}, "argv": ["ipykernel_launcher", "-f", ...]}  ->  {"pid": N}
    {"import": [MODULE, ...]}  ->  {"imported": [...], "failed": {...}, "threads": N}

The second kind grows a running zygote: a notebook that needs more (a3's transformers) has it
imported here once, between two forks, instead of in every kernel.

For each request it forks. The child becomes the kernel, in this order: a session of its own;
the zygote's pipes closed; a user, network, IPC and UTS namespace of its own inside the sandbox
(a notebook never shares a network or SysV shared memory with the notebook graded before it)
with every capability dropped; the request's folder and environment (the grader's secret is
never in it); numpy's global generator reseeded from the OS, as a fresh process would be; then
ipykernel's own ``__main__``. The fork happens before ipykernel starts its asyncio loop or
makes a ZeroMQ context, which do not survive a fork.

The zygote is not dumpable (``PR_SET_DUMPABLE`` 0): a kernel cannot read its memory, open its
pipes through ``/proc`` or trace it. It reaps its children. The grader, not the zygote, kills
everything a kernel leaves and wipes its folders (:meth:`warm.Zygote.sweep`).
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import sys
import time
import traceback

# What ipykernel imports while a kernel starts (its shell, history, debugger): imported here
# once, so that each kernel's start-up is only its own set-up.
KERNEL_MODULES = [
    "ipykernel.kernelapp",
    "ipykernel_launcher",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.history",
    "IPython.core.completer",
    "IPython.extensions",
    "psutil",
    "pdb",
    "tornado.queues",
    "tornado.platform.asyncio",
    # what a kernel imports on first use: its object inspector, logger, history database and
    # completer helpers, the traceback's formatter, numpy's global generator (reseeded in each
    # kernel) and the module that answers the grader's requests
    "IPython.core.oinspect",
    "IPython.core.logger",
    "IPython.core.completerlib",
    "sqlite3",
    "pygments.formatters",
    "pygments.formatters.terminal256",
    "numpy.random",
    "nlpcourse.probe",
]

PR_SET_DUMPABLE = 4
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def own_namespaces() -> None:
    """Give this (single-threaded) process its own user, network, IPC and UTS namespaces, then
    drop the capabilities the new user namespace granted (they would hold over those
    namespaces only; none is needed)."""
    flags = CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    _check(_libc.unshare(flags), "unshare")
    _loopback_up()  # as bubblewrap does in its network namespace
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # all zero: no capability, effective, permitted or inheritable
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    siocsifflags, iff_up = 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", iff_up))


def set_dumpable(flag: bool) -> None:
    _check(_libc.prctl(PR_SET_DUMPABLE, int(flag), 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def _reseed() -> None:
    """What a fresh interpreter would have: Python's ``random`` reseeds itself after a fork;
    numpy's global generator (seeded when numpy was imported, here) does not."""
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed()


def become_kernel(request: dict, control: tuple[int, int]) -> None:
    """In the forked child: turn into the kernel the request asks for. Never returns."""
    code = 1
    try:
        os.setsid()
        for fd in control:
            os.close(fd)
        own_namespaces()
        set_dumpable(True)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _reseed()
        sys.argv = list(request["argv"])
        import runpy

        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - said on stderr (the worker's log), then exit
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def namespaces_work() -> str | None:
    """None if a forked child can take namespaces of its own here, else why not."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            own_namespaces()
            os.write(w, b"ok")
        except OSError as exc:
            os.write(w, str(exc).encode()[:500])
        os._exit(0)
    os.close(w)
    said = os.read(r, 600).decode(errors="replace")
    os.close(r)
    os.waitpid(pid, 0)
    return None if said == "ok" else said


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def import_all(modules: list[str]) -> dict:
    """Import ``modules`` (library code); which did, which failed and why, and the threads."""
    import threading

    imported, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            imported.append(name)
        except Exception as exc:  # noqa: BLE001 - told to the grader, who logs it
            failed[name] = f"{type(exc).__name__}: {exc}"
    return {"imported": imported, "failed": failed, "threads": threading.active_count()}


def serve(control: tuple[int, int], modules: list[str]) -> int:
    """Import ``modules``, say ready, then fork a kernel per request until the pipe closes."""
    r, w = control
    out = os.fdopen(w, "w", buffering=1)
    t0 = time.perf_counter()
    set_dumpable(False)
    done = import_all(modules)
    for name in KERNEL_MODULES:
        importlib.import_module(name)
    problem = namespaces_work()
    import threading

    ready = {
        "ready": problem is None,
        "problem": problem,
        **done,
        "threads": threading.active_count(),
        "seconds": round(time.perf_counter() - t0, 3),
        "pid": os.getpid(),
    }
    out.write(json.dumps(ready) + "\n")
    if problem is not None:
        return 2
    for line in os.fdopen(r, "r"):
        _reap()
        try:
            request = json.loads(line)
            if "import" in request:
                out.write(json.dumps(import_all([str(m) for m in request["import"]])) + "\n")
                continue
            pid = os.fork()
        except Exception as exc:  # noqa: BLE001 - a bad request is answered, not fatal
            out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            continue
        if pid == 0:
            become_kernel(request, control)
        out.write(json.dumps({"pid": pid}) + "\n")
    return 0


def main(argv: list[str]) -> int:
    r, w = int(argv[0]), int(argv[1])
    return serve((r, w), argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
