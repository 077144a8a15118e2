"""`nlpcourse autograde` under faults, through real autograde of a small class (the fixture
course's one-question assignment, tests/course/fixture_course/): Ctrl-C (once: stop soon, and
twice: at once), a worker killed with SIGKILL (as the out-of-memory killer does) on the local
pool and on Dask, the coordinator killed with SIGKILL at random moments, and `--missing`, which
finishes what a stopped run left. Each check compares every gradebook value with a clean run's.

The pool's bookkeeping (a job retried once, then failed; a worker that cannot start) is also
tested on a stand-in for nbgrader's autograde, without kernels, in worker processes forked
from here."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

from nlpcourse.course import autograde, submissions
from nlpcourse.course import release as rel
from nlpcourse.course.autograde import coordinator, gradebook
from nlpcourse.course.autograde.pool import describe_death
from nlpcourse.course.sandbox.cgroups import leftovers_of

FIXTURE = ROOT / "tests" / "course" / "fixture_course"
A = "t1_double"
CASES = ["reference", "partly_wrong", "blank", "right_another_way"]
STUDENTS = CASES  # one of each: 4 submissions, two rounds of two workers
LATE = "blank"
MANUAL = ("reference", "why_refuse", 1.5, "clear")  # a grader's mark, set before any run
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


# ---------------------------------------------------------------------------------------------
# a class of the fixture course, and what a clean run makes of it


def url(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


def dump(course: Path) -> dict:
    """Every value autograde and graders write, per (student, notebook, cell); raises on a
    duplicate row (two submissions of one student, two grades of one cell)."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(url(course), "nlpcourse") as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                key = (sub.student.id,)
                assert (*key, "timestamp") not in out, f"duplicate submission {key}"
                out[(*key, "timestamp")] = sub.timestamp
                for nb in sub.notebooks:
                    out[(*key, nb.name, "late")] = nb.late_submission_penalty
                    for g in nb.grades:
                        assert (*key, g.name) not in out, f"duplicate grade {key} {g.name}"
                        out[(*key, g.name)] = (g.auto_score, g.manual_score, g.needs_manual_grade)
                    for c in nb.comments:
                        out[(*key, "comment", c.name)] = (c.auto_comment, c.manual_comment)
    return out


def of(values: dict, student: str) -> dict:
    return {k: v for k, v in values.items() if k[0] == student}


def copy(course: Path, dest: Path) -> Path:
    """A copy of the course without the last run's log (see graded_so_far)."""
    shutil.copytree(course, dest, symlinks=True)
    shutil.rmtree(dest / coordinator.RUNS_DIR, ignore_errors=True)
    return dest


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The class handed in; reference graded once already and given a manual grade."""
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("faults") / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(FIXTURE / "source" / A, course / "source" / A)
    env = {"NLPCOURSE_DB_URL": url(course)}
    rel.release(course, [A], write_registry=False, env=env)
    src_nb, rel_nb = (course / d / A / f"{A}.ipynb" for d in ("source", "release"))
    for s in STUDENTS:
        case = submissions.load_case(FIXTURE / "cases" / f"{s}.py")
        sdir = submissions.hand_in(course, A, s, submissions.make_submission(rel_nb, src_nb, case))
        stamp = "2031-01-02 10:00:00.000000 UTC" if s == LATE else "2029-12-30 09:00:00 UTC"
        (sdir / "timestamp.txt").write_text(stamp)
    with Gradebook(url(course), "nlpcourse") as gb:
        gb.update_or_create_assignment(A, duedate=dt.datetime(2030, 1, 1))
    student, cell, score, comment = MANUAL
    summary = autograde.autograde_class(course, [A], [student], workers=1, progress=False, env=env)
    assert not summary.failed, summary.text()
    with Gradebook(url(course), "nlpcourse") as gb:
        gb.find_grade(cell, A, A, student).manual_score = score
        gb.find_comment(cell, A, A, student).manual_comment = comment
        gb.db.commit()
    return course


@pytest.fixture(scope="module")
def clean(base, tmp_path_factory) -> dict:
    """The gradebook after an uninterrupted run over the whole class."""
    course = copy(base, tmp_path_factory.mktemp("clean") / "course")
    summary = autograde.autograde_class(course, [A], workers=2, progress=False)
    assert not summary.failed and len(summary.results) == len(STUDENTS), summary.text()
    values = dump(course)
    student, cell, score, comment = MANUAL
    assert values[(student, cell)][1] == score
    assert values[(student, "comment", cell)][1] == comment
    assert values[(LATE, "timestamp")] > dt.datetime(2030, 1, 1)
    assert {values[(s, "test_double_hidden")][0] for s in STUDENTS} == {0, 2, 4}
    return values


def cli(course: Path, *args: str, stderr=subprocess.PIPE) -> subprocess.Popen:
    """`nlpcourse autograde` in ``course``, in a session of its own (as a terminal runs a
    command in its own process group: a Ctrl-C goes to the whole group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "nlpcourse.course.cli", "--root", str(course), "autograde", A,
         "--workers", "2", "--no-progress", *args],
        stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True,
        env=rel.tool_env({"NLPCOURSE_DB_URL": url(course)}),
    )  # fmt: skip


def graded_so_far(course: Path) -> int:
    """Submissions the run has written into the gradebook (its log gets a line after each)."""
    log = course / coordinator.RUNS_DIR / "last-run.log"
    return log.read_text(errors="replace").count(f"==== {A}/") if log.is_file() else 0


def wait_for(pred, what: str, limit: float = 300.0, every: float = 0.05):
    """Poll ``pred`` until it is true; a run that never gets there fails the test."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(every)
    pytest.fail(f"never happened: {what}")


def _parents() -> dict[int, int]:
    out = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            out[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return out


def descendants(pid: int, parents: dict[int, int] | None = None) -> set[int]:
    parents = _parents() if parents is None else parents
    kids: dict[int, list[int]] = {}
    for child, parent in parents.items():
        kids.setdefault(parent, []).append(child)
    out, todo = set(), [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.add(k)
            todo.append(k)
    return out


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not gone, not a zombie)."""
    out = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(p)
    return out


def _is_kernel(pid: int) -> bool:
    """A running kernel, or the bubblewrap around one (not a zombie)."""
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        return Path(f"/proc/{pid}/comm").read_text().strip() == "bwrap" or b"ipykernel" in cmd
    except (OSError, IndexError):
        return False


def grading_workers(pid: int) -> set[int]:
    """Processes under ``pid`` grading a notebook now: the parents of a kernel (or of the
    bubblewrap around one) that are not kernels themselves."""
    parents = _parents()
    return {
        parents[k]
        for k in descendants(pid, parents)
        if _is_kernel(k) and not _is_kernel(parents[k]) and parents[k] != pid
    }


def each_untouched_or_clean(before: dict, after: dict, clean: dict) -> list[str]:
    """Every student's values are as before the run or as a clean run's, never a mix (a
    half-written submission); returns the students not yet as clean."""
    for s in STUDENTS:
        assert of(after, s) in (of(before, s), of(clean, s)), f"{s} half-written: {of(after, s)}"
    return [s for s in STUDENTS if of(after, s) != of(clean, s)]


def finish(course: Path, clean: dict, left: list[str], command: bool = True) -> None:
    """`--missing` grades exactly what is left (``left``, and any submission whose autograded
    notebook a stopped regrade removed), and the gradebook ends as a clean run's. ``command``:
    run `nlpcourse autograde --missing`, else its engine here (no preflight: cheaper)."""
    gone = [s for s in STUDENTS if not (course / "autograded" / s / A / f"{A}.ipynb").is_file()]
    todo = sorted(set(left) | set(gone))
    if command:
        proc = cli(course, "--missing")
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, out + err
    else:
        summary = autograde.autograde_class(
            course, [A], workers=2, progress=False, preflight=False, missing=True,
            env={"NLPCOURSE_DB_URL": url(course)},
        )  # fmt: skip
        out = summary.text()
    if todo:
        assert f"{len(todo)} graded, 0 failed" in out, (todo, out)
    else:
        assert "no submissions to grade" in out, out
    assert dump(course) == clean
    assert not list((course / coordinator.RUNS_DIR).glob("run-*")), "run folders left behind"


# ---------------------------------------------------------------------------------------------
# Ctrl-C


@pytest.mark.slow
def test_ctrl_c_stops_soon_and_missing_finishes_the_job(base, clean, tmp_path):
    course = copy(base, tmp_path / "course")
    before = dump(course)
    proc = cli(course)
    wait_for(lambda: graded_so_far(course) or proc.poll() is not None, "a first notebook graded")
    assert proc.poll() is None, "the run ended before the test could interrupt it"
    held = descendants(proc.pid)  # the fork server, the workers, their kernels
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    out, err = proc.communicate(timeout=300)
    print(f"the command ended {time.monotonic() - t0:.1f} s after Ctrl-C")
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err, err
    assert err.count("stopping") == 1 and out.count("Stopped by Ctrl-C") == 1, out + err
    assert f"To grade only what is left: nlpcourse --root {course} autograde {A} --missing" in out
    wait_for(lambda: not alive(held), "every worker and kernel of the run stopped", limit=60)
    left = each_untouched_or_clean(before, dump(course), clean)
    assert left, "nothing was left to grade: the run was not stopped early"
    graded, not_graded = map(int, re.search(r"Ctrl-C: (\d+) graded, (\d+) not", out).groups())
    assert graded + not_graded == len(STUDENTS) and not_graded >= len(left), out
    finish(course, clean, left)


@pytest.mark.slow
def test_a_second_ctrl_c_stops_at_once(base, clean, tmp_path):
    """A worker that does not stop when asked (here: stopped with SIGSTOP) would hold the run
    up for the grace period; the second Ctrl-C kills it and ends the run at once."""
    course = copy(base, tmp_path / "course")
    before = dump(course)
    errors = tmp_path / "stderr.txt"
    with open(errors, "w") as err_file:
        proc = cli(course, stderr=err_file)
        stuck = wait_for(lambda: grading_workers(proc.pid), "a worker grading a notebook")
        os.kill(min(stuck), signal.SIGSTOP)
        held = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        wait_for(lambda: "stopping:" in errors.read_text(), "the first Ctrl-C taken")
        os.killpg(proc.pid, signal.SIGINT)  # while the run waits for the stuck worker
        out, _ = proc.communicate(timeout=300)
    err = errors.read_text()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err, err
    assert err.count("stopping at once") == 1, err
    assert out.count("Stopped by Ctrl-C") == 1, out
    wait_for(lambda: not alive(held), "every worker and kernel of the run stopped", limit=60)
    finish(course, clean, each_untouched_or_clean(before, dump(course), clean), command=False)


# ---------------------------------------------------------------------------------------------
# a worker killed (as the out-of-memory killer kills: SIGKILL)


def kill_a_grading_worker(killed: list[int], left: list[str], kernels: set) -> threading.Thread:
    """A thread that kills (SIGKILL) one process of this one that is grading a notebook;
    ``left``: what its kernel's sandbox would leave (a pids cgroup, a run folder), ``kernels``:
    the sandbox's processes."""

    def run():
        end = time.monotonic() + 600
        while time.monotonic() < end and not killed:
            for victim in sorted(grading_workers(os.getpid())):
                sandbox = leftovers_of(victim)
                if sandbox:  # its kernel is running, not being cleaned up after its notebook
                    kernel = descendants(victim)
                    os.kill(victim, signal.SIGKILL)
                    left.extend(sandbox)
                    killed.append(victim)
                    kernels.update(kernel)
                    break
            time.sleep(0.05)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.mark.slow
def test_a_killed_worker_costs_only_its_submission(base, clean, tmp_path):
    course = copy(base, tmp_path / "course")
    killed: list[int] = []
    left: list[str] = []
    kernels: set[int] = set()
    thread = kill_a_grading_worker(killed, left, kernels)
    summary = autograde.autograde_class(course, [A], workers=2, progress=False)
    thread.join()
    assert killed, "no worker was seen grading"
    assert left and not [p for p in left if os.path.exists(p)], left  # removed after it died
    assert kernels and not alive(kernels), "the dead worker's kernel still runs"
    assert not summary.failed and len(summary.results) == len(STUDENTS), summary.text()
    [retried] = [r for r in summary.results if r.retried]
    assert "killed by SIGKILL" in retried.retried and "OOM" in retried.retried
    assert retried.worker != f"{os.uname().nodename}:{killed[0]}"  # graded on a fresh worker
    assert f"RETRIED {A}/{retried.student}: its worker died (killed by SIGKILL" in summary.text()
    assert dump(course) == clean


@pytest.mark.slow
def test_a_killed_dask_worker_is_replaced_and_its_task_rescheduled(base, clean, tmp_path):
    """Dask's own handling of a lost worker: the scheduler gives its task to another worker
    and the Nanny starts a new worker process; every value ends as a clean run's."""
    course = copy(base, tmp_path / "course")
    killed: list[int] = []
    left: list[str] = []
    kernels: set[int] = set()
    thread = kill_a_grading_worker(killed, left, kernels)
    summary = autograde.autograde_class(course, [A], workers=2, engine="dask", progress=False)
    thread.join()
    assert killed, "no worker was seen grading"
    assert left and not [p for p in left if os.path.exists(p)], left  # removed after the run
    assert kernels and not alive(kernels), "the lost worker's kernel still runs"
    assert not summary.failed and len(summary.results) == len(STUDENTS), summary.text()
    assert dump(course) == clean


# ---------------------------------------------------------------------------------------------
# the coordinator killed (SIGKILL) at random moments


@pytest.mark.slow
def test_coordinator_killed_at_random_moments_then_missing_ends_as_a_clean_run(
    base, clean, tmp_path, request
):
    """After each kill: the run's workers and kernels are gone, each student's values are as
    before or as a clean run's (no half-written submission, no duplicate row, the manual grade
    kept), and `--missing` ends with every value equal to a clean run's. The moments are drawn
    from a seed, printed: `pytest --fault-seed <seed>` draws the same ones again (the kill then
    lands near the same point; the machine's timing decides the rest)."""
    seed = request.config.getoption("--fault-seed")
    seed = random.randrange(10**6) if seed is None else seed
    rng = random.Random(seed)
    print(f"seed {seed} (replay: --fault-seed {seed})")
    for i in range(3):
        course = copy(base, tmp_path / f"run{i}")
        before = dump(course)
        proc = cli(course)
        # a random moment: during start-up (k = 0, up to 3 s in), or up to half a second
        # after the k-th notebook's grade (a warm kernel grades one in a few tenths: any later
        # and nearly every kill would land after the last), k = all of them: the clean-up
        k = rng.randrange(len(STUDENTS) + 1)
        extra = rng.uniform(0, 3.0 if k == 0 else 0.5)
        wait_for(lambda: graded_so_far(course) >= k or proc.poll() is not None, f"{k} graded")  # noqa: B023
        time.sleep(extra)
        held = descendants(proc.pid)
        proc.kill()
        proc.communicate()
        print(f"run {i}: killed after {graded_so_far(course)} graded (k={k}, +{extra:.2f} s)")
        wait_for(lambda: not alive(held), "the killed run's workers and kernels gone", limit=60)  # noqa: B023
        left = each_untouched_or_clean(before, dump(course), clean)
        finish(course, clean, left, command=False)


# ---------------------------------------------------------------------------------------------
# the single writer: a record lands whole or not at all


def _apply_then_die(db_url: str, record: dict) -> None:
    """Apply ``record``, killed (SIGKILL) when apply_record itself commits, its last step:
    the commits nbgrader's helpers make on the way (the student, the submission's empty rows)
    go through, if they are commits."""
    import sys

    from nbgrader.api import Gradebook

    with Gradebook(db_url, "nlpcourse") as gb:
        commit = gb.db.commit

        def dying_commit():
            if sys._getframe(1).f_code.co_name == "apply_record":
                gb.db.flush()  # everything written, nothing committed
                os.kill(os.getpid(), signal.SIGKILL)
            commit()

        gb.db.commit = dying_commit
        gradebook.apply_record(gb, A, "newcomer", record)


@pytest.mark.slow
def test_a_coordinator_killed_while_it_writes_leaves_no_half_written_submission(base, tmp_path):
    import multiprocessing

    from nbgrader.api import Gradebook

    course = copy(base, tmp_path / "course")
    before = dump(course)
    with Gradebook(url(course), "nlpcourse") as gb:
        record = gradebook.read_record(gb, A, MANUAL[0])
    proc = multiprocessing.get_context("fork").Process(
        target=_apply_then_die, args=(url(course), record)
    )
    proc.start()
    proc.join(120)
    assert proc.exitcode == -signal.SIGKILL
    assert dump(course) == before  # no newcomer, not even an empty submission
    with Gradebook(url(course), "nlpcourse") as gb:
        gradebook.apply_record(gb, A, "newcomer", record)  # the same record, whole
    after = dump(course)
    assert of(after, "newcomer")[("newcomer", "test_double_hidden")] == (4.0, None, False)
    assert {k: v for k, v in after.items() if k[0] != "newcomer"} == before


# ---------------------------------------------------------------------------------------------
# the pool's bookkeeping, on a stand-in for nbgrader's autograde (no kernels)

HW = ["s0", "s1", "dies_once", "dies_always", "s4"]


def fake_autograde(self, assignment_id, student_id, force=True, create=True):
    """Writes what autograde writes (a score per cell); two students kill their worker."""
    from nbgrader.api import Gradebook

    marker = Path(self.coursedir.root) / f"died-{student_id}"
    if student_id == "dies_always" or (student_id == "dies_once" and not marker.exists()):
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
        gb.update_or_create_student(student_id)
        sub = gb.update_or_create_submission(assignment_id, student_id)
        for nb in sub.notebooks:
            for g in nb.grades:
                g.auto_score = float(len(student_id))
        gb.db.commit()
    return {"success": True, "log": f"graded {student_id}", "error": ""}


def fake_course(tmp_path: Path) -> Path:
    from nbgrader.api import Gradebook

    course = rel.copy_course(ROOT, tmp_path / "course", [])
    with Gradebook(url(course), "nlpcourse") as gb:
        gb.add_assignment("hw")
        gb.add_notebook("hw", "hw")
        gb.add_grade_cell("q1", "hw", "hw", max_score=8, cell_type="code")
    for s in HW:
        d = course / "submitted" / s / "hw"
        d.mkdir(parents=True)
        (d / "hw.ipynb").write_text("{}")
    return course


@pytest.fixture
def forked_stand_in(monkeypatch):
    """Workers forked from here (they inherit the stand-in; it runs no torch, so forking is
    safe), grading with :func:`fake_autograde`."""
    from nbgrader.apps import NbGraderAPI

    monkeypatch.setattr(NbGraderAPI, "autograde", fake_autograde)
    monkeypatch.setattr(coordinator, "_pool_context", lambda mp: mp.get_context("fork"))


def test_a_dead_workers_submission_is_retried_once_and_the_batch_goes_on(tmp_path, forked_stand_in):
    from nbgrader.api import Gradebook

    course = fake_course(tmp_path)
    summary = autograde.autograde_class(course, ["hw"], workers=2, progress=False)
    by = {r.student: r for r in summary.results}
    assert sorted(by) == sorted(HW)
    assert [r.student for r in summary.failed] == ["dies_always"], summary.text()
    error = by["dies_always"].error
    assert error.count("killed by SIGKILL") == 2 and "on a fresh worker" in error, error
    assert by["dies_once"].ok and "killed by SIGKILL" in by["dies_once"].retried
    assert all(not by[s].retried for s in ["s0", "s1", "s4"])
    text = summary.text()
    assert "RETRIED hw/dies_once" in text and "FAILED hw/dies_always: its worker died twice" in text
    assert "To grade only what is left: nlpcourse autograde hw --missing" in text
    with Gradebook(url(course), "nlpcourse") as gb:
        scores = {
            s.student.id: s.notebooks[0].grades[0].auto_score
            for s in gb.find_assignment("hw").submissions
        }
    assert scores == {s: float(len(s)) for s in HW if s != "dies_always"}


def test_missing_grades_only_what_has_no_complete_autograde(tmp_path, forked_stand_in):
    """The stand-in writes no autograded notebook, so nothing it grades counts as complete;
    one submission made complete by hand (an autograded copy, the timestamp) is left alone."""
    from nbgrader.api import Gradebook

    course = fake_course(tmp_path)
    autograde.autograde_class(course, ["hw"], ["s0", "s1"], workers=1, progress=False)
    done = course / "autograded" / "s0" / "hw"
    done.mkdir(parents=True)
    (done / "hw.ipynb").write_text("{}")
    summary = autograde.autograde_class(course, ["hw"], workers=2, progress=False, missing=True)
    assert summary.complete == 1 and "s0" not in {r.student for r in summary.results}
    assert "1 submission(s) already graded as handed in: left alone" in summary.text()
    # a new hand-in (a later timestamp) is no longer complete
    (course / "submitted" / "s0" / "hw" / "timestamp.txt").write_text("2030-01-02 10:00:00 UTC")
    with Gradebook(url(course), "nlpcourse") as gb:
        assert not gradebook.is_complete(gb, "hw", "s0", course / "submitted" / "s0" / "hw", done)


def test_a_worker_that_cannot_start_stops_the_run_with_its_error(
    tmp_path, forked_stand_in, monkeypatch
):
    from nlpcourse.course.autograde import worker

    def broken(root):
        raise RuntimeError("nbgrader_config.py: something the instructor must fix")

    monkeypatch.setattr(worker, "course_app", broken)
    course = fake_course(tmp_path)
    with pytest.raises(autograde.WorkerStartFailed, match="something the instructor must fix"):
        autograde.autograde_class(course, ["hw"], workers=2, progress=False)


def test_a_workers_death_is_told_with_its_signal_and_memory():
    kill = -signal.SIGKILL
    assert describe_death(kill, 0.0, 3, 3).startswith("killed by SIGKILL (the kernel's OOM killer")
    oom = describe_death(kill, 812.4, 3, 4)
    assert "out of memory" in oom and "used up to 812 MB" in oom, oom
    assert describe_death(-signal.SIGTERM, 0.0, None, None) == "killed by SIGTERM"
    assert describe_death(3, 0.0, None, None) == "exited with status 3"
