"""``nlpcourse report A``: how a class did on one assignment, read from the gradebook.

Per question: the score distribution (a seaborn strip + box plot of the fraction of points
each student got), the questions most students miss, late submissions (after the due date,
extensions included), outliers (totals outside Tukey's fences, 1.5 IQR beyond the quartiles),
and written answers still waiting for a grader. Written as ``reports/<a>/report.png`` and a
self-contained ``report.html`` (the figure embedded), summarised in the terminal.
``nbgrader export`` (grades.csv) stays the way grades go to an LMS.

A question is named as its notebook's header names it ("1a. Derive γ", see
:mod:`nlpcourse.course.questions`) and scored as the sum of its graded cells; the HTML also lists
each question's grade_ids. An answer *waiting for a grader* is a question of one student with a
cell nobody has scored yet; the summary, the figure and the page count the same answers, and a
total counts them 0.
"""

from __future__ import annotations

import base64
import html
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from nlpcourse.course.autograde.gradebook import notebook_scores


@dataclass
class Score:
    student: str
    question: str  # the question's label ("1a. Derive γ"), or the grade_id of a cell under none
    score: float | None  # None: a written answer nobody has graded yet
    max_score: float
    manual: bool
    cell: str = ""  # the grade_id (empty: a whole question, see ClassReport.answers)


@dataclass
class ClassReport:
    assignment: str
    duedate: object = None
    scores: list[Score] = field(default_factory=list)
    late: dict[str, float] = field(default_factory=dict)  # student -> hours late
    questions: list[str] = field(default_factory=list)  # labels, in notebook order
    cells: dict[str, list[str]] = field(default_factory=dict)  # question -> its grade_ids

    @property
    def students(self) -> list[str]:
        return sorted({s.student for s in self.scores})

    def totals(self) -> dict[str, float]:
        out = dict.fromkeys(self.students, 0.0)
        for s in self.scores:
            out[s.student] += s.score or 0.0
        return out

    def max_total(self) -> float:
        return sum(self.max_of(q) for q in self.questions)

    def max_of(self, q: str) -> float:
        return sum({s.cell: s.max_score for s in self.scores if s.question == q}.values())

    def answers(self) -> list[Score]:
        """One score per student and question: the sum of its cells, None while one of them
        waits for a grader."""
        out: dict[tuple[str, str], Score] = {}
        for s in self.scores:
            key = (s.student, s.question)
            if key not in out:
                out[key] = Score(s.student, s.question, 0.0, 0.0, False)
            a = out[key]
            a.score = None if a.score is None or s.score is None else a.score + s.score
            a.max_score += s.max_score
            a.manual = a.manual or s.manual
        return list(out.values())

    def pending(self) -> dict[str, int]:
        """question -> number of answers (students) waiting for a grader, in notebook order."""
        out: dict[str, int] = {}
        for a in self.answers():
            if a.score is None:
                out[a.question] = out.get(a.question, 0) + 1
        return {q: out[q] for q in [*self.questions, *out] if q in out}

    def waiting(self) -> int:
        """How many answers wait for a grader, all questions together."""
        return sum(self.pending().values())

    def missed(self) -> list[tuple[str, float, float]]:
        """(question, share of graded students without full points, mean fraction scored),
        most missed first."""
        answers = self.answers()
        rows = []
        for q in self.questions:
            got = [s for s in answers if s.question == q and s.score is not None]
            if not got or not got[0].max_score:
                continue
            short = sum(s.score < s.max_score for s in got) / len(got)
            mean = statistics.fmean(s.score / s.max_score for s in got)
            rows.append((q, short, mean))
        return sorted(rows, key=lambda r: (-r[1], r[2], r[0]))

    def outliers(self) -> dict[str, float]:
        """student -> total, for totals outside Tukey's fences (needs 4+ students); students
        with an answer still to grade have no final total and are left out."""
        waiting = {s.student for s in self.scores if s.score is None}
        totals = {s: t for s, t in self.totals().items() if s not in waiting}
        if len(totals) < 4:
            return {}
        q1, _, q3 = statistics.quantiles(totals.values(), n=4, method="inclusive")
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        return {s: t for s, t in sorted(totals.items()) if t < lo or t > hi}


def _totals_note(rep: ClassReport) -> str:
    """What a total leaves out, in the words both the summary and the figure use."""
    n = rep.waiting()
    if not n:
        return "every answer graded"
    return f"{n} answer{'s' if n != 1 else ''} waiting for a grader counted as 0"


def collect(
    db_url: str,
    assignment: str,
    course_id: str = "nlpcourse",
    questions: list | None = None,
) -> ClassReport:
    """Every submission's scores of ``assignment`` from the gradebook; ``questions`` (from
    :func:`nlpcourse.course.questions.of_assignment`) groups the cells by question and names them,
    else each cell is a question named by its grade_id."""
    from nbgrader.api import Gradebook, MissingEntry

    from nlpcourse.course.questions import by_cell

    owner = by_cell(questions or [])

    def label(gid: str) -> str:
        return owner[gid].label if gid in owner else gid

    with Gradebook(db_url, course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(
                f"no assignment {assignment!r} in the gradebook {db_url}: release it and "
                f"autograde it first (`nlpcourse autograde {assignment}`)"
            ) from None
        rep = ClassReport(assignment, duedate=a.duedate)
        for nb in a.notebooks:
            for c in nb.grade_cells:
                q = label(c.name)
                if q not in rep.cells:
                    rep.questions.append(q)
                rep.cells.setdefault(q, []).append(c.name)
        for sub in a.submissions:
            if sub.total_seconds_late > 0:
                rep.late[sub.student.id] = sub.total_seconds_late / 3600
            for nb in sub.notebooks:
                for g in notebook_scores(nb).values():
                    rep.scores.append(
                        Score(
                            sub.student.id, label(g.grade_id), g.score, g.max_score, g.manual,
                            g.grade_id,
                        )
                    )  # fmt: skip
    if not rep.scores:
        raise ValueError(
            f"no graded submissions of {assignment} in {db_url}: run "
            f"`nlpcourse autograde {assignment}` first"
        )
    return rep


def _short(label: str, width: int = 40) -> str:
    """A question's label short enough for the figure's axis."""
    return label if len(label) <= width else label[: width - 1] + "…"


def plot(rep: ClassReport, path: Path) -> Path:
    """Per-question score distributions (fraction of the points) and the totals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    rows = [
        {"question": _short(s.question), "fraction": s.score / s.max_score}
        for s in rep.answers()
        if s.score is not None and s.max_score
    ]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(12, max(3.0, 0.45 * len(rep.questions) + 1.5)), width_ratios=[2, 1]
    )
    order = [_short(q) for q in rep.questions if any(r["question"] == _short(q) for r in rows)]
    data = {"question": [r["question"] for r in rows], "fraction": [r["fraction"] for r in rows]}
    sns.boxplot(
        data=data, x="fraction", y="question", order=order, color="0.9", showfliers=False, ax=ax1
    )
    sns.stripplot(data=data, x="fraction", y="question", order=order, alpha=0.6, ax=ax1)
    ax1.set(xlim=(-0.05, 1.05), xlabel="fraction of the question's points", ylabel="")
    ax1.set_title(f"{rep.assignment}: score per question ({len(rep.students)} students)")
    sns.histplot(list(rep.totals().values()), bins=10, binrange=(0, rep.max_total()), ax=ax2)
    ax2.set(xlabel=f"total of {rep.max_total():g}\n({_totals_note(rep)})", ylabel="students")
    ax2.set_title("totals")
    ax2.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def summary(rep: ClassReport, top: int = 3) -> str:
    """The terminal summary."""
    totals = rep.totals()
    vals = sorted(totals.values())
    lines = [
        f"{rep.assignment}: {len(totals)} submissions; total of {rep.max_total():g} "
        f"({_totals_note(rep)}): median {statistics.median(vals):g}, "
        f"mean {statistics.fmean(vals):.1f}, min {vals[0]:g}, max {vals[-1]:g}",
        "most missed (share of students without full points, mean fraction scored):",
    ]
    for q, short, mean in rep.missed()[:top]:
        lines.append(f"  {q}: {short:.0%} missed, mean {mean:.0%}")
    if rep.late:
        late = ", ".join(f"{s} ({h:.1f} h)" for s, h in sorted(rep.late.items()))
        lines.append(f"late ({len(rep.late)}): {late}")
    else:
        lines.append("late: none" + ("" if rep.duedate else " (the assignment has no due date)"))
    out = rep.outliers()
    lines.append(
        "outliers (fully graded totals beyond 1.5 IQR from the quartiles): "
        + (", ".join(f"{s} ({t:g})" for s, t in out.items()) if out else "none")
    )
    pending = rep.pending()
    if pending:
        n = rep.waiting()
        lines.append(
            f"waiting for a grader (nbgrader formgrader): {n} answer{'s' if n != 1 else ''}: "
            + ", ".join(f"{q} ×{k}" for q, k in pending.items())
        )
    return "\n".join(lines)


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><tr>{th}</tr>{trs}</table>"


def write_html(rep: ClassReport, png: Path, path: Path) -> Path:
    img = base64.b64encode(png.read_bytes()).decode()
    totals = rep.totals()
    ids = {q: ", ".join(rep.cells.get(q, [q])) for q in rep.questions}
    missed = [[q, ids[q], f"{s:.0%}", f"{m:.0%}"] for q, s, m in rep.missed()]
    waiting = [[q, ids.get(q, q), n] for q, n in rep.pending().items()]
    late = [[s, f"{h:.1f}"] for s, h in sorted(rep.late.items())]
    outl = [[s, f"{t:g}"] for s, t in rep.outliers().items()]
    body = [
        f"<h1>{html.escape(rep.assignment)}: class report</h1>",
        f"<pre>{html.escape(summary(rep))}</pre>",
        f'<img alt="score distributions" src="data:image/png;base64,{img}">',
        "<h2>Questions, most missed first</h2>",
        _table(["question", "grade_id", "students without full points", "mean fraction"], missed),
        "<h2>Waiting for a grader</h2>",
        _table(["question", "grade_id", "answers"], waiting) if waiting else "<p>none</p>",
        "<h2>Late submissions</h2>",
        _table(["student", "hours late"], late) if late else "<p>none</p>",
        "<h2>Outliers</h2>",
        _table(["student", "total"], outl) if outl else "<p>none</p>",
        "<h2>Totals</h2>",
        _table(["student", "total"], [[s, f"{t:g}"] for s, t in sorted(totals.items())]),
    ]
    style = "body{font-family:sans-serif;max-width:70em}td,th{padding:2px 10px;text-align:left}"
    path.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{rep.assignment} report"
        f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n",
        encoding="utf-8",
    )
    return path


def make_report(root: Path, assignment: str, out: Path | None = None) -> tuple[str, Path, Path]:
    """Collect, plot and write the report of ``assignment``; returns (summary, png, html)."""
    from nlpcourse.course import questions
    from nlpcourse.course.autograde.nbgrader_app import _env, course_app

    _env()
    coursedir = course_app(Path(root)).coursedir
    qs = questions.of_assignment(Path(root), assignment)
    rep = collect(coursedir.db_url, assignment, coursedir.course_id, qs)
    out = Path(out or Path(root) / "reports" / assignment)
    png = plot(rep, out / "report.png")
    page = write_html(rep, png, out / "report.html")
    return summary(rep), png, page
