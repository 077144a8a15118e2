"""The bubblewrap command (nlpcourse/course/sandbox/bwrap.py): its mounts and limits, the refusal
without a sandbox, whether bwrap works here, and the pack cache a kernel sees."""

from __future__ import annotations

import os
import subprocess

from nlpcourse.course import sandbox
from nlpcourse.course.sandbox import bwrap

A = "a2_dropout_cnn"


def test_refusal_message_names_the_fix(monkeypatch):
    """The refusal names the install command and the opt-out; the opt-out is read as a flag."""
    monkeypatch.delenv(sandbox.ALLOW_ENV, raising=False)
    msg = sandbox.refusal_message("bubblewrap (`bwrap`) is not installed")
    assert "apt-get install bubblewrap" in msg and sandbox.ALLOW_ENV in msg
    assert not sandbox.allow_unsandboxed()
    monkeypatch.setenv(sandbox.ALLOW_ENV, "1")
    assert sandbox.allow_unsandboxed()


def test_bwrap_command_binds_no_course_root(tmp_path):
    """The sandbox's mounts: the work folder and run dir writable, nothing of the course."""
    work, run = tmp_path / "course" / "autograded" / "s" / A, tmp_path / "run"
    work.mkdir(parents=True)
    run.mkdir()
    cmd = sandbox.bwrap_command(
        ["python", "-m", "ipykernel_launcher"],
        str(work),
        str(run),
        memory_mb=100,
        cpu_seconds=5,
        max_processes=8,
        max_file_mb=1,
    )
    binds = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")]
    writable = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--bind"]
    assert writable == [str(run), str(work)]
    assert not any(b == str(tmp_path / "course") or b == "/" for b in binds)
    assert "--unshare-all" in cmd and "--remount-ro" in cmd
    assert cmd[cmd.index("prlimit") :][:6] == [
        "prlimit",
        f"--as={100 * 2**20}",
        "--cpu=5",
        "--nproc=8",
        f"--fsize={2**20}",
        "--core=0",
    ]


def test_bwrap_works_here():
    """The suite's machines have a working bubblewrap (make test installs it): the probe says
    so, and the probe is what decides between sandbox and refusal."""
    assert bwrap.bwrap_problem() is None, bwrap.bwrap_problem()


def test_the_wrapped_command_runs_with_no_network_and_no_course(tmp_path):
    """The command really runs: inside it the work folder is writable, a folder beside it is
    invisible, / is read-only, the secret is unset, and there is no interface but loopback."""
    course = tmp_path / "course"
    work, run, other = course / "autograded" / "s" / A, tmp_path / "run", course / "source"
    for d in (work, run / "home", run / "tmp", other):
        d.mkdir(parents=True)
    (other / "checks.py").write_text("SECRET = 1\n")
    probe = (
        "import os, socket\n"
        "open('out.txt', 'w').write('ok')\n"
        f"print('other', os.path.exists({str(other)!r}))\n"
        "try:\n    open('/etc/nlpcourse-probe', 'w')\nexcept OSError:\n    print('etc ro')\n"
        "print('secret', os.environ.get('NLPCOURSE_GRADER_SECRET'))\n"
        "print('ifaces', sorted(n for _, n in socket.if_nameindex()))\n"
    )
    cmd = sandbox.bwrap_command(
        ["python3", "-c", probe],
        str(work),
        str(run),
        memory_mb=1024,
        cpu_seconds=30,
        max_processes=16,
        max_file_mb=1,
    )
    env = {**os.environ, "NLPCOURSE_GRADER_SECRET": "s3cret"}
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert (work / "out.txt").read_text() == "ok"
    assert "other False" in lines and "etc ro" in lines and "secret None" in lines, lines
    assert "ifaces ['lo']" in lines, lines


def test_pack_cache_view_shows_the_cache_through_links(tmp_path, monkeypatch):
    """A private cache folder whose entries link to the real cache (bound read-only), with
    one link per model; nothing to bind when there is no cache yet."""
    real = tmp_path / "cache"
    monkeypatch.setenv("NLPCOURSE_CACHE", str(real))
    assert bwrap.pack_cache_view(str(tmp_path / "v0")) is None
    (real / "models" / "distilbert").mkdir(parents=True)
    (real / "data.npz").write_bytes(b"x")
    (real / ".lock").write_text("")
    assert bwrap.pack_cache_view(str(tmp_path / "v1")) == str(real.resolve())
    view = tmp_path / "v1"
    assert os.readlink(view / "data.npz") == str(real.resolve() / "data.npz")
    assert os.readlink(view / "models" / "distilbert") == str(
        real.resolve() / "models" / "distilbert"
    )
    assert not (view / ".lock").exists() and not (view / "models").is_symlink()
