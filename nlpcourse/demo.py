"""``make demo``: the instructor's whole loop on fake students, offline, in the course root.

For every assignment: build and release, hand in three submissions (the reference solution,
the untouched release, and the assignment's ``partly_wrong`` test case), run
``nbgrader autograde`` into the course's SQLite gradebook, and print the scores: one line per
question (as the notebook numbers and names it), the three students side by side, in 100
columns.
"""

from __future__ import annotations

from pathlib import Path

from nlpcourse import config, questions, submissions
from nlpcourse import release as rel

STUDENTS = {
    "alice_reference": "the reference solution",
    "bob_blank": "the release, untouched",
    "carol_partly_wrong": "tests/submissions/<a>/partly_wrong.py",
}


def demo_cases(root: Path, assignment: str) -> dict[str, submissions.Case]:
    cases = {
        "alice_reference": submissions.Case(name="reference", description="reference"),
        "bob_blank": submissions.Case(name="blank", description="blank", base="blank", lose="all"),
    }
    partial = root / "tests" / "submissions" / assignment / "partly_wrong.py"
    if partial.exists():
        cases["carol_partly_wrong"] = submissions.load_case(partial)
    return cases


def run_demo(root: Path, names: list[str] | None = None) -> str:
    names = names or config.assignments(root)
    rel.release(root, names)
    report = []
    for a in names:
        rel_nb = root / "release" / a / f"{a}.ipynb"
        src_nb = root / "source" / a / f"{a}.ipynb"
        cases = demo_cases(root, a)
        for student, case in cases.items():
            submissions.hand_in(root, a, student, submissions.make_submission(rel_nb, src_nb, case))
        rel.nbgrader(root, "autograde", a, "--force")
        db_url = rel.tool_env().get("NLPCOURSE_DB_URL", f"sqlite:///{root / 'gradebook.db'}")
        results = []
        for student, case in cases.items():
            scores = submissions.read_scores(db_url, a, student)
            shown = submissions.Case(name=student, description=case.description, lose=case.lose)
            results.append(submissions.CaseResult(shown, scores, []))
        table = submissions.format_by_question(results, questions.of_assignment(root, a))
        report.append(f"\n== {a} ==\n{table}")
    report.append(
        "\nmanual: a written answer waiting for a grader in formgrader (`nbgrader formgrader`).\n"
        "Gradebook: gradebook.db · executed notebooks: autograded/\n"
        "Feedback: `nbgrader generate_feedback <assignment>`"
    )
    return "\n".join(report)
