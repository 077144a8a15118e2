"""Questions of a notebook: its numbered headers and the graded cells under each.

A question is a markdown header as the notebooks write it, ``### 1b. `dropout_scale` (8
points)`` or ``### 1a. Derive γ (15 points, written)``; every graded cell below it, up to the
next question, belongs to it. ``make demo``'s table and ``nlpcourse report`` name a question
the way its notebook does ("1b. dropout_scale") rather than by a cell's grade_id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(
    r"^###\s+(?P<number>\d+[a-z]*(?:[–-][a-z]+)?)\.\s+(?P<title>.+?)\s*"
    r"\((?P<points>\d+(?:\.\d+)?) points?(?P<written>, written)?[^()]*\)\s*$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Question:
    number: str  # "1b", "2b–c"
    title: str  # the header's words, markdown backticks dropped
    points: float  # as the header says
    written: bool  # the header says "written": graded by hand
    cells: tuple[str, ...]  # grade_ids of its graded cells, in notebook order

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"


def _code_names(title: str) -> list[str]:
    return re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)", title)


def of_notebook(nb) -> list[Question]:
    """The questions of an nbgrader notebook, in order; a graded cell above the first
    question header belongs to none. Where one markdown cell holds several headers (one task
    in two questions), a graded cell goes to the one whose `name` its grade_id contains,
    else to the last of them."""
    found: list[tuple[re.Match, list[str]]] = []
    group: list[tuple[re.Match, list[str]]] = []  # the headers of the latest header cell
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heads = [(m, []) for m in _HEADER.finditer(cell.source)]
            if heads:
                found += heads
                group = heads
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and group:
            gid = meta["grade_id"]
            named = [h for h in group if any(n in gid for n in _code_names(h[0]["title"]))]
            (named or group)[-1][1].append(gid)
    return [
        Question(
            number=m["number"],
            title=m["title"].replace("`", ""),
            points=float(m["points"]),
            written=bool(m["written"]),
            cells=tuple(cells),
        )
        for m, cells in found
        if cells
    ]


def of_assignment(root: Path, assignment: str) -> list[Question]:
    """The questions of ``assignment``, read from its release (else its built source
    notebook); none when neither is there."""
    import nbformat

    for folder in ("release", "source"):
        path = Path(root) / folder / assignment / f"{assignment}.ipynb"
        if path.is_file():
            return of_notebook(nbformat.read(path, as_version=4))
    return []


def by_cell(questions: list[Question]) -> dict[str, Question]:
    """grade_id -> the question the cell belongs to."""
    return {gid: q for q in questions for gid in q.cells}
