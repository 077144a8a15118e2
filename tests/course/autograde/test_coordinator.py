"""`nlpcourse autograde`: the same grades as plain `nbgrader autograde`, no lost or duplicated
gradebook rows under parallel writers, manual grades kept; on SQLite, on a real PostgreSQL
server started here on loopback, and on a Dask LocalCluster."""

from __future__ import annotations

import datetime as dt
import glob
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT

from nlpcourse.course import autograde, sandbox, submissions
from nlpcourse.course import release as rel
from nlpcourse.course.autograde import coordinator

A = "a2_dropout_cnn"
# A mixed batch (tests/submissions/<folder>/<case>): right, empty, partly wrong, one wrong
# answer, and hostile ones from the sandbox's corpus (cheats on numpy's allclose, kills its
# kernel, reads the course root); one student hands in late.
CASES = [
    f"{A}/reference",
    f"{A}/blank",
    f"{A}/partly_wrong",
    f"{A}/gamma_p",
    "hostile/allclose_patched",
    "hostile/os_exit",
    "hostile/read_source",
]
BATCH = [c.split("/")[1] for c in CASES]
LATE = "gamma_p"
# nbgrader's own autoflush warnings (plain `nbgrader autograde` prints them too)
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


# ---------------------------------------------------------------------------------------------
# helpers


def dump(db_url: str) -> dict:
    """Everything autograde and graders write, per (assignment, student, notebook, cell)."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(db_url, "nlpcourse") as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                key = (a.name, sub.student.id)
                out[(*key, "timestamp")] = sub.timestamp
                for nb in sub.notebooks:
                    out[(*key, nb.name, "late")] = nb.late_submission_penalty
                    for g in nb.grades:
                        out[(*key, nb.name, g.name)] = (
                            g.auto_score,
                            g.manual_score,
                            g.needs_manual_grade,
                        )
                    for c in nb.comments:
                        out[(*key, nb.name, "comment", c.name)] = (c.auto_comment, c.manual_comment)
    return out


def sqlite_url(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


def copy(course: Path, dest: Path) -> Path:
    shutil.copytree(course, dest, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def a2_course(tmp_path_factory) -> Path:
    """A course root with a2 released and the batch handed in (gradebook: no grades yet)."""
    course = rel.copy_course(ROOT, tmp_path_factory.mktemp("a2") / "course", [A])
    rel.release(course, [A], write_registry=False)
    src_nb = course / "source" / A / f"{A}.ipynb"
    rel_nb = course / "release" / A / f"{A}.ipynb"
    for path, name in zip(CASES, BATCH, strict=True):
        case = submissions.load_case(ROOT / "tests" / "submissions" / f"{path}.py")
        sdir = submissions.hand_in(
            course, A, name, submissions.make_submission(rel_nb, src_nb, case)
        )
        if name == LATE:
            (sdir / "timestamp.txt").write_text("2031-01-02 10:00:00.000000 UTC")
    from nbgrader.api import Gradebook

    with Gradebook(sqlite_url(course), "nlpcourse") as gb:
        gb.update_or_create_assignment(A, duedate=dt.datetime(2030, 1, 1))
    return course


def set_manual_grade(db_url: str, student: str, score: float, comment: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "nlpcourse") as gb:
        gb.find_grade("gamma_derivation", A, A, student).manual_score = score
        gb.find_comment("gamma_derivation", A, A, student).manual_comment = comment
        gb.db.commit()


# ---------------------------------------------------------------------------------------------
# the same grades as nbgrader


@pytest.fixture(scope="module")
def plain(a2_course, tmp_path_factory) -> Path:
    """The batch graded by plain `nbgrader autograde` (the reference for every engine)."""
    course = copy(a2_course, tmp_path_factory.mktemp("plain") / "course")
    rel.nbgrader(course, "autograde", A, "--force")
    return course


def of(grades: dict, students: list[str]) -> dict:
    return {k: v for k, v in grades.items() if k[1] in students}


@pytest.mark.slow
def test_same_grades_as_plain_nbgrader_and_manual_grades_kept(a2_course, plain, tmp_path):
    plain, ours = copy(plain, tmp_path / "plain"), copy(a2_course, tmp_path / "ours")
    summary = autograde.autograde_class(ours, [A], workers=2, progress=False)
    assert [r.student for r in summary.results] == sorted(BATCH)
    assert not summary.failed, summary.text()
    expected = dump(sqlite_url(plain))
    assert len(expected) > 10 * len(BATCH)
    assert dump(sqlite_url(ours)) == expected
    for s in BATCH:
        assert (ours / "autograded" / s / A / f"{A}.ipynb").is_file()
    # the late one is late in both
    assert expected[(A, LATE, "timestamp")] > dt.datetime(2030, 1, 1)
    assert "graded, 0 failed" in summary.text()

    # A grader marks the written answer of two students; both tools regrade two students.
    for course in (plain, ours):
        set_manual_grade(sqlite_url(course), "reference", 14, "good derivation")
        set_manual_grade(sqlite_url(course), "blank", 0, "no answer")
    rel.nbgrader(plain, "autograde", A, "--force", "--student", "reference")
    autograde.autograde_class(ours, [A], ["reference"], workers=2, progress=False)
    after = dump(sqlite_url(ours))
    assert after == dump(sqlite_url(plain))
    assert after[(A, "reference", A, "gamma_derivation")][1:] == (14, True)
    assert after[(A, "blank", A, "comment", "gamma_derivation")][1] == "no answer"


# ---------------------------------------------------------------------------------------------
# parallel writers: many students through real worker processes, a cheap stand-in for the
# kernel (it writes what autograde writes), so that many writes race


N_STUDENTS = 24
CELLS = ["q1", "q2", "q3"]


def expected_score(student: str, cell: str) -> float:
    return float((sum(map(ord, student + cell)) % 7) + 1)


def fake_autograde(self, assignment_id, student_id, force=True, create=True):
    """What nbgrader's autograde writes into the gradebook, without a kernel."""
    from nbgrader.api import Gradebook

    with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
        gb.update_or_create_student(student_id)
        sub = gb.update_or_create_submission(
            assignment_id, student_id, timestamp=dt.datetime(2030, 1, 1, 9, 0)
        )
        time.sleep(random.random() * 0.02)
        for nb in sub.notebooks:
            for g in nb.grades:
                g.auto_score = expected_score(student_id, g.name)
                g.needs_manual_grade = g.manual_score is not None
            for c in nb.comments:
                c.auto_comment = f"auto {student_id}"
        gb.db.commit()
    return {"success": student_id != "s013", "log": f"graded {student_id}", "error": ""}


def fake_course(tmp_path: Path, db_url: str) -> Path:
    """A course root whose gradebook has one assignment `hw` (one notebook, three graded
    cells) and N_STUDENTS submissions in submitted/."""
    from nbgrader.api import Gradebook

    course = rel.copy_course(ROOT, tmp_path / "course", [A])
    with Gradebook(db_url, "nlpcourse") as gb:
        gb.add_assignment("hw")
        gb.add_notebook("hw", "hw")
        for c in CELLS:
            gb.add_grade_cell(c, "hw", "hw", max_score=8, cell_type="code")
            gb.add_solution_cell(c, "hw", "hw")
    for i in range(N_STUDENTS):
        d = course / "submitted" / f"s{i:03d}" / "hw"
        d.mkdir(parents=True)
        (d / "hw.ipynb").write_text("{}")
    return course


def check_rows(db_url: str, manual: dict[str, float]) -> None:
    from nbgrader.api import Grade, Gradebook, SubmittedAssignment

    with Gradebook(db_url, "nlpcourse") as gb:
        assert gb.db.query(SubmittedAssignment).count() == N_STUDENTS
        assert gb.db.query(Grade).count() == N_STUDENTS * len(CELLS)
        for i in range(N_STUDENTS):
            s = f"s{i:03d}"
            for c in CELLS:
                g = gb.find_grade(c, "hw", "hw", s)
                assert g.auto_score == expected_score(s, c), (s, c)
                assert g.manual_score == manual.get(f"{s}/{c}")
                assert g.needs_manual_grade == (f"{s}/{c}" in manual)
            assert gb.find_comment("q1", "hw", "hw", s).auto_comment == f"auto {s}"


def run_fake(course: Path, monkeypatch, workers: int, manual: dict[str, float], db_url: str):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    with Gradebook(db_url, "nlpcourse") as gb:
        for key, score in manual.items():
            s, c = key.split("/")
            gb.update_or_create_student(s)
            gb.update_or_create_submission("hw", s)
            gb.find_grade(c, "hw", "hw", s).manual_score = score
        gb.db.commit()
    # The workers must inherit the stand-in: fork them from this process (safe here, the
    # stand-in runs no torch), not from the fork server the real pool uses (see
    # test_workers_run_torch_after_the_coordinator_did).
    monkeypatch.setattr(NbGraderAPI, "autograde", fake_autograde)
    monkeypatch.setattr(coordinator, "_pool_context", lambda mp: mp.get_context("fork"))
    summary = autograde.autograde_class(course, ["hw"], workers=workers, progress=False)
    assert len(summary.results) == N_STUDENTS
    assert [r.student for r in summary.failed] == ["s013"]
    assert "FAILED hw/s013" in summary.text()
    assert len({r.worker for r in summary.results}) > 1, "expected several worker processes"
    return summary


MANUAL = {"s002/q1": 5.0, "s021/q3": 0.0}


def test_parallel_writes_sqlite_no_lost_or_duplicated_rows(tmp_path, monkeypatch):
    course = tmp_path / "course"
    url = sqlite_url(course)
    course.mkdir()
    course = fake_course(tmp_path, url)
    run_fake(course, monkeypatch, 4, MANUAL, url)
    check_rows(url, MANUAL)
    # twice: a regrade updates rows in place, adds none
    run_fake(course, monkeypatch, 4, MANUAL, url)
    check_rows(url, MANUAL)
    assert not list((course / coordinator.RUNS_DIR).glob("run-*")), "run folders left behind"


def test_bad_input_errors(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    course = fake_course(tmp_path, sqlite_url(course))
    with pytest.raises(ValueError, match="no assignment 'nope' in the gradebook.*generate_"):
        autograde.autograde_class(course, ["nope"], progress=False)
    with pytest.raises(ValueError, match=r"no submission by \['zed'\]"):
        autograde.autograde_class(course, ["hw"], ["zed"], progress=False)
    with pytest.raises(ValueError, match="unknown engine"):
        autograde.autograde_class(course, ["hw"], engine="spark", progress=False)


# ---------------------------------------------------------------------------------------------
# PostgreSQL: a real server from Debian's packages, on loopback, for this module


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on 127.0.0.1 in a temp folder (as the postgres user when run as
    root); yields a function making a fresh database's SQLAlchemy URL."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)")
    as_user = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
    data = Path(tempfile.mkdtemp(prefix="nlpcourse-pg-"))
    if as_user:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()

    def run(*cmd):
        return subprocess.run(
            [*as_user, *map(str, cmd)], check=True, capture_output=True, text=True
        )

    run(bindir / "initdb", "-D", data / "db", "-U", "postgres", "-A", "trust", "-E", "UTF8")
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(bindir / "pg_ctl", "-D", data / "db", "-o", opts, "-l", data / "log", "-w", "start")
    made = []

    def new_db() -> str:
        import psycopg

        name = f"nlpcourse{len(made)}"
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return f"postgresql://postgres@127.0.0.1:{port}/{name}"

    try:
        yield new_db
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)


def test_parallel_writes_postgresql(tmp_path, monkeypatch, postgres):
    """Workers write straight into the server, concurrently."""
    url = postgres()
    monkeypatch.setenv("NLPCOURSE_DB_URL", url)
    course = fake_course(tmp_path, url)
    summary = run_fake(course, monkeypatch, 4, MANUAL, url)
    assert summary.db_url == url
    check_rows(url, MANUAL)


@pytest.mark.slow
def test_postgresql_real_autograde_same_grades(a2_course, plain, tmp_path, monkeypatch, postgres):
    """Real submissions graded into a PostgreSQL gradebook: the grades plain nbgrader wrote
    into SQLite."""
    from nbgrader.api import Gradebook

    students = ["reference", "partly_wrong"]
    url = postgres()
    monkeypatch.setenv("NLPCOURSE_DB_URL", url)
    course = copy(a2_course, tmp_path / "course")
    rel.nbgrader(course, "generate_assignment", A, "--force")
    with Gradebook(url, "nlpcourse") as gb:
        gb.update_or_create_assignment(A, duedate=dt.datetime(2030, 1, 1))
    summary = autograde.autograde_class(course, [A], students, workers=2, progress=False)
    assert not summary.failed, summary.text()
    got = dump(url)
    assert got == of(dump(sqlite_url(plain)), students)
    assert got[(A, "reference", A, "test_dropout_scale")][0] == 3


# ---------------------------------------------------------------------------------------------
# Dask


@pytest.mark.slow
def test_dask_local_cluster_same_grades(a2_course, plain, tmp_path):
    students = ["reference", "gamma_p", "os_exit"]
    ours = copy(a2_course, tmp_path / "ours")
    summary = autograde.autograde_class(
        ours, [A], students, workers=2, engine="dask", progress=False
    )
    assert summary.engine == "dask"
    assert not summary.failed, summary.text()
    assert len({r.worker for r in summary.results}) == 2
    assert dump(sqlite_url(ours)) == of(dump(sqlite_url(plain)), students)


@pytest.mark.slow
def test_a_setup_cell_that_fails_in_the_kernel_stops_the_run_before_any_grade(a2_course, tmp_path):
    """An environment problem (here: the setup cell cannot import what it needs in the grading
    kernel, as when the pack is installed from another folder) stops the run with one message
    and writes no grade; it never turns into zeros for students."""
    import nbformat

    course = copy(a2_course, tmp_path / "course")
    nb_path = course / "release" / A / f"{A}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    setup.source = "import nlpcourse_not_importable_here\n" + setup.source
    nbformat.write(nb, nb_path)
    before = dump(sqlite_url(course))
    with pytest.raises(sandbox.PreflightFailed) as err:
        autograde.autograde_class(course, [A], workers=2, progress=False)
    msg = str(err.value)
    assert f"Nothing of {A} was graded" in msg and "nlpcourse_not_importable_here" in msg, msg
    assert "make install" in msg
    assert dump(sqlite_url(course)) == before
    run = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "--root", str(course), "autograde", A],
        capture_output=True, text=True, env=rel.tool_env(), timeout=600,
    )  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.count("was graded: its setup cell fails") == 1, run.stderr


def _torch_conv_sum(n: int) -> float:
    """A torch op big enough to run on OpenMP's thread pool (what a2's checks do)."""
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 64, n, generator=g, dtype=torch.float64)  # (1, D, T)
    k = torch.randn(64, 1, 5, generator=g, dtype=torch.float64)  # (D, 1, s)
    return float(F.conv1d(x, k, groups=64).sum())  # (1, D, T - 4) summed


def test_workers_run_torch_after_the_coordinator_did():
    """The checks run torch in the workers; a worker forked from a coordinator whose OpenMP
    pool already ran hangs in its first parallel op (libgomp is not fork-safe: CI hung there
    for an hour). The pool's workers must answer anyway."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import torch

    torch.set_num_threads(2)
    want = _torch_conv_sum(200_000)  # the coordinator's OpenMP threads now exist
    ctx = coordinator._pool_context(multiprocessing)
    assert ctx.get_start_method() != "fork"
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        got = pool.submit(_torch_conv_sum, 200_000).result(timeout=120)
    assert got == pytest.approx(want)


def test_what_dead_graders_left_is_removed_and_the_living_ones_kept(tmp_path):
    from nlpcourse.course.autograde.coordinator import remove_dead_kernels

    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs (reused at once only by bad luck)
    dead = Path(tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{gone.pid}-"))
    (dead / "home").mkdir()
    zygote = Path(tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{gone.pid}-zygote-", dir="/var/tmp"))
    mine = Path(tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{os.getpid()}-"))
    try:
        assert gone.pid in remove_dead_kernels()
        assert not dead.exists() and not zygote.exists()
        assert mine.exists()  # this process is alive: its kernels are its own business
    finally:
        for d in (dead, zygote, mine):
            shutil.rmtree(d, ignore_errors=True)


def test_a_run_with_nothing_left_to_grade_still_removes_dead_runs_folders(tmp_path, monkeypatch):
    """A run killed after its last grade, before its clean-up, leaves its folder and no job:
    the `--missing` run after it has nothing to grade and must remove that folder all the same
    (and keep a living run's)."""
    course = tmp_path / "course"
    course.mkdir()
    course = fake_course(tmp_path, sqlite_url(course))
    gone = subprocess.Popen(["true"])
    gone.wait()
    runs = course / coordinator.RUNS_DIR
    dead = runs / f"run-{gone.pid}-1-{os.uname().nodename}"
    living = runs / f"run-{os.getpid()}-1-{os.uname().nodename}"
    for d in (dead, living):
        (d / "x").mkdir(parents=True)
    monkeypatch.setattr(coordinator, "find_missing", lambda coursedir, jobs: [])
    summary = autograde.autograde_class(course, ["hw"], missing=True, progress=False)
    assert not summary.jobs and summary.complete == N_STUDENTS
    assert not dead.exists(), "a dead run's folder was left"
    assert living.exists()
