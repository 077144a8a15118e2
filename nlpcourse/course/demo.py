"""``make demo``: the instructor's whole loop on fake students, offline, in the course root.

For every assignment: build and release, hand in three submissions (the reference solution,
the untouched release, and the assignment's ``partly_wrong`` test case), autograde them with
the engine of ``nlpcourse autograde`` (nbgrader's Autograde converter, a worker per core) into
the course's SQLite gradebook, and print the scores: one line per
question (as the notebook numbers and names it), the three students side by side, in 100
columns.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from nlpcourse import config, settings
from nlpcourse.course import autograde, questions, submissions
from nlpcourse.course import release as rel


def demo_cases(root: Path, assignment: str) -> dict[str, submissions.Case]:
    cases = {
        "alice_reference": submissions.Case(name="reference", description="reference"),
        "bob_blank": submissions.Case(name="blank", description="blank", base="blank", lose="all"),
    }
    partial = root / "tests" / "submissions" / assignment / "partly_wrong.py"
    if partial.exists():
        cases["carol_partly_wrong"] = submissions.load_case(partial)
    return cases


def sandbox_choice() -> tuple[dict[str, str], str | None]:
    """(extra environment for nbgrader, a note or None).

    The demo's submissions are the pack's own samples, so they are trusted: where bubblewrap
    is missing or cannot start, they are graded without a sandbox, and the note says so and how
    to turn it on. With bubblewrap present they are graded in it, as students' work is."""
    from nlpcourse.course import sandbox

    problem = sandbox.bwrap_problem()
    if problem is None:
        return {}, None
    return {"NLPCOURSE_ALLOW_UNSANDBOXED": "1"}, textwrap.fill(
        f"Note: {problem}, so the demo grades its own sample submissions (trusted) without a "
        "sandbox. Students' work is never graded so: install bubblewrap (Debian/Ubuntu: "
        "`sudo apt-get install bubblewrap`) and `make demo` uses it.",
        width=100,
        break_on_hyphens=False,
        break_long_words=False,
    )


def run_demo(root: Path, names: list[str] | None = None) -> str:
    names = names or config.assignments(root)
    env, note = sandbox_choice()
    if note:
        print(note, flush=True)
    rel.release(root, names)
    report = []
    for a in names:
        rel_nb = root / "release" / a / f"{a}.ipynb"
        src_nb = root / "source" / a / f"{a}.ipynb"
        cases = demo_cases(root, a)
        for student, case in cases.items():
            submissions.hand_in(root, a, student, submissions.make_submission(rel_nb, src_nb, case))
        autograde.autograde_class(root, [a], students=list(cases), progress=False, env=env)
        db_url = settings.db_url(root)
        results = []
        for student, case in cases.items():
            scores = submissions.read_scores(db_url, a, student)
            shown = submissions.Case(name=student, description=case.description, lose=case.lose)
            results.append(submissions.CaseResult(shown, scores, []))
        table = submissions.format_by_question(results, questions.of_assignment(root, a))
        report.append(f"\n== {a} ==\n{table}")
    if note:
        report.append(f"\n{note}")
    report.append(
        "\nmanual: a written answer waiting for a grader in formgrader (`nbgrader formgrader`).\n"
        "Gradebook: gradebook.db · executed notebooks: autograded/\n"
        "Feedback: `nbgrader generate_feedback <assignment>`"
    )
    return "\n".join(report)
