"""The bubblewrap command a student's kernel runs in: mounts, namespaces and limits.

Also whether bwrap works here (:func:`bwrap_problem`), the instructor's opt-out
(``NLPCOURSE_ALLOW_UNSANDBOXED``) and the private view of the pack's cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from nlpcourse import settings

ALLOW_ENV = "NLPCOURSE_ALLOW_UNSANDBOXED"


# Read-only from /etc: what the dynamic linker, Python and its libraries look up.
ETC_FILES = [
    "alternatives",
    "fonts",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "matplotlibrc",
    "mime.types",
    "nsswitch.conf",
    "passwd",
    "timezone",
]


TOP_LEVEL = ["bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here, and the instructor did not opt out."""


def allow_unsandboxed() -> bool:
    return settings.allow_unsandboxed()


@lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    """None if ``bwrap`` can start a sandbox with the namespaces we use, else why not."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap (`bwrap`) is not installed"
    try:
        proc = subprocess.run(
            [exe, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`bwrap` does not start: {exc}"
    if proc.returncode != 0:
        return f"`bwrap` cannot create namespaces here: {proc.stderr.strip()[:300]}"
    return None


def refusal_message(problem: str) -> str:
    return (
        f"Refusing to run student code without a sandbox: {problem}. Student notebooks would "
        "run with your rights and could read source/ and the hidden tests, rewrite "
        "gradebook.db or other students' work. Install it (Debian/Ubuntu: `sudo apt-get install "
        f"bubblewrap`), or, for submissions you trust, set {ALLOW_ENV}=1 to run them unsandboxed."
    )


def _python_roots() -> list[str]:
    """Folders the kernel's Python needs: the venv, the base install, the package's code."""
    import nlpcourse

    roots = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(nlpcourse.__file__).resolve().parent),
    }
    for p in sys.path:  # site-packages outside the prefixes; never '' or the course root
        if p and os.path.isabs(p) and ("site-packages" in p or "dist-packages" in p):
            roots.add(p)
    resolved = {os.path.realpath(r) for r in roots} | roots
    # Drop folders inside others (bwrap binds the outer one).
    out = sorted(resolved)
    return [r for r in out if not any(r != o and r.startswith(o + os.sep) for o in out)]


def bwrap_command(
    kernel_cmd: list[str],
    workdir: str,
    rundir: str,
    *,
    memory_mb: int,
    cpu_seconds: int,
    max_processes: int,
    max_file_mb: int,
    extra_ro: list[str] = (),
    shm_only_writable_dev: bool = False,
) -> list[str]:
    """``kernel_cmd`` wrapped: ``bwrap <mounts> -- prlimit <limits> -- kernel_cmd``.

    ``workdir`` (the student's autograde folder) and ``rundir`` (sockets, connection file,
    HOME, TMPDIR) are the only writable places, with ``/tmp`` and ``/dev``: the sandbox's own
    memory file systems. With ``shm_only_writable_dev`` (a zygote's sandbox, :mod:`.warm`),
    ``/dev/shm`` is a memory file system of its own and the rest of ``/dev`` is read-only, so
    that the grader knows every place to wipe between notebooks.
    """
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
    args += ["--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if shm_only_writable_dev:
        args += ["--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    for top in TOP_LEVEL:
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    for name in ETC_FILES:
        p = Path("/etc") / name
        if p.exists():
            args += ["--ro-bind", str(p), str(p)]
    for r in [*_python_roots(), *extra_ro]:
        # A folder that holds the work folder would show the whole course (source/, the
        # gradebook, other students): never bind one.
        if workdir == r or workdir.startswith(r.rstrip(os.sep) + os.sep):
            continue
        if os.path.exists(r) and not r.startswith("/usr/"):
            args += ["--ro-bind", r, r]
    args += ["--bind", rundir, rundir, "--bind", workdir, workdir, "--chdir", workdir]
    # The notebook's folder is not on the import path: a handed-in numpy.py shadows nothing.
    args += ["--setenv", "PYTHONSAFEPATH", "1", "--unsetenv", settings.SECRET_ENV]
    args += ["--setenv", "HOME", os.path.join(rundir, "home")]
    args += ["--setenv", "TMPDIR", os.path.join(rundir, "tmp")]
    args += ["--setenv", "MPLCONFIGDIR", os.path.join(rundir, "home", ".mpl")]
    # No parent poller: the manager's pid is in another PID namespace (1 means "none").
    args += ["--setenv", "JPY_PARENT_PID", "1", "--remount-ro", "/"]
    mb = 1024 * 1024
    limits = [
        f"--as={memory_mb * mb}",
        f"--cpu={cpu_seconds}",
        f"--nproc={max_processes}",
        f"--fsize={max_file_mb * mb}",
        "--core=0",
    ]
    return [*args, "--", "prlimit", *limits, "--", *kernel_cmd]


def pack_cache_view(view: str) -> str | None:
    """A private, writable pack cache at ``view`` that shows the instructor's cache read-only.

    Checkpoints and data the pack already built (``registry.cache_dir()``) appear as symlinks
    into the real cache, which the sandbox binds read-only: a student cannot alter what the next
    student loads, and anything missing is built in the private copy and thrown away. Returns
    the real cache folder to bind, or None when there is none.
    """
    from nlpcourse import registry

    real = registry.cache_dir().resolve()
    os.makedirs(view)
    if not real.is_dir():
        return None
    for entry in real.iterdir():
        if entry.is_dir() and entry.name == "models":
            os.makedirs(os.path.join(view, "models"))
            for model in entry.iterdir():
                if not model.name.startswith("."):
                    os.symlink(model, os.path.join(view, "models", model.name))
        elif not entry.name.startswith("."):
            os.symlink(entry, os.path.join(view, entry.name))
    return str(real)
