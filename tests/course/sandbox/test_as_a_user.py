"""The sandbox and warm kernels for a grader that is not root, as on a JupyterHub.

`make test` runs as root, and root's rights hide what a user lacks: a folder a kernel locked
(``chmod 000``) is still open to root, and so is much of ``/proc``. This runs the warm-kernel,
isolation and removal tests again as ``nobody``, in a private mount namespace where the Python
install, the virtual environment and the repository are reachable: on these machines Python
lives under ``/root`` (mode 0700), so each such folder is laid bare on a tmpfs over the closed
one, the rest of that folder hidden."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

from nlpcourse.course.sandbox import bwrap
from nlpcourse.course.sandbox.wipe import remove_tree

NOBODY = 65534
AGAIN = [
    "tests/course/sandbox/test_warm.py",
    "tests/course/sandbox/test_isolation.py",
    "tests/course/sandbox/test_wipe.py",
]


def closed_to_others(path: Path) -> Path | None:
    """The first folder on the way to ``path`` (``path`` included) that others may not enter."""
    for p in [*reversed(path.parents), path]:
        if not os.stat(p).st_mode & stat.S_IXOTH:
            return p
    return None


def mount_script(paths: list[Path], hold: Path) -> str:
    """Shell lines that make each of ``paths`` reachable for any user: each is bound to a
    holder, a tmpfs (mode 755) covers the closed folder above it, and the holder is bound
    back at the same path."""
    lines, covers, bound = [], [], []
    for i, p in enumerate(paths):
        closed = closed_to_others(p)
        if closed is None:
            continue
        held = hold / str(i)
        lines += [f"mkdir -p {held}", f"mount --bind {shlex.quote(str(p))} {held}"]
        covers.append(closed)
        bound.append((held, p))
    for c in dict.fromkeys(covers):
        lines.append(f"mount -t tmpfs -o mode=755 tmpfs {shlex.quote(str(c))}")
    for held, p in bound:
        lines += [f"mkdir -p {shlex.quote(str(p))}", f"mount --bind {held} {shlex.quote(str(p))}"]
    return "\n".join(lines)


def test_mount_script_uncovers_only_what_is_closed():
    base = Path(tempfile.mkdtemp(prefix="nlpcourse-mounts-", dir="/tmp"))  # /tmp: open to all
    try:
        base.chmod(0o755)
        closed = base / "closed"
        (closed / "py" / "lib").mkdir(parents=True)
        closed.chmod(0o700)
        open_ = base / "open"
        open_.mkdir()
        assert closed_to_others(closed / "py" / "lib") == closed
        assert closed_to_others(open_) is None
        script = mount_script([closed / "py", open_], base / "hold")
        assert f"mount -t tmpfs -o mode=755 tmpfs {closed}\n" in script
        assert f"mount --bind {base / 'hold' / '0'} {closed / 'py'}" in script
        assert str(open_) not in script
    finally:
        remove_tree(base)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to become another user")
@pytest.mark.skipif(bwrap.bwrap_problem() is not None, reason="bubblewrap does not work here")
@pytest.mark.skipif(
    not (shutil.which("unshare") and shutil.which("setpriv")), reason="no unshare/setpriv"
)
def test_warm_kernels_keep_students_apart_for_a_grader_that_is_not_root():
    base = Path(tempfile.mkdtemp(prefix="nlpcourse-as-a-user-", dir="/tmp"))
    try:
        base.chmod(0o755)
        work = base / "work"
        work.mkdir()
        os.chown(work, NOBODY, NOBODY)
        needed = [Path(sys.base_prefix).resolve(), Path(sys.prefix), ROOT]
        needed.append(Path(os.path.realpath(sys.executable)).parent)
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(work),
            "TMPDIR": str(work),
            "PYTHONDONTWRITEBYTECODE": "1",
            "HF_HUB_OFFLINE": "1",
            "OMP_NUM_THREADS": "1",
        }
        run_as = [
            "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "env", "-i", *[f"{k}={v}" for k, v in env.items()],
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q",
            f"--basetemp={work / 'pytest'}", *AGAIN,
        ]  # fmt: skip
        script = "\n".join(
            ["set -e", mount_script(needed, base / "hold"), f"cd {shlex.quote(str(ROOT))}",
             "exec " + shlex.join(run_as)]
        )  # fmt: skip
        proc = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-6000:]
        assert " passed" in out, out[-3000:]
        skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
        # only the test that becomes nobody itself, which needs root
        assert all("needs root" in line for line in skipped), skipped
    finally:
        remove_tree(base)
