"""Grading integrity (issue 8): hostile submissions autograded for real, in one batch.

Every case of tests/submissions/hostile/ (see its README) is handed in as one student of
a2_dropout_cnn, next to two control students (the reference and the partly wrong submission of
tests/submissions/a2_dropout_cnn/), and one ``nbgrader autograde`` grades them all in the
sandbox. Each case then checks its own scores, its log lines and its outputs; the batch checks
that the controls scored as when alone, that source/, the config and the gradebook are intact,
and that feedback shows no hidden test.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import json
import random
import re
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import ROOT

from nlpcourse.course import release as rel
from nlpcourse.course import sandbox, submissions

A = "a2_dropout_cnn"
HOSTILE = ROOT / "tests" / "submissions" / "hostile"
CONTROLS = {"ctrl_reference": "reference", "ctrl_partly_wrong": "partly_wrong"}
PORT = 47651  # socket_localhost.py connects here; the test listens on the host side
TIMEOUT = "30"  # per-cell timeout for the batch (the loop cases wait this long)


def hostile_meta(path: Path) -> dict:
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    for cell in nb.cells:
        if "expect" in cell.metadata:
            return cell.metadata.get("hostile", {})
    return {}


CASES = sorted(p.stem for p in HOSTILE.glob("*.py") if hostile_meta(p).get("special") != "fs_walk")
SECRET = "integrity-test-secret"


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _mutate(nb, meta: dict) -> None:
    gid = lambda c: c.metadata.get("nbgrader", {}).get("grade_id")  # noqa: E731
    for c in nb.cells:
        if gid(c) in meta.get("append", {}):
            c.source = c.source.rstrip("\n") + "\n" + meta["append"][gid(c)]
    for target in meta.get("to_markdown", []):
        for c in nb.cells:
            if gid(c) == target:
                c.cell_type = "markdown"
                c.pop("outputs", None)
                c.pop("execution_count", None)
    nb.cells = [c for c in nb.cells if gid(c) not in meta.get("delete", [])]


def _duplicate(path: Path, targets: list[str]) -> None:
    """Copy cells in the file itself, cell id included, as a copy and paste does (#1083)."""
    data = json.loads(path.read_text())
    for target in targets:
        cells = data["cells"]
        i = next(
            i
            for i, c in enumerate(cells)
            if c["metadata"].get("nbgrader", {}).get("grade_id") == target
        )
        cells.insert(i + 1, json.loads(json.dumps(cells[i])))
    path.write_text(json.dumps(data, indent=1))


def hand_in_case(course: Path, name: str, rel_nb: Path, src_nb: Path) -> None:
    case = submissions.load_case(HOSTILE / f"{name}.py")
    meta = hostile_meta(HOSTILE / f"{name}.py")
    nb = submissions.make_submission(rel_nb, src_nb, case)
    _mutate(nb, meta)
    sdir = submissions.hand_in(course, A, name, nb)
    special = meta.get("special")
    target = sdir / f"{A}.ipynb"
    _duplicate(target, meta.get("duplicate", []))
    if special == "random_bytes":
        target.write_bytes(random.Random(8).randbytes(4096))
    elif special == "empty_folder":
        for f in sdir.iterdir():
            f.unlink()
    elif special == "nbformat_5":
        data = json.loads(target.read_text())
        data["nbformat"] = 5
        target.write_text(json.dumps(data))
    elif special == "renamed":
        target.rename(sdir / f"{A} (1).ipynb")
    elif special == "extra_files":
        (sdir / "numpy.py").write_text(
            "allclose = lambda *a, **k: True\narray_equal = allclose\n"
            "def __getattr__(name):\n    raise AttributeError(name)\n"
        )


class Listener:
    """A TCP server on the host's 127.0.0.1:PORT that records whoever connects."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", PORT))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def split_log(log: str) -> dict[str, str]:
    """student -> the part of nbgrader's log written while it was graded."""
    chunks: dict[str, str] = {}
    for part in re.split(r"(?=^\[\w+ \| INFO\] Running pre-convert hook$)", log, flags=re.M):
        m = re.search(r"Creating/updating student with ID '([^']+)'", part)
        if m:
            chunks[m.group(1)] = chunks.get(m.group(1), "") + part
    return chunks


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The whole corpus and the controls, autograded together once."""
    assert sandbox.bwrap_problem() is None, (
        f"{sandbox.bwrap_problem()}: install bubblewrap (`apt-get install -y bubblewrap`)"
    )
    course = rel.copy_course(ROOT, tmp_path_factory.mktemp("hostile") / "course", [A])
    rel.release(course, [A], write_registry=False)
    src_nb = course / "source" / A / f"{A}.ipynb"
    rel_nb = course / "release" / A / f"{A}.ipynb"
    for student, case in CONTROLS.items():
        c = submissions.load_case(ROOT / "tests" / "submissions" / A / f"{case}.py")
        submissions.hand_in(course, A, student, submissions.make_submission(rel_nb, src_nb, c))
    for name in CASES:
        hand_in_case(course, name, rel_nb, src_nb)
    before = {
        "source": tree_hash(course / "source"),
        "config": (course / "nbgrader_config.py").read_bytes(),
        "ctrl_submitted": tree_hash(course / "submitted" / "ctrl_reference"),
    }
    listener = Listener()
    t0 = time.time()
    env = {"NLPCOURSE_CELL_TIMEOUT": TIMEOUT, "NLPCOURSE_GRADER_SECRET": SECRET}
    proc = rel.nbgrader(course, "autograde", A, "--force", check=False, env=env)
    wall = time.time() - t0
    listener.close()
    log = proc.stdout + proc.stderr
    (course / "autograde.log").write_text(f"{log}\n[batch wall time {wall:.1f} s]\n")
    db = f"sqlite:///{course / 'gradebook.db'}"
    students = [*CONTROLS, *CASES]
    return {
        "course": course,
        "log": log,
        "chunks": split_log(log),
        "wall": wall,
        "before": before,
        "connections": listener.connections,
        "scores": {s: submissions.read_scores(db, A, s) for s in students},
        "db": db,
    }


def score_problems(case: submissions.Case, scores, zero: bool = False) -> list[str]:
    """What goes against the case's expectation: cells it names score below their maximum
    (exactly 0 where the case says ``"zero": true``: a cheat gains no point), the others
    full."""
    auto = {k: v for k, v in scores.items() if not v.manual}
    lose = set(auto) if case.lose == "all" else set(case.lose)
    out = []
    for k, v in auto.items():
        got = float(v.score or 0)
        if k in lose and (got > 0 if zero else got >= v.max_score):
            out.append(f"{k}: {got}/{v.max_score}, expected {'0' if zero else 'below max'}")
        if k not in lose and got < v.max_score:
            out.append(f"{k}: {got}/{v.max_score}, expected full points")
    return out


def _auto(scores) -> dict[str, float]:
    return {k: float(v.score or 0) for k, v in scores.items() if not v.manual}


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_hostile_case(batch, name):
    """The case scores exactly as its file says, and the log and its outputs say why."""
    case = submissions.load_case(HOSTILE / f"{name}.py")
    meta = hostile_meta(HOSTILE / f"{name}.py")
    scores = batch["scores"][name]
    chunk = batch["chunks"].get(name, "")
    mine = "\n".join(ln for ln in batch["log"].splitlines() if f"Student {name}" in ln)
    if meta.get("special") == "empty_folder":
        assert scores is None, "an empty folder must not reach the gradebook"
    elif case.lose == "all" and scores is None:
        pass  # not graded at all: every question 0
    else:
        assert scores is not None, f"{name} was not graded:\n{chunk[-3000:]}"
        problems = score_problems(case, scores, zero=meta.get("zero", False))
        assert not problems, f"{name}: {problems}"
    for pattern in meta.get("log", []):
        assert re.search(pattern, chunk + "\n" + mine), (
            f"{name}: the instructor's log lacks /{pattern}/:\n{(chunk or batch['log'])[-3000:]}"
        )
    if meta.get("output"):
        nb_path = batch["course"] / "autograded" / name / A / f"{A}.ipynb"
        text = nb_path.read_text()
        for pattern in meta["output"]:
            assert re.search(pattern, text), f"{name}: autograded notebook lacks /{pattern}/"
    if not meta.get("special"):
        gave_up = re.search(rf"error processing assignment: \S*/{name}/", batch["log"])
        assert not gave_up, f"{name}: nbgrader gave up on this student:\n{chunk[-3000:]}"


@pytest.mark.slow
def test_controls_score_as_alone(batch):
    """The two control students in the hostile batch score exactly what their case files say
    (the same as in tests/assignments/test_assignments.py, where they are graded among friendly
    cases)."""
    for student, case_name in CONTROLS.items():
        case = submissions.load_case(ROOT / "tests" / "submissions" / A / f"{case_name}.py")
        scores = batch["scores"][student]
        assert scores is not None
        assert not score_problems(case, scores), student


@pytest.mark.slow
def test_course_intact(batch):
    """source/, the config, another student's hand-in and the gradebook survive the batch;
    nothing reached the host's loopback; no sandbox is left behind."""
    course, before = batch["course"], batch["before"]
    assert tree_hash(course / "source") == before["source"], "source/ changed"
    assert (course / "nbgrader_config.py").read_bytes() == before["config"]
    assert tree_hash(course / "submitted" / "ctrl_reference") == before["ctrl_submitted"]
    with sqlite3.connect(course / "gradebook.db") as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        graded = {r[0] for r in con.execute("SELECT student_id FROM submitted_assignment")}
    assert set(CONTROLS) <= graded
    assert batch["connections"] == 0, "a sandboxed kernel reached 127.0.0.1 on the host"
    assert (course / "autograded" / "ctrl_reference" / A / f"{A}.ipynb").is_file()
    assert not list((course / "autograded").glob("*/*/hidden")), "hidden files left behind"
    links = [p for p in (course / "autograded").rglob("*") if p.is_symlink()]
    assert not links, f"links left in autograded folders: {links}"


def grader_secrets(course: Path, released: str, min_len: int = 12) -> list[str]:
    """Lines of the grader-only files (hidden/*.py: the checks, the case maker) that the
    released notebook does not also contain."""
    return [
        ln.strip()
        for p in sorted((course / "source" / A / "hidden").glob("*.py"))
        for ln in p.read_text().splitlines()
        if len(ln.strip()) >= min_len and json.dumps(ln.strip())[1:-1] not in released
    ]


@pytest.mark.slow
def test_feedback_hides_hidden_tests(batch):
    """Feedback HTML quotes no line of the grader's checks, even for a notebook whose hooks
    print every cell it runs; failed checks say in plain words what did not pass, and a
    student whose locked cell was restored is told."""
    course = batch["course"]
    students = [
        "ctrl_partly_wrong",
        "edited_test_cell",
        "deleted_test_cell",
        "cheat_print_later_cells",
        "cheat_forged_reply",
    ]
    for s in students:
        rel.nbgrader(course, "generate_feedback", A, "--student", s, "--force")
    released = (course / "release" / A / f"{A}.ipynb").read_text()
    secret = grader_secrets(course, released)
    assert len(secret) > 50
    for s in students:
        html = (course / "feedback" / s / A / f"{A}.html").read_text()
        text = htmlmod.unescape(re.sub(r"<[^>]+>", "", html))
        leaked = [ln for ln in secret if ln in text]
        assert not leaked, f"{s}: feedback shows lines of the grader's checks {leaked[:3]}"
    text = (course / "feedback" / "ctrl_partly_wrong" / A / f"{A}.html").read_text()
    assert "What did not pass" in text
    assert (
        "Autograder notes"
        in (course / "feedback" / "edited_test_cell" / A / f"{A}.html").read_text()
    )
    assert (
        "CELL SOURCE"
        in (course / "feedback" / "cheat_print_later_cells" / A / f"{A}.html").read_text()
    ), "the hooks did print (so the test shows that what they print is harmless)"


def distinctive_needles(course: Path, released: str) -> list[str]:
    """What only the grader's files hold: each whole file, its string literals of 25+
    characters that the release does not also show, and its check functions' signatures
    (generic code lines, `rng = np.random.default_rng(seed)`, are everywhere)."""
    import ast

    out = []
    for p in sorted((course / "source" / A / "hidden").glob("*.py")):
        text = p.read_text()
        out.append(text)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                v = node.value
                if len(v) >= 25 and json.dumps(v)[1:-1] not in released:
                    out.append(v)
            if isinstance(node, ast.FunctionDef) and [a.arg for a in node.args.args] == [
                "k",
                "rng",
                "r",
            ]:
                out.append(f"def {node.name}(k, rng, r):")
    return out


@pytest.mark.slow
def test_sandbox_file_system_holds_nothing_of_the_grader(tmp_path):
    """A submission walks the sandbox's whole file system during a graded run and searches
    every file for lines of the checks, the hidden cases' expected outputs and the course
    secret: it finds none (and it did walk: thousands of files)."""
    import numpy as np

    course = rel.copy_course(ROOT, tmp_path / "course", [A])
    rel.release(course, [A], write_registry=False)
    src_nb = course / "source" / A / f"{A}.ipynb"
    rel_nb = course / "release" / A / f"{A}.ipynb"
    released = rel_nb.read_text()
    needles = [n.encode() for n in distinctive_needles(course, released)]
    cases = np.load(course / "source" / A / "hidden" / "conv_cases.npz")
    needles += [cases[k].tobytes() for k in cases.files if k.startswith("out")]
    needles.append(SECRET.encode())
    case = submissions.load_case(HOSTILE / "fs_walk.py")
    nb = submissions.make_submission(rel_nb, src_nb, case)
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "z_prime":
            c.source = f"_NEEDLES_HEX = {[n.hex() for n in needles]!r}\n" + c.source
    submissions.hand_in(course, A, "fs_walk", nb)
    env = {"NLPCOURSE_GRADER_SECRET": SECRET, "NLPCOURSE_CELL_TIMEOUT": "900"}
    proc = rel.nbgrader(course, "autograde", A, "--force", check=False, env=env)
    graded = nbformat.read(course / "autograded" / "fs_walk" / A / f"{A}.ipynb", as_version=4)
    printed = "".join(
        o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs
    )
    m = re.search(r"^FSWALK (\{.*\})$", printed, re.M)
    assert m, f"the walk printed no report:\n{(proc.stdout + proc.stderr)[-3000:]}"
    stats = json.loads(m.group(1))
    assert stats["files"] > 1000, stats
    hits = [(path, needles[i][:60]) for path, i in stats["hits"]]
    assert not hits, f"grader data visible inside the sandbox: {hits[:5]}"
    scores = submissions.read_scores(f"sqlite:///{course / 'gradebook.db'}", A, "fs_walk")
    assert not score_problems(case, scores)


@pytest.mark.slow
def test_refuses_without_bubblewrap_and_keeps_manual_grades(batch):
    """No bwrap on PATH: autograde refuses with a clear message and grades nothing. With
    NLPCOURSE_ALLOW_UNSANDBOXED=1 it runs; a manual grade given before survives the re-run."""
    course, db = batch["course"], batch["db"]
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        g = gb.find_grade("gamma_derivation", A, A, "ctrl_reference")
        g.manual_score, g.needs_manual_grade = 12.0, False
        gb.db.commit()
    no_bwrap = {"PATH": str(Path(sys.executable).parent), "NLPCOURSE_CELL_TIMEOUT": TIMEOUT}
    args = ("autograde", A, "--student", "ctrl_reference", "--force")
    proc = rel.nbgrader(course, *args, check=False, env=no_bwrap)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Refusing to run student code without a sandbox" in out, out[-3000:]
    assert "NLPCOURSE_ALLOW_UNSANDBOXED=1" in out
    proc = rel.nbgrader(course, *args, check=False, env={**no_bwrap, sandbox.ALLOW_ENV: "1"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "UNSANDBOXED" in out
    scores = submissions.read_scores(db, A, "ctrl_reference")
    assert scores["gamma_derivation"].score == 12.0, "the manual grade was lost"
    assert all(v.score == v.max_score for v in scores.values() if not v.manual)
