"""SandboxKernelManager (nlpcourse/course/sandbox/kernel.py): a real Jupyter kernel started in
bubblewrap, seen from inside: its own writable folder, HOME and TMPDIR, no course root, no
network, no grader secret; and its run folder gone when it stops."""

from __future__ import annotations

import json
import os

import nbformat

from nlpcourse.course.preprocessors import SandboxedExecute

PROBE = """\
import json, os, socket, tempfile
seen = {
    "cwd": os.getcwd(),
    "home": os.environ["HOME"],
    "tmp": tempfile.gettempdir(),
    "course_visible": os.path.exists(COURSE),
    "secret": os.environ.get("NLPCOURSE_GRADER_SECRET"),
    "ifaces": sorted(n for _, n in socket.if_nameindex()),
}
open("written.txt", "w").write("ok")
print(json.dumps(seen))
"""


def test_a_sandboxed_kernel_sees_only_its_own_folders(tmp_path, monkeypatch):
    course = tmp_path / "course"
    work = course / "autograded" / "s" / "t1"
    work.mkdir(parents=True)
    (course / "gradebook.db").write_text("")
    monkeypatch.setenv("NLPCOURSE_GRADER_SECRET", "grader-only")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"COURSE = {str(course / 'gradebook.db')!r}\n" + PROBE)]
    )
    ep = SandboxedExecute(timeout=120)
    ep.preprocess(nb, {"metadata": {"path": str(work)}})
    outs = nb.cells[0].outputs
    assert outs and outs[0].output_type == "stream", outs
    seen = json.loads(outs[0].text)
    assert seen["cwd"] == str(work) and (work / "written.txt").read_text() == "ok"
    run = os.path.dirname(seen["home"])
    assert os.path.basename(run).startswith("nlpcourse-kernel-"), seen
    assert seen["tmp"] == os.path.join(run, "tmp"), seen
    assert seen["course_visible"] is False and seen["secret"] is None, seen
    assert seen["ifaces"] == ["lo"], seen
    assert not os.path.exists(run), "the kernel's run folder outlived the kernel"


def test_a_worker_prestarts_what_every_assignment_of_its_run_needs():
    """A worker's zygote starts with the course-wide modules, and with an assignment's own only
    when every assignment of the run needs them; the others come at the first notebook."""
    from traitlets.config import Config

    from nlpcourse.course.sandbox import warm
    from nlpcourse.course.sandbox.kernel import prestart_warm

    c = Config()
    c.SandboxKernelManager.warm = True
    c.SandboxKernelManager.warm_imports = ["json"]
    c.SandboxKernelManager.warm_imports_by_assignment = {"t1": ["csv", "wave"], "t2": ["wave"]}
    try:
        for run, modules in [
            (["t1", "t2"], ("json", "wave")),
            (["t1"], ("json", "csv", "wave")),
            (["t3", "t1"], ("json",)),
            ([], ("json",)),
        ]:
            warm.stop_all()
            prestart_warm(c, run)
            assert [z.modules for z in warm._ZYGOTES.values()] == [modules], run
    finally:
        warm.stop_all()
