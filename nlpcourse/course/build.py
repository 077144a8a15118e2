"""Build: turn a text notebook (jupytext py:percent) into the .ipynb that nbgrader reads.

An author writes ``source/<a>/<a>.py``. Cell headers carry nbgrader metadata in jupytext's
``key=value`` form, and only what matters needs saying; the build fills in the rest::

    # %% nbgrader={"grade_id": "dropout_scale", "solution": true}        solution cell
    # %% nbgrader={"grade_id": "test_dropout_scale", "grade": true, "points": 5}   test cell
    # %% [markdown] nbgrader={"grade_id": "gamma_derivation", "solution": true,
    #      "grade": true, "points": 15}                                   written answer
    # %% tags=["setup"]                                                   the setup cell

The build also
- locks every markdown cell the author did not mark (question text stays intact and is
  restored by autograde if a student edits it),
- puts an "Open in Colab" badge on top and the Colab install lines into the setup cell, both
  made from the students' repository and the release tag named in :mod:`nlpcourse.config`,
  and turns markdown links to the package written from the repository's root
  (``[`nlpcourse/gpt.py`](nlpcourse/gpt.py)``) into links to that file at the tag,
- gives each cell a stable id (its grade_id, or its position), so that a rebuild of the same
  text gives the same bytes.

Mistakes in the metadata stop the build with the cell number and the fix.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import nbformat

from nlpcourse import config

SCHEMA_VERSION = 3
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: A markdown link to a file of the student package, written from the repository's root:
#: ``[`nlpcourse/gpt.py`](nlpcourse/gpt.py)``.
_PACKAGE_LINK = re.compile(r"\]\((nlpcourse/[\w./-]+)\)")
_NB_KEYS = {"grade_id", "grade", "solution", "locked", "points", "task", "schema_version"}


class BuildError(ValueError):
    """A text notebook that cannot be built; the message names the cell and the fix."""


def _badge_cell(assignment: str) -> nbformat.NotebookNode:
    url = config.colab_url(assignment)
    text = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["nbgrader"] = _normalise({"grade_id": "colab_badge", "locked": True}, 0)
    return cell


#: The Colab bootstrap, with the release's tag (@TAG@) and the students' repository (@URL@).
_BOOTSTRAP = """\
# Course release @TAG@. On Colab the first run installs the course package of this
# release; elsewhere, where it is missing, one line says how to install it.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("nlpcourse") is None:
    url = os.environ.get("NLPCOURSE_REPOSITORY_URL", "@URL@")
    spec = f"nlpcourse @ git+{url}@@TAG@"
    try:
        in_colab = importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):
        in_colab = False
    if not in_colab:
        print(f"nlpcourse is not installed for this kernel ({sys.executable}): run %pip"
              f' install "{spec}" in a cell, then restart the kernel (README.md, "For students").')
    else:
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-color", spec]
        done = subprocess.run(pip, capture_output=True, text=True)
        if done.returncode != 0:
            said = [s.strip() for s in done.stderr.splitlines() if s.strip()]
            said = [s for s in said if s.startswith(("ERROR", "fatal"))] or said[-1:]

            class SetupFailed(Exception):
                def _render_traceback_(self):  # Jupyter shows this, not a traceback
                    return [str(self)]

            raise SetupFailed(
                f"Could not install the course package from {url} at @TAG@"
                f" (pip said: {' / '.join(said) or 'nothing'}). Check that the runtime is"
                " online, then run this cell again; if it fails again, use Runtime >"
                " Disconnect and delete runtime and run it once more. Still failing: tell"
                " your instructor, with this message."
            )
"""


def bootstrap_lines() -> str:
    """The lines put in front of every setup cell: on Colab, install the student package from
    the students' repository at the release's tag; elsewhere, if it is missing, one line saying
    what to install and how (then ``import nlpcourse`` fails on the package's own name, not on
    Colab's). A failed install stops the cell with one plain message (what failed, the URL, what
    to try), not a traceback: IPython shows an exception's ``_render_traceback_`` instead.

    Colab is told by an importable ``google.colab``; looking for it never raises (there may be
    no ``google`` package at all, or a ``google`` that is a plain module).
    ``NLPCOURSE_REPOSITORY_URL`` (tests: a local ``file://`` repository) replaces the repository;
    the tag stays the release's."""
    return _BOOTSTRAP.replace("@TAG@", config.check_tag(config.RELEASE_TAG)).replace(
        "@URL@", config.repository_url()
    )


def _normalise(meta: dict, index: int) -> dict:
    unknown = set(meta) - _NB_KEYS
    if unknown:
        raise BuildError(
            f"cell {index}: unknown nbgrader key(s) {sorted(unknown)}; allowed: {sorted(_NB_KEYS)}"
        )
    gid = meta.get("grade_id")
    if not isinstance(gid, str) or not _ID_RE.match(gid):
        raise BuildError(
            f"cell {index}: nbgrader metadata needs a grade_id of letters, digits, '_' or '-' "
            f'(got {gid!r}); e.g. nbgrader={{"grade_id": "dropout_scale", "solution": true}}'
        )
    out = {
        "grade": bool(meta.get("grade", False)),
        "grade_id": gid,
        "locked": bool(meta.get("locked", not meta.get("solution", False))),
        "schema_version": SCHEMA_VERSION,
        "solution": bool(meta.get("solution", False)),
        "task": bool(meta.get("task", False)),
    }
    if out["solution"] and out["locked"]:
        raise BuildError(f"cell {index} ({gid}): a solution cell cannot be locked")
    if out["grade"] or out["task"]:
        pts = meta.get("points")
        if not isinstance(pts, (int, float)) or pts <= 0:
            raise BuildError(
                f'cell {index} ({gid}): a graded cell needs "points": a positive number'
            )
        out["points"] = pts
    elif "points" in meta:
        raise BuildError(f"cell {index} ({gid}): points given but the cell is not graded")
    return out


def _auto_id(source: str, taken: set[str]) -> str:
    base = "md_" + hashlib.sha1(source.encode()).hexdigest()[:8]
    gid, n = base, 1
    while gid in taken:
        n += 1
        gid = f"{base}_{n}"
    return gid


def notebook_from_text(text: str, assignment: str) -> nbformat.NotebookNode:
    """The nbgrader notebook for one text notebook (no file access)."""
    import jupytext

    nb = jupytext.reads(text, fmt="py:percent")
    cells = [_badge_cell(assignment)]
    taken = {"colab_badge"}
    setup_cells = 0
    for i, cell in enumerate(nb.cells, start=1):
        cell.pop("id", None)
        meta = dict(cell.metadata)
        nbmeta = meta.pop("nbgrader", None)
        tags = meta.get("tags", [])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.source = _PACKAGE_LINK.sub(lambda m: f"]({config.blob_url(m[1])})", cell.source)
        if "setup" in tags:
            setup_cells += 1
            if cell.cell_type != "code" or "setup_notebook(" not in cell.source:
                raise BuildError(
                    f"cell {i}: the cell tagged setup must be code calling "
                    f'nlpcourse.setup_notebook("{assignment}", ...)'
                )
            if not re.search(rf'setup_notebook\(\s*"{re.escape(assignment)}"', cell.source):
                raise BuildError(
                    f"cell {i}: the setup cell names another assignment; it must call "
                    f'nlpcourse.setup_notebook("{assignment}", ...)'
                )
            cell.source = bootstrap_lines() + cell.source
            nbmeta = nbmeta or {"grade_id": "setup", "locked": True}
        if nbmeta is None and cell.cell_type == "markdown":
            nbmeta = {"grade_id": _auto_id(cell.source, taken), "locked": True}
        if nbmeta is not None:
            if not isinstance(nbmeta, dict):
                raise BuildError(f"cell {i}: nbgrader metadata must be a JSON object")
            nbmeta = _normalise(nbmeta, i)
            if nbmeta["grade_id"] in taken:
                raise BuildError(
                    f"cell {i}: grade_id {nbmeta['grade_id']!r} is used twice; grade_ids must "
                    "be unique within a notebook"
                )
            taken.add(nbmeta["grade_id"])
            meta["nbgrader"] = nbmeta
        cell.metadata = nbformat.NotebookNode(meta)
        cells.append(cell)
    if setup_cells != 1:
        raise BuildError(
            f"{assignment}: found {setup_cells} cells tagged setup; exactly one code cell "
            f'tagged setup must call nlpcourse.setup_notebook("{assignment}", ...)'
        )
    first_code = next(c for c in cells if c.cell_type == "code")
    if "setup" not in first_code.metadata.get("tags", []):
        raise BuildError(f"{assignment}: the setup cell must be the first code cell")
    for i, cell in enumerate(cells):
        nbm = cell.metadata.get("nbgrader")
        cell["id"] = nbm["grade_id"] if nbm else f"cell-{i}"
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = nbformat.NotebookNode(
        {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    out.nbformat, out.nbformat_minor = 4, 5
    nbformat.validate(out)
    return out


def build_assignment(root: Path, assignment: str) -> Path:
    """Write ``source/<a>/<a>.ipynb`` from ``source/<a>/<a>.py``; returns the notebook path."""
    src = root / "source" / assignment / f"{assignment}.py"
    if not src.is_file():
        raise BuildError(f"no text notebook at {src}: an assignment is source/<a>/<a>.py")
    try:
        nb = notebook_from_text(src.read_text(encoding="utf-8"), assignment)
    except BuildError as exc:
        raise BuildError(f"{src}: {exc}") from None
    dest = src.with_suffix(".ipynb")
    text = nbformat.writes(nb) + "\n"
    if not dest.exists() or dest.read_text(encoding="utf-8") != text:
        # Write then rename: a reader (another test worker, a running nbgrader) never sees
        # half a notebook.
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, dest)
    return dest


def nbgrader_cells(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """grade_id -> nbgrader metadata, for every marked cell of a notebook."""
    return {
        c.metadata["nbgrader"]["grade_id"]: dict(c.metadata["nbgrader"])
        for c in nb.cells
        if "nbgrader" in c.metadata
    }


def points_table(nb: nbformat.NotebookNode) -> dict[str, float]:
    """grade_id -> points of every graded cell."""
    return {k: v["points"] for k, v in nbgrader_cells(nb).items() if v.get("grade")}
