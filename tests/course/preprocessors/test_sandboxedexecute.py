"""SandboxedExecute: nbgrader's Execute with the sandboxed kernel; it caps a cell's output,
scores a kernel death as an error in that cell and every later one, runs a cell's check in the
grader after it, and refuses to run without a sandbox or without checks."""

from __future__ import annotations

import nbformat
import pytest

from nlpcourse.course import verdicts
from nlpcourse.course.preprocessors import SandboxedExecute, sandboxedexecute
from nlpcourse.course.preprocessors.applyverdicts import DIED_KEY, KEY
from nlpcourse.course.sandbox import SandboxUnavailable


def _graded(src: str, gid: str):
    meta = {"grade_id": gid, "grade": True, "solution": False, "points": 2, "locked": True}
    return nbformat.v4.new_code_cell(src, metadata={"nbgrader": meta})


def _run(tmp_path, cells, resources=None, **kw):
    nb = nbformat.v4.new_notebook(cells=cells)
    res = {"metadata": {"path": str(tmp_path)}, **(resources or {})}
    SandboxedExecute(timeout=60, **kw).preprocess(nb, res)
    return nb, res


def test_output_is_capped_with_a_note(tmp_path):
    nb, _ = _run(tmp_path, [nbformat.v4.new_code_cell("for i in range(500): print('x' * 100)")],
                 max_output_bytes=5_000)  # fmt: skip
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert len(text) < 6_000 and "[output cut at 5000 bytes by the autograder]" in text


def test_a_dead_kernel_scores_its_cell_and_every_later_one(tmp_path):
    cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("import os; os._exit(3)"),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    nb, _ = _run(tmp_path, cells)
    died = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    later = nb.cells[2].outputs
    assert died and died[0].ename == "KernelDied", nb.cells[1].outputs
    assert [o.ename for o in later] == ["KernelDied"] and "not run" in later[0].evalue


def test_a_check_runs_in_the_grader_after_its_cell(tmp_path, monkeypatch):
    """The cell's check asks the kernel for a value; the verdict lands in resources (what
    ApplyVerdicts turns into the cell's score), whatever the kernel printed."""
    source = tmp_path / "source"
    (source / "t1" / "hidden").mkdir(parents=True)
    (source / "t1" / "hidden" / "checks.py").write_text(
        "from nlpcourse.course.verdicts import check\n\n"
        "@check('test_double')\n"
        "def double(k, rng, r):\n"
        "    r.expect(k.call('double', 21) == 42, 'double(21) should be 42')\n"
    )
    monkeypatch.setenv("NLPCOURSE_GRADER_SECRET", "t")
    work = tmp_path / "work"
    work.mkdir()
    cells = [
        nbformat.v4.new_code_cell("def double(x):\n    return x + 1"),
        _graded("print('all tests passed')", "test_double"),
    ]
    res = {"nbgrader": {"assignment": "t1", "student": "s1"}}
    _, res = _run(work, cells, res, source_dir=str(source))
    verdict = res[KEY]["test_double"]
    assert verdict.fraction == 0 and "double(21) should be 42" in " ".join(verdict.lines)
    assert DIED_KEY not in res


def test_no_checks_for_autograded_cells_is_the_instructors_error(tmp_path):
    (tmp_path / "source" / "t1").mkdir(parents=True)
    res = {"nbgrader": {"assignment": "t1", "student": "s1"}}
    with pytest.raises(verdicts.ChecksError, match="checks.py is missing"):
        _run(tmp_path, [_graded("assert True", "test_x")], res,
             source_dir=str(tmp_path / "source"))  # fmt: skip


def test_refuses_without_a_sandbox_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(sandboxedexecute, "bwrap_problem", lambda: "bwrap is missing (test)")
    monkeypatch.delenv("NLPCOURSE_ALLOW_UNSANDBOXED", raising=False)
    with pytest.raises(SandboxUnavailable, match="Refusing to run student code"):
        _run(tmp_path, [nbformat.v4.new_code_cell("1")])


def test_the_course_config_gives_plain_tracebacks(tmp_path):
    """The pack's nbgrader_config.py starts grading kernels with IPython's xmode Plain: an error
    shows as Python's own traceback (frames and message), not the highlighted source context
    that IPython's default mode takes 10-60 ms to format in a fresh kernel."""
    import re

    from conftest import ROOT

    from nlpcourse.course.autograde.nbgrader_app import course_app
    from nlpcourse.course.sandbox import warm

    config = course_app(ROOT).config
    src = "def f():\n    raise ValueError('no')\n\nf()"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)])
    try:
        SandboxedExecute(config=config, timeout=60).preprocess(
            nb, {"metadata": {"path": str(tmp_path)}}
        )
    finally:
        warm.stop_all()
    (err,) = [o for o in nb.cells[0].outputs if o.get("output_type") == "error"]
    text = re.sub(r"\x1b\[[0-9;]*m", "", "".join(err["traceback"]))
    assert text.startswith("Traceback (most recent call last)"), text
    assert "---->" not in text and "ValueError: no" in text, text
