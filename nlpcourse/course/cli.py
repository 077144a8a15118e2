"""The ``nlpcourse`` command: the instructor's and author's tools.

nlpcourse build [A ...]          text notebooks -> source/<a>/<a>.ipynb
nlpcourse release [A ...]        build + nbgrader generate_assignment -> release/
nlpcourse validate [A ...]       nbgrader validate on sources, --invert on releases
nlpcourse grade-cases A [DIR]    autograde test submissions, report per-question scores
nlpcourse demo [A ...]           release, fake students, autograde, score table
nlpcourse markscheme A           print the model answers and mark schemes of A
nlpcourse lab [--port N]         JupyterLab + nbgrader (student view, formgrader) on 127.0.0.1
nlpcourse autograde [A ...]      autograde a class in parallel (--workers N, --dask [ADDR],
                                 --missing: only what an interrupted run left)
nlpcourse report A              score distributions, most-missed questions, late, outliers
nlpcourse publish DEST [--tag T] the students' repository: release/, student package, README
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlpcourse import config

# nlpcourse.course.build imports nbformat, hence jsonschema: it is imported in main(), after
# nbgrader_app.skip_iri_grammar() has halved that import's time.


def _build():
    from nlpcourse.course import build

    return build


def _root(args) -> Path:
    return config.find_course_root(args.root)


def _names(root: Path, given: list[str]) -> list[str]:
    known = config.assignments(root)
    bad = [a for a in given if a not in known]
    if bad:
        raise SystemExit(f"unknown assignment(s) {bad}; the course has {known}")
    return given or known


def cmd_build(args) -> int:
    root = _root(args)
    for a in _names(root, args.assignments):
        print(_build().build_assignment(root, a).relative_to(root))
    return 0


def cmd_release(args) -> int:
    from nlpcourse.course import release

    root = _root(args)
    names = _names(root, args.assignments)
    release.release(root, names)
    for a in names:
        print(f"release/{a}/ written")
    return 0


def cmd_validate(args) -> int:
    from nlpcourse.course import validate

    root = _root(args)
    failed = 0
    for r in validate.validate(root, _names(root, args.assignments)):
        what = "passes no test (--invert)" if r.inverted else "passes every test"
        print(f"{'ok  ' if r.ok else 'FAIL'} {r.notebook}: {what}")
        if not r.ok:
            failed += 1
            print(r.output[-3000:])
    return 1 if failed else 0


def cmd_grade_cases(args) -> int:
    from nlpcourse.course import submissions

    root = _root(args)
    [a] = _names(root, [args.assignment])
    folder = Path(args.cases) if args.cases else root / "tests" / "submissions" / a
    cases = submissions.load_cases(folder)
    if args.only:
        cases = submissions.select(cases, args.only)
    if not cases:
        raise SystemExit(f"no test submissions in {folder}")
    results, log = submissions.grade_cases(root, a, cases, workers=args.workers)
    print(submissions.format_table(results))
    if args.verbose:
        print(log)
    bad = [r for r in results if r.problems]
    print(f"\n{len(results) - len(bad)}/{len(results)} cases scored as expected")
    return 1 if bad else 0


def cmd_demo(args) -> int:
    from nlpcourse.course import demo

    root = _root(args)
    print(demo.run_demo(root, _names(root, args.assignments)))
    return 0


def cmd_markscheme(args) -> int:
    import nbformat

    root = _root(args)
    [a] = _names(root, [args.assignment])
    nb = nbformat.read(_build().build_assignment(root, a), as_version=4)
    for cell, scheme in _mark_schemes(nb):
        m = cell.metadata["nbgrader"]
        print(f"## {m['grade_id']} ({m['points']} points)\n\n{scheme}\n")
    return 0


def _mark_schemes(nb) -> list[tuple]:
    """(cell, text) for each cell a person grades: a written answer's cell holds its model
    answer and mark scheme (replaced in the release); a code cell graded by hand (a figure)
    takes the "**How it is marked**" paragraph of the question above it, which students see
    too ("" where there is none)."""
    out, question = [], ""
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        manual = m.get("solution") and m.get("grade")
        if cell.cell_type == "markdown" and manual:
            out.append((cell, cell.source))
        elif cell.cell_type == "markdown":
            question = cell.source
        elif manual:
            at = question.find("**How it is marked")
            out.append((cell, question[at:].strip() if at >= 0 else ""))
    return out


def cmd_autograde(args) -> int:
    import signal

    from nlpcourse.course import autograde, sandbox

    root = _root(args)
    # Any nbgrader course: the assignments are the gradebook's (the run checks the names),
    # whether or not source/ holds the pack's text notebooks.
    names = list(args.assignments) or None
    prog = "nlpcourse" + (f" --root {args.root}" if args.root else "") + " autograde"
    try:
        summary = autograde.autograde_class(
            root,
            names,
            students=args.student,
            workers=args.workers,
            engine="dask" if args.dask is not None else "local",
            scheduler=args.dask or None,
            progress=not args.no_progress,
            missing=args.missing,
        )
    except ValueError as exc:
        raise SystemExit(f"nlpcourse autograde: {exc}") from None
    except (sandbox.PreflightFailed, sandbox.SandboxUnavailable) as exc:
        print(f"nlpcourse autograde: {exc}", file=sys.stderr)
        return 2
    except autograde.WorkerStartFailed as exc:
        print(f"nlpcourse autograde: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before the grading began (the run handles Ctrl-C itself)
        print(
            f"\nnlpcourse autograde: stopped by Ctrl-C. To grade what has no complete "
            f"autograde: {prog} --missing",
            file=sys.stderr,
        )
        return 130
    if summary.interrupted:  # a late second Ctrl-C must not cut the summary short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(summary.text(prog))
    if summary.interrupted:
        return 130
    return 1 if summary.failed else 0


def cmd_report(args) -> int:
    from nlpcourse.course import report

    root = _root(args)
    [a] = _names(root, [args.assignment])
    try:
        text, png, page = report.make_report(root, a, Path(args.out) if args.out else None)
    except ValueError as exc:
        raise SystemExit(f"nlpcourse report: {exc}") from None
    print(text)
    print(f"written: {png} and {page}")
    return 0


def cmd_publish(args) -> int:
    from nlpcourse.course import publish

    try:
        done = publish.publish(_root(args), Path(args.dest), args.tag)
    except publish.PublishError as exc:
        print(f"nlpcourse publish: {exc}", file=sys.stderr)
        return 2
    print(done.text())
    return 0


def cmd_lab(args) -> int:
    from nlpcourse.course import lab

    return lab.run(_root(args), args.port, args.token)


def main(argv: list[str] | None = None) -> int:
    from nlpcourse.course.autograde.nbgrader_app import skip_iri_grammar

    skip_iri_grammar()
    p = argparse.ArgumentParser(prog="nlpcourse", description=__doc__.split("\n\n")[0])
    p.add_argument("--root", help="the course root (default: found from the current folder)")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn, hlp in [
        ("build", cmd_build, "build text notebooks into .ipynb"),
        ("release", cmd_release, "build and generate the student versions"),
        ("validate", cmd_validate, "validate sources and releases"),
        ("demo", cmd_demo, "the whole loop on fake students, with a score table"),
    ]:
        sp = sub.add_parser(name, help=hlp)
        sp.add_argument("assignments", nargs="*")
        sp.set_defaults(fn=fn)
    sp = sub.add_parser("grade-cases", help="autograde test submissions and check their scores")
    sp.add_argument("assignment")
    sp.add_argument("cases", nargs="?", help="folder of cases (default tests/submissions/<a>)")
    sp.add_argument("--only", nargs="*", help="case names to grade")
    sp.add_argument("-v", "--verbose", action="store_true", help="print nbgrader's log")
    sp.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    sp.set_defaults(fn=cmd_grade_cases)
    sp = sub.add_parser("markscheme", help="print model answers and mark schemes")
    sp.add_argument("assignment")
    sp.set_defaults(fn=cmd_markscheme)
    sp = sub.add_parser("lab", help="JupyterLab with nbgrader for this course on 127.0.0.1")
    sp.add_argument("--port", type=int, default=8888)
    sp.add_argument("--token", help="the server's token (default: a random one, printed)")
    sp.set_defaults(fn=cmd_lab)
    sp = sub.add_parser("autograde", help="autograde every submission in parallel workers")
    sp.add_argument("assignments", nargs="*", help="assignments to grade (default: all)")
    sp.add_argument("--student", nargs="+", help="grade only these students")
    sp.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    sp.add_argument(
        "--dask",
        nargs="?",
        const="",
        metavar="SCHEDULER",
        help="run the workers on Dask: a LocalCluster, or the cluster at this scheduler "
        "address (tcp://host:8786)",
    )
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.add_argument(
        "--missing",
        action="store_true",
        help="grade only submissions without a complete autograde of what is handed in now "
        "(what an interrupted or failed run left); without it every submission is graded again",
    )
    sp.set_defaults(fn=cmd_autograde)
    sp = sub.add_parser("report", help="a class's scores per question, late and outliers")
    sp.add_argument("assignment")
    sp.add_argument("--out", help="folder for report.png and report.html (default reports/<a>)")
    sp.set_defaults(fn=cmd_report)
    sp = sub.add_parser("publish", help="write the students' repository and tag it")
    sp.add_argument("dest", help="the students' repository (a folder: a clone, or new)")
    sp.add_argument(
        "--tag",
        help="the tag to publish (default: the one release/ was built for, "
        "nlpcourse/config.py's RELEASE_TAG; another one is refused)",
    )
    sp.set_defaults(fn=cmd_publish)
    args = p.parse_args(argv)
    from nlpcourse.course.sandbox import PreflightFailed, SandboxUnavailable

    try:
        return args.fn(args)
    except (_build().BuildError, FileNotFoundError) as exc:
        print(f"nlpcourse: {exc}", file=sys.stderr)
        return 2
    except (PreflightFailed, SandboxUnavailable) as exc:
        # An environment problem: one message, no grades (never zeros for students).
        print(f"nlpcourse {args.cmd}: {exc}", file=sys.stderr)
        return 2


def run() -> None:
    """The ``nlpcourse`` program (and ``python -m nlpcourse.course.cli``): :func:`main`, then the
    exit hooks (``atexit``: zygotes, multiprocessing, logging), then the end of the process.
    Python's own teardown of the ~1,400 modules an autograde run imports (nbgrader, torch)
    takes 0.2 s after the summary is printed and does nothing the run needs."""
    import atexit
    import os

    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
