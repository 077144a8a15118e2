"""Preflight: an assignment's setup cell alone in a grading kernel, before any student's
code runs, so that a broken grading environment stops the run instead of scoring 0s.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from nlpcourse.course.sandbox.bwrap import SandboxUnavailable


class PreflightFailed(RuntimeError):
    """The sandbox cannot run an assignment's setup cell: an environment problem, not the
    students'. The message says what failed and what to check."""


def preflight(root: str | os.PathLike, assignment: str, config=None) -> None:
    """Run ``assignment``'s released setup cell alone in a kernel set up as autograde sets up
    students' kernels (``config``: the course's nbgrader config, so the same sandbox and
    limits), in a scratch folder holding the released files. Raises :class:`PreflightFailed` if
    it does not run: without this check a kernel that cannot import the pack (seen: the course
    root's ``nlpcourse`` installed in editable mode from another folder) fails every notebook's
    first cell, silently, and every student scores 0."""
    import nbformat
    from nbgrader import utils

    # here, not at the top: the preprocessor imports this package
    from nlpcourse.course.preprocessors.sandboxedexecute import SandboxedExecute

    release = Path(root) / "release" / assignment
    nb_path = release / f"{assignment}.ipynb"
    if not nb_path.is_file():
        return  # nothing released to probe: nbgrader reports the missing release itself
    nb = nbformat.read(nb_path, as_version=4)
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    if setup is None:
        return
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source)])
    probe.metadata = nb.metadata
    with tempfile.TemporaryDirectory(prefix="nlpcourse-preflight-") as work:
        shutil.copytree(release, work, dirs_exist_ok=True)
        ep = SandboxedExecute(config=config, timeout=300)
        try:
            with utils.setenv(NBGRADER_EXECUTION="autograde"):
                ep.preprocess(probe, {"metadata": {"path": work}})
        except SandboxUnavailable:
            raise
        except Exception as exc:  # the kernel did not start or died
            what = f"{type(exc).__name__}: {exc}"
            raise PreflightFailed(_preflight_message(assignment, what)) from None
    errors = [o for o in probe.cells[0].get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        err = errors[0]
        raise PreflightFailed(_preflight_message(assignment, f"{err.ename}: {err.evalue}"))


def _preflight_message(assignment: str, what: str) -> str:
    import nlpcourse

    return (
        f"Nothing of {assignment} was graded: its setup cell fails in the grading kernel before "
        f"any student code runs ({what[:400]}). This is the grading machine's environment, not the "
        "submissions. The kernel sees only the Python install and the folder this process "
        f"imported nlpcourse from ({Path(nlpcourse.__file__).resolve().parent}): install the pack "
        "into this environment from the course root (`make install`, or `pip install -e "
        "'.[instructor]'`) and check that `python -c 'import nlpcourse, numpy, torch'` works, "
        "then grade again."
    )
