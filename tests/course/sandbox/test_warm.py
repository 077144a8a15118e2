"""Warm kernels (nlpcourse/course/sandbox/warm.py), real: kernels forked by a zygote in
bubblewrap, one notebook after another, each seeing nothing of the one before; the zygote out
of the kernels' reach; a killed zygote replaced; a cold kernel where no zygote can start."""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from traitlets.config import Config

from nlpcourse.course import timing
from nlpcourse.course.preprocessors import SandboxedExecute
from nlpcourse.course.sandbox import warm


@pytest.fixture(autouse=True)
def _fresh_zygotes():
    warm.stop_all()
    yield
    warm.stop_all()


def run(
    tmp_path, name: str, *sources: str, check: bool = True, ro: str = "", by: dict | None = None
) -> list[dict]:
    """Run ``sources`` as one notebook with warm kernels (in a folder ``name``: the
    assignment, for ``warm_imports_by_assignment`` = ``by``); the JSON each cell printed
    (with ``check``: every cell ran without error)."""
    work = tmp_path / name
    work.mkdir()
    (work / "data.txt").write_text("the student's file")
    c = Config()
    c.SandboxKernelManager.warm = True
    c.SandboxKernelManager.warm_imports = ["json"]
    c.SandboxKernelManager.warm_imports_by_assignment = by or {}
    if ro:
        c.SandboxKernelManager.extra_ro_paths = [ro]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    SandboxedExecute(config=c, timeout=60).preprocess(nb, {"metadata": {"path": str(work)}})
    out = []
    for cell in nb.cells:
        texts = [o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"]
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert not (check and errors), errors
        out.append(json.loads("".join(texts).strip().splitlines()[-1]) if texts else None)
    return out


POISON = r"""
import json, os, subprocess, sys
json.POISONED = True                                   # a module global
sys.modules["fake_module_of_the_last_student"] = json  # sys.modules
os.environ["LEFT_BY_THE_LAST_STUDENT"] = "1"          # the environment
for d in ("/tmp", "/dev/shm", os.environ["HOME"], os.environ["TMPDIR"]):
    open(os.path.join(d, "left.txt"), "w").write("x")  # files
# a daemon: a new session, its parent gone at once
subprocess.Popen(["/bin/sh", "-c", "(setsid sleep 300 &) ; exit 0"]).wait()
print(json.dumps({"parent": os.getppid(), "net": os.readlink("/proc/self/ns/net"),
                  "cwd_file": open("data.txt").read()}))
"""

LOOK = r"""
import json, os, sys
seen = {
    "parent": os.getppid(),
    "net": os.readlink("/proc/self/ns/net"),
    "global": hasattr(json, "POISONED"),
    "module": "fake_module_of_the_last_student" in sys.modules,
    "env": "LEFT_BY_THE_LAST_STUDENT" in os.environ,
    "files": [d for d in ("/tmp", "/dev/shm", os.environ["HOME"], os.environ["TMPDIR"])
              if os.path.exists(os.path.join(d, "left.txt"))],
    "others": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()
                     and int(p) not in (os.getpid(), os.getppid(), 1)),
    "secret": os.environ.get("NLPCOURSE_GRADER_SECRET"),
}
print(json.dumps(seen))
"""


def test_the_next_notebook_sees_nothing_of_the_last(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPCOURSE_GRADER_SECRET", "grader-only")
    timing.take()
    (first,) = run(tmp_path, "a", POISON)
    assert first["cwd_file"] == "the student's file"  # its own folder, copied in
    assert "fork" in timing.take()  # warm, not a cold fallback
    (second,) = run(tmp_path, "b", LOOK)
    assert second["parent"] == first["parent"]  # the same zygote forked both
    assert second["net"] != first["net"]  # a network namespace each
    assert not second["global"] and not second["module"] and not second["env"]
    assert second["files"] == []
    # in the sandbox: bubblewrap (1), the zygote (the parent) and this kernel: no daemon
    assert second["others"] == []
    assert second["secret"] is None
    (z,) = warm._ZYGOTES.values()
    assert not z.dir.joinpath("slots", "n1").exists()  # the first slot is wiped


def test_a_kernel_cannot_read_or_trace_the_zygote(tmp_path):
    (seen,) = run(
        tmp_path,
        "a",
        r"""
import json, os
z = os.getppid()
seen = {"zygote": b"sandbox.zygote" in open(f"/proc/{z}/cmdline", "rb").read()}
def opened(path):
    try:
        os.close(os.open(path, os.O_RDWR if path.endswith("mem") else os.O_WRONLY))
        return "opened"
    except OSError as exc:
        return type(exc).__name__
seen["mem"] = opened(f"/proc/{z}/mem")
# its pipes to the grader: as root the numbers are visible, what they lead to is not; as
# another user not even the numbers
try:
    seen["fd"] = sorted({opened(f"/proc/{z}/fd/{n}") for n in os.listdir(f"/proc/{z}/fd")})
except OSError as exc:
    seen["fd"] = [type(exc).__name__]
print(json.dumps(seen))
""",
    )
    assert seen["zygote"] is True
    assert seen["mem"] == "PermissionError" and seen["fd"] == ["PermissionError"], seen


def test_a_killed_zygote_is_replaced(tmp_path):
    # The sandbox ends with its zygote (bubblewrap's init exits), this kernel with it: the
    # student's own notebook pays, never the next one.
    run(tmp_path, "a", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", check=False)
    (old,) = warm._ZYGOTES.values()
    timing.take()
    (seen,) = run(tmp_path, "b", "import json\nprint(json.dumps(open('data.txt').read()))")
    assert seen == "the student's file"
    assert "fork" in timing.take()  # still warm: a new zygote
    (new,) = warm._ZYGOTES.values()
    assert new is not old and new.alive() and not old.dir.exists()


def test_a_cold_kernel_where_no_zygote_can_start(tmp_path, monkeypatch):
    def refuse():
        raise warm.WarmUnavailable("no folder for zygotes here")

    monkeypatch.setattr(warm, "zygote_base", refuse)
    timing.take()
    (seen,) = run(tmp_path, "a", "import json, os\nprint(json.dumps(open('data.txt').read()))")
    assert seen == "the student's file"
    assert "fork" not in timing.take()  # graded all the same, by a cold kernel


def test_what_a_notebook_writes_comes_back_to_its_folder(tmp_path):
    run(
        tmp_path,
        "a",
        "import json, os\nopen('plot.txt', 'w').write('drawn')\nos.makedirs('out')\n"
        "open('out/model.txt', 'w').write('weights')\nos.symlink('/etc/passwd', 'link')\n"
        "open('data.txt', 'a').write(' and more')\nprint(json.dumps(1))",
    )
    work = tmp_path / "a"
    assert (work / "plot.txt").read_text() == "drawn"
    assert (work / "out" / "model.txt").read_text() == "weights"
    assert (work / "data.txt").read_text() == "the student's file and more"
    assert (work / "link").is_symlink() and os.readlink(work / "link") == "/etc/passwd"


def test_copy_back_never_writes_through_a_link(tmp_path):
    src, dest, outside = tmp_path / "src", tmp_path / "dest", tmp_path / "outside"
    for d in (src / "sub", dest, outside):
        d.mkdir(parents=True)
    before = warm._manifest(src)
    (src / "sub" / "f.txt").write_text("x")
    (src / "fifo").parent.mkdir(exist_ok=True)
    os.mkfifo(src / "fifo")
    os.symlink(outside, dest / "sub")  # planted in the student's folder
    assert warm.copy_back(src, dest, before) == []
    assert list(outside.iterdir()) == [] and not (dest / "fifo").exists()


def test_a_zygote_that_imports_more_serves_a_notebook_that_needs_less(tmp_path):
    from nlpcourse.course.sandbox.kernel import SandboxKernelManager

    c = Config()
    c.SandboxKernelManager.warm_imports = ["json"]
    c.SandboxKernelManager.warm_imports_by_assignment = {"t2": ["csv"]}
    limits = SandboxKernelManager(config=c).warm_limits()
    env = dict(os.environ)
    warm.prestart(["json", "csv"], limits, env)  # a worker whose run holds t2
    (big,) = warm._ZYGOTES.values()
    assert warm.zygote_for(["json"], limits, env) is big
    assert big.info["imported"] == ["json", "csv"]
    assert len(warm._ZYGOTES) == 1


def test_what_is_bound_under_tmp_survives_the_sweep(tmp_path):
    """A course or a venv under /tmp is bound into the sandbox's own /tmp: wiping that /tmp
    between notebooks must leave the mount points (it once removed them, and the next kernel
    could not import numpy from a venv under /tmp)."""
    assert str(tmp_path).startswith("/tmp/")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "lib.txt").write_text("still here")
    look = f"import json\nprint(json.dumps(open({str(ro / 'lib.txt')!r}).read()))"
    for name in ("a", "b", "c"):
        (seen,) = run(tmp_path, name, look, ro=str(ro))
        assert seen == "still here", name
    assert (ro / "lib.txt").read_text() == "still here"


def test_a_dead_zygote_that_imported_more_is_replaced_by_one_that_does_too(tmp_path):
    from nlpcourse.course.sandbox.kernel import SandboxKernelManager

    limits = SandboxKernelManager().warm_limits()
    env = dict(os.environ)
    warm.prestart(["json", "csv"], limits, env)
    (big,) = warm._ZYGOTES.values()
    big.wait_ready()
    big.proc.kill()
    big.proc.wait()
    new = warm.zygote_for(["json"], limits, env)
    assert new is not big and new.alive()
    assert new.modules == ("json", "csv")  # the next a3 notebook still finds transformers


def test_a_zygote_learns_what_a_later_notebook_needs(tmp_path):
    """A worker keeps one zygote: the first notebook of an assignment that needs more has it
    imported there, between two forks, and its kernel starts with it; a module that cannot be
    imported is reported and not asked for again."""
    by = {"t2": ["wave"], "t3": ["wave", "no_such_module_here"]}
    look = "import json, sys\nprint(json.dumps('wave' in sys.modules))"
    assert run(tmp_path, "t1", look, by=by) == [False]  # the control: nothing imports it
    (z,) = warm._ZYGOTES.values()
    assert run(tmp_path, "t2", look, by=by) == [True]
    assert warm._ZYGOTES == {warm._key(z.modules, z.limits): z}  # the same one, grown
    assert "wave" in z.info["imported"]
    assert run(tmp_path, "t3", look, by=by) == [True]
    assert "no_such_module_here" in z.info["failed"] and len(warm._ZYGOTES) == 1
    asked = []
    z.grow = lambda modules: asked.append(modules)  # it must not be called
    assert warm.zygote_for(["json", "wave", "no_such_module_here"], z.limits, z.env) is z
    assert asked == []


PLANT = r"""
import json, os, sys
planted = []
for d in {*(p or os.getcwd() for p in sys.path), os.getcwd(), "/tmp", "/dev/shm",
          os.environ["HOME"], os.environ["TMPDIR"], os.path.dirname(os.getcwd()),
          os.path.dirname(os.path.dirname(os.getcwd()))}:
    try:
        open(os.path.join(d, "wave.py"), "w").write("PLANTED = True\n")
        planted.append(d)
    except OSError:
        pass
print(json.dumps(planted))
"""


def test_what_a_zygote_imports_later_is_never_what_a_kernel_planted(tmp_path):
    """The zygote grows after kernels have run: a kernel that writes ``wave.py`` into every
    folder it can (its own, the slots above it, every writable folder on ``sys.path``, /tmp,
    /dev/shm, HOME, TMPDIR) must not be what the zygote imports for the next notebook: the sweep
    has emptied all of them first."""
    by = {"t2": ["wave"]}
    (planted,) = run(tmp_path, "t1", PLANT, by=by)
    assert planted, "the kernel could write nowhere: the test proves nothing"
    look = (
        "import json, sys\nw = sys.modules.get('wave')\n"
        "print(json.dumps([w is not None, getattr(w, 'PLANTED', False)]))"
    )
    assert run(tmp_path, "t2", look, by=by) == [[True, False]]


DEEP = 3000  # folder levels: deeper than Python's stack (shutil.rmtree and os.walk recurse)
NEST = r"""
import json, os
for base in (".", os.environ["HOME"], os.environ["TMPDIR"], "/tmp", "/dev/shm"):
    fd = os.open(base, os.O_RDONLY)
    for i in range(DEEP):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(os.open("left.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)
open("/tmp/poison.txt", "w").write("left by the last student")
print(json.dumps("nested"))
""".replace("DEEP", str(DEEP))
LOOK_DEEP = r"""
import json, os
where = (".", os.environ["HOME"], os.environ["TMPDIR"], "/tmp", "/dev/shm")
print(json.dumps({b: sorted(n for n in os.listdir(b) if n == "d" or n.endswith(".txt"))
                  for b in where}))
"""


def test_folders_nested_deeper_than_the_stack_are_swept_and_reach_no_one(tmp_path):
    """A kernel nests folders 3000 deep wherever it can write, then leaves a file in /tmp:
    the sweep must not fail on them (it once raised RecursionError midway, before wiping
    /tmp, and the next notebook, forked from the same zygote, found the file), the next
    notebook sees none of it, and nothing is left on the machine once the zygote stops."""
    assert run(tmp_path, "a", NEST) == ["nested"]
    (z,) = warm._ZYGOTES.values()
    zdir = z.dir
    (seen,) = run(tmp_path, "b", LOOK_DEEP)
    assert seen == {k: (["data.txt"] if k == "." else []) for k in seen}, seen
    warm.stop_all()
    assert not zdir.exists(), "the zygote's folder was left"
