"""Test submissions: notebooks written as a student would, autograded by real nbgrader.

A *case* is a small text file ``tests/submissions/<assignment>/<case>.py`` (jupytext percent)
that says how a student's notebook differs from the reference, and what that must cost::

    # %% [markdown] expect={"lose": ["test_dropout_scale", "test_dropout_scale_hidden"]}
    # Wrong: gamma = 1 - p, the keep probability instead of its inverse.

    # %% replace="dropout_scale"
    def dropout_scale(p_drop):
        return 1 - p_drop

The submission is the released notebook with every solution cell filled from the reference
(``base="reference"``, the default) or left as released (``base="blank"``), then each cell whose
grade_id a ``replace`` names gets the case's code. Expectation: every autograded cell listed in
``lose`` scores below its maximum, every other autograded cell scores full (``"lose": "all"``:
every one loses). A cheat adds ``"no_better_than": "<case>"``, the plain wrong answer it wraps
(graded in the same batch): no cell may score more than that case's, so the trick gains
nothing. A case may also be a whole ``<case>.ipynb``, submitted as it is.

:func:`grade_cases` builds a throw-away course root, releases the assignment there, writes the
submissions, autograds them with the engine of ``nlpcourse autograde`` (nbgrader's own
Autograde converter, in parallel workers) and reads the gradebook.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nlpcourse.course import release as rel
from nlpcourse.course.autograde.gradebook import CellScore, notebook_scores

_DELIM = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


class CaseError(ValueError):
    """A test-submission file that cannot be used; the message names the file and the fix."""


@dataclass
class Case:
    name: str
    description: str = ""
    base: str = "reference"
    lose: list[str] | str = field(default_factory=list)
    replace: dict[str, str] = field(default_factory=dict)
    notebook: Path | None = None  # a whole .ipynb case
    no_better_than: str | None = None  # a cheat: the case it may not outscore in any cell


def strip_solution_delimiters(source: str) -> str:
    """The code an ideal student writes: the solution region kept, its markers dropped."""
    return "\n".join(line for line in source.splitlines() if not _DELIM.match(line))


def load_case(path: Path) -> Case:
    name = path.stem
    if path.suffix == ".ipynb":
        return Case(name=name, description="whole notebook", notebook=path, lose="all")
    import jupytext

    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    case = Case(name=name)
    for cell in nb.cells:
        if "expect" in cell.metadata:
            exp = cell.metadata["expect"]
            if not isinstance(exp, dict):
                raise CaseError(f"{path}: expect must be a JSON object")
            case.lose = exp.get("lose", [])
            case.no_better_than = exp.get("no_better_than")
            if case.no_better_than is not None and not isinstance(case.no_better_than, str):
                raise CaseError(f"{path}: no_better_than must be the name of another case")
            case.base = cell.metadata.get("base", "reference")
            case.description = cell.source.strip()
        elif "replace" in cell.metadata:
            gid = cell.metadata["replace"]
            if gid in case.replace:
                raise CaseError(f"{path}: two cells replace {gid!r}")
            case.replace[gid] = cell.source
    if case.base not in ("reference", "blank"):
        raise CaseError(f"{path}: base must be 'reference' or 'blank', got {case.base!r}")
    if not case.description:
        raise CaseError(
            f'{path}: the first cell must be markdown with expect={{"lose": [...]}} and a '
            "sentence saying what the case is"
        )
    return case


def load_cases(folder: Path) -> list[Case]:
    files = sorted([*folder.glob("*.py"), *folder.glob("*.ipynb")])
    return [load_case(f) for f in files]


def select(cases: list[Case], names: list[str]) -> list[Case]:
    """The cases named, and the plain wrong answers the chosen cheats are held to
    (``no_better_than``): a cheat is only judged beside its case."""
    keep = set(names)
    keep |= {c.no_better_than for c in cases if c.name in keep and c.no_better_than}
    return [c for c in cases if c.name in keep]


def reference_solutions(source: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> the reference answer of each solution cell of a source notebook (the code
    an ideal student writes, solution markers dropped)."""
    return {
        c.metadata["nbgrader"]["grade_id"]: strip_solution_delimiters(c.source)
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }


def make_submission(release_nb: Path, source_nb: Path, case: Case) -> nbformat.NotebookNode:
    """The notebook a student with this case's answers would hand in."""
    if case.notebook is not None:
        return nbformat.read(case.notebook, as_version=4)
    nb = nbformat.read(release_nb, as_version=4)
    solutions = reference_solutions(nbformat.read(source_nb, as_version=4))
    known = set()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid is None:
            continue
        known.add(gid)
        if case.base == "reference" and gid in solutions:
            cell.source = solutions[gid]
        if gid in case.replace:
            cell.source = case.replace[gid]
    unknown = set(case.replace) - known
    if unknown:
        raise CaseError(f"case {case.name}: no cell with grade_id {sorted(unknown)} to replace")
    return nb


def read_scores(db_url: str, assignment: str, student: str) -> dict[str, CellScore] | None:
    """grade_id -> score for one student's notebook in the gradebook (None: not graded)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission_notebook(assignment, assignment, student)
        except MissingEntry:
            return None
        return notebook_scores(sub)


@dataclass
class CaseResult:
    case: Case
    scores: dict[str, CellScore] | None
    problems: list[str]

    @property
    def total(self) -> float:
        return sum(s.score or 0 for s in (self.scores or {}).values())


def check_expectations(case: Case, scores: dict[str, CellScore] | None) -> list[str]:
    """What in ``scores`` goes against the case's expectation (empty: as expected)."""
    if scores is None:
        return [] if case.lose == "all" else ["not graded at all"]
    auto = {k: v for k, v in scores.items() if not v.manual}
    lose = set(auto) if case.lose == "all" else set(case.lose)
    unknown = lose - set(auto)
    problems = [f"expect names unknown test cell(s) {sorted(unknown)}"] if unknown else []
    for gid, s in sorted(auto.items()):
        got = s.score or 0.0
        if gid in lose and got >= s.max_score:
            problems.append(f"{gid}: expected to lose points, scored {got}/{s.max_score}")
        if gid not in lose and got < s.max_score:
            problems.append(f"{gid}: expected full points, scored {got}/{s.max_score}")
    return problems


def check_no_better(results: list[CaseResult]) -> None:
    """Add to each cheat's problems every cell where it outscores the case it names in
    ``no_better_than`` (which must be among ``results``)."""
    by = {r.case.name: r for r in results}
    for r in results:
        name = r.case.no_better_than
        if name is None:
            continue
        base = by.get(name)
        if base is None:
            r.problems.append(f"no_better_than names {name!r}, which was not graded with it")
            continue
        if r.scores is None:
            continue  # not graded at all: nothing gained (check_expectations said so)
        for gid, s in sorted(r.scores.items()):
            b = (base.scores or {}).get(gid)
            floor = (b.score or 0.0) if b is not None else 0.0
            if not s.manual and (s.score or 0.0) > floor + 1e-9:
                r.problems.append(f"{gid}: {s.score} beats {name}'s {floor}: the trick gained")


def student_id(case_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", case_name)


def hand_in(course: Path, assignment: str, student: str, nb: nbformat.NotebookNode) -> Path:
    """Put ``nb`` where ``nbgrader autograde`` looks for ``student``'s submission, next to the
    released supporting files a student has; replaces an earlier hand-in."""
    sdir = course / "submitted" / student / assignment
    if sdir.exists():
        shutil.rmtree(sdir)
    sdir.mkdir(parents=True)
    for extra in (course / "release" / assignment).iterdir():
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy2(extra, sdir / extra.name)
    nbformat.write(nb, sdir / f"{assignment}.ipynb")
    return sdir


def grade_cases(
    root: Path,
    assignment: str,
    cases: list[Case],
    workdir: Path | None = None,
    workers: int | None = None,
    env: dict[str, str] | None = None,
) -> tuple[list[CaseResult], str]:
    """Autograde ``cases`` in a fresh course root with the engine of ``nlpcourse autograde``
    (:func:`nlpcourse.autograde.autograde_class`: nbgrader's Autograde converter in ``workers``
    processes, default one per core); returns the results and the run's log. ``env`` is extra
    environment for the run (:func:`~nlpcourse.autograde.autograde_class`)."""
    from nlpcourse.course import autograde

    tmp = Path(workdir or tempfile.mkdtemp(prefix=f"nlpcourse-{assignment}-"))
    course = rel.copy_course(root, tmp, [assignment])
    # The scratch course's own gradebook, never the instructor's shared one.
    env = {**(env or {}), "NLPCOURSE_DB_URL": f"sqlite:///{course / 'gradebook.db'}"}
    rel.release(course, [assignment], write_registry=False, env=env)
    src_nb = course / "source" / assignment / f"{assignment}.ipynb"
    rel_nb = course / "release" / assignment / f"{assignment}.ipynb"
    for case in cases:
        hand_in(course, assignment, student_id(case.name), make_submission(rel_nb, src_nb, case))
    summary = autograde.autograde_class(
        course, [assignment], workers=workers, progress=False, env=env
    )
    results = []
    for case in cases:
        scores = read_scores(env["NLPCOURSE_DB_URL"], assignment, student_id(case.name))
        results.append(CaseResult(case, scores, check_expectations(case, scores)))
    check_no_better(results)
    log = summary.log_file.read_text(encoding="utf-8") if summary.log_file else ""
    return results, f"{summary.text()}\n{log}"


def format_table(results: list[CaseResult], first: str = "case", verdicts: bool = True) -> str:
    """A plain-text table: one row per case (or student), one numbered column per graded
    cell with a legend underneath, the autograded total, and the verdict."""
    ids: list[str] = []
    maxima: dict[str, CellScore] = {}
    for r in results:
        for gid, s in (r.scores or {}).items():
            if gid not in ids:
                ids.append(gid)
                maxima[gid] = s
    auto_max = sum(s.max_score for s in maxima.values() if not s.manual)
    width = max([len(r.case.name) for r in results] + [len(first)])
    cols = [f"[{i + 1}]" for i in range(len(ids))]
    colw = max([len(c) for c in cols] + [9])
    head = f"{first:<{width}} " + " ".join(f"{c:>{colw}}" for c in cols)
    head += f" {'auto total':>12}" + ("  verdict" if verdicts else "")
    lines = [head, "-" * len(head)]
    for r in results:
        cells = []
        for gid in ids:
            s = (r.scores or {}).get(gid)
            if s is None:
                cells.append(f"{'-':>{colw}}")
            elif s.manual:
                cells.append(f"{'manual':>{colw}}")
            else:
                cells.append(
                    f"{format(s.score or 0, 'g') + '/' + format(s.max_score, 'g'):>{colw}}"
                )
        total = f"{format(r.total, 'g')}/{format(auto_max, 'g')}" if r.scores else "not graded"
        row = f"{r.case.name:<{width}} " + " ".join(cells) + f" {total:>12}"
        if verdicts:
            row += "  " + ("ok" if not r.problems else "UNEXPECTED: " + "; ".join(r.problems))
        lines.append(row)
    lines.append("")
    for col, gid in zip(cols, ids, strict=True):
        s = maxima[gid]
        kind = "written, graded by hand" if s.manual else "autograded"
        lines.append(f"{col:>5} {gid} ({format(s.max_score, 'g')} points, {kind})")
    return "\n".join(lines)


def format_by_question(results: list[CaseResult], questions: list, width: int = 100) -> str:
    """A plain-text table that fits ``width`` columns: one line per question of the notebook
    (its number, name and points, written ones marked; see :mod:`nlpcourse.course.questions`), the
    students side by side, then the autograded and the written totals. A graded cell that
    belongs to no question gets a line of its own, named by its grade_id. ``manual``: a written
    answer waiting for a grader."""
    from nlpcourse.course.questions import Question

    cells: dict[str, CellScore] = {}
    for r in results:
        for gid, s in (r.scores or {}).items():
            cells.setdefault(gid, s)
    rows = [q for q in questions if any(g in cells for g in q.cells)]
    grouped = {g for q in rows for g in q.cells}
    rows += [
        Question(gid, "", s.max_score, s.manual, (gid,))
        for gid, s in cells.items()
        if gid not in grouped
    ]

    def cell(r: CaseResult, gids) -> str:
        got = [r.scores[g] for g in gids if r.scores and g in r.scores]
        if not got:
            return "-"
        done = format(sum(s.score or 0 for s in got if not s.waiting), "g")
        if not any(s.waiting for s in got):
            return done
        return "manual" if all(s.waiting for s in got) else f"{done}+manual"

    def points(gids, written: bool) -> str:
        total = format(sum(cells[g].max_score for g in gids if g in cells), "g")
        return f"{total} written" if written else total

    lines: list[tuple[str, str, list[str]]] = []
    for q in rows:
        written = q.written or any(cells[g].manual for g in q.cells if g in cells)
        label = q.label if q.title else q.cells[0]
        lines.append((label, points(q.cells, written), [cell(r, q.cells) for r in results]))
    auto = [g for g, s in cells.items() if not s.manual]
    hand = [g for g, s in cells.items() if s.manual]
    totals = [("autograded total", points(auto, False), [cell(r, auto) for r in results])]
    if hand:
        totals.append(("written total", points(hand, False), [cell(r, hand) for r in results]))
    colw = [
        max(len(r.case.name), *(len(line[2][i]) for line in lines + totals))
        for i, r in enumerate(results)
    ]
    ptw = max(len("points"), *(len(line[1]) for line in lines + totals))
    room = max(12, width - ptw - sum(w + 2 for w in colw) - 2)
    labw = min(room, max(len("question"), *(len(line[0]) for line in lines + totals)))

    def fmt(label: str, pts: str, vals: list[str]) -> str:
        if len(label) > labw:
            label = label[: labw - 1] + "…"
        row = f"{label:<{labw}}  {pts:>{ptw}}" + "".join(
            f"  {v:>{w}}" for v, w in zip(vals, colw, strict=True)
        )
        return row.rstrip()

    head = fmt("question", "points", [r.case.name for r in results])
    out = [head, "-" * len(head)]
    out += [fmt(*line) for line in lines]
    out.append("-" * len(head))
    out += [fmt(*line) for line in totals]
    return "\n".join(out)
