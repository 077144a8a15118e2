"""Warm kernels keep students apart (issue 18): poisoners graded right before their victims.

Every poisoner of tests/submissions/isolation/ (see its README) tries to reach the next student
graded by the same worker: a module global, ``sys.modules``, the environment, files, a thread,
a daemon, numpy's print options, patched library functions, folders nested past the stack. One
course, real autograde (:func:`nlpcourse.course.autograde.autograde_class`, one worker, warm
kernels), two runs:

- **alone**: the victims (the reference, the partly wrong student, a student who caches 2b in a
  folder that looks shared) under the same student ids as in the attack run, with no poisoner
  graded before them; then the *controls*: each poison run in a kernel of its own together
  with what would trigger it in a victim (its effect, were it to reach a victim's kernel);
- **attack**: poisoner, victim, poisoner, victim... in the order the worker takes them
  (student ids sorted).

Each victim must score, cell by cell, what it scored alone; each poisoner its own expectation;
each control must lose points (else its poison could not change a victim's score and the test
would prove nothing); every notebook must have had a warm kernel (a "fork" phase).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jupytext
import pytest
from conftest import ROOT

from nlpcourse.course import autograde, submissions
from nlpcourse.course import release as rel
from nlpcourse.course.sandbox import bwrap, warm

A = "a2_dropout_cnn"
ISO = ROOT / "tests" / "submissions" / "isolation"
VICTIMS = {
    "reference": ROOT / "tests" / "submissions" / A / "reference.py",
    "partly_wrong": ROOT / "tests" / "submissions" / A / "partly_wrong.py",
    "victim_cacher": ISO / "victim_cacher.py",
}
POISON_MARK = "# --- poison ---"


def isolation_meta(path: Path) -> dict:
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    for cell in nb.cells:
        if "expect" in cell.metadata:
            return cell.metadata.get("isolation", {})
    return {}


POISONERS = sorted(p for p in ISO.glob("*.py") if "victim" in isolation_meta(p))


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def control_notebook(path: Path, rel_nb: Path, src_nb: Path):
    """The reference answers with ``path``'s poison and its trigger added to one cell: the
    poison in a victim's own kernel, as it would act if it leaked there."""
    meta = isolation_meta(path)
    case = submissions.load_case(path)
    poison = case.replace["z_prime"].split(POISON_MARK, 1)[1]
    extra = [poison, meta.get("trigger", "")]
    if meta.get("victim_code"):
        extra.append(submissions.load_case(VICTIMS[meta["victim"]]).replace[meta["control"]])
    nb = submissions.make_submission(rel_nb, src_nb, submissions.Case(name="control"))
    cell = next(c for c in nb.cells if _gid(c) == meta["control"])
    cell.source = "\n\n".join([cell.source, *extra])
    return nb


def _scores(db_url: str, student: str) -> dict[str, float]:
    got = submissions.read_scores(db_url, A, student)
    assert got is not None, f"{student} was not graded"
    return {gid: s.score or 0.0 for gid, s in got.items() if not s.manual}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("isolation")
    course = rel.copy_course(ROOT, work, [A])
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    # Warm kernels on, whatever the caller's environment says: this is what is tested.
    env = {"NLPCOURSE_DB_URL": db_url, "NLPCOURSE_COLD_KERNELS": "0"}
    rel.release(course, [A], write_registry=False, env=env)
    src_nb = course / "source" / A / f"{A}.ipynb"
    rel_nb = course / "release" / A / f"{A}.ipynb"
    # Sorted ids: s01 poisoner, s02 its victim, s03 poisoner, ...; controls after them all.
    poisoners, victims, controls = {}, {}, {}
    for i, path in enumerate(POISONERS):
        p_id = f"s{2 * i + 1:02d}_{path.stem}"
        v_name = isolation_meta(path)["victim"]
        v_id = f"s{2 * i + 2:02d}_{v_name}"
        poisoners[p_id] = submissions.load_case(path)
        victims[v_id] = submissions.load_case(VICTIMS[v_name])
        controls[f"z{i + 1:02d}_control_{path.stem}"] = path
    for sid, case in {**poisoners, **victims}.items():
        submissions.hand_in(course, A, sid, submissions.make_submission(rel_nb, src_nb, case))
    for sid, path in controls.items():
        submissions.hand_in(course, A, sid, control_notebook(path, rel_nb, src_nb))

    def run(students, preflight):
        summary = autograde.autograde_class(
            course, [A], students=students, workers=1, progress=False, env=env,
            preflight=preflight,
        )  # fmt: skip
        log = summary.log_file.read_text(encoding="utf-8") if summary.log_file else ""
        assert not summary.failed and not summary.not_graded, f"{summary.text()}\n{log[-5000:]}"
        # the order the worker graded them in: its results, as the log received them
        order = re.findall(rf"^==== {A}/(\S+) \(", log, re.M)
        return summary, {s: _scores(db_url, s) for s in students}, order

    alone, alone_scores, _ = run([*victims, *controls], preflight=True)
    attack, attack_scores, order = run([*poisoners, *victims], preflight=False)
    maxima = submissions.read_scores(db_url, A, order[0])
    return {
        "max": {g: s.max_score for g, s in maxima.items() if not s.manual},
        "poisoners": poisoners, "victims": victims, "controls": controls, "order": order,
        "alone": (alone, alone_scores), "attack": (attack, attack_scores), "db_url": db_url,
    }  # fmt: skip


def test_there_is_one_poisoner_per_attempt():
    kinds = [p.stem.split("_", 1)[1] for p in POISONERS]
    assert len(POISONERS) == 9, kinds
    for p in POISONERS:
        assert isolation_meta(p)["victim"] in VICTIMS, p.name
        assert POISON_MARK in submissions.load_case(p).replace["z_prime"], p.name


@pytest.mark.skipif(bwrap.bwrap_problem() is not None, reason="bubblewrap does not work here")
def test_the_sweep_leaves_nothing_in_the_zygotes_own_home_and_tmp():
    """A kernel can write into the zygote's HOME and TMPDIR (its run folder), and every
    kernel's matplotlib keeps them as its config and cache folders (the zygote imported it):
    after the sweep they are there again, empty, and nothing else is."""
    z = warm.Zygote(("numpy",), warm.Limits(2048, 60, 32, 50), dict(os.environ))
    z.start()
    try:
        z.wait_ready(120)
        run = z.dir / "run"
        for folder in (run, run / "tmp", run / "home" / ".mpl" / "a2_cache"):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "left.json").write_text("{}")
        z.sweep()
        assert z.alive(), "the zygote was stopped: it should have been swept and kept"
        assert sorted(p.name for p in run.iterdir()) == ["home", "tmp"]
        assert not any((run / "home").iterdir()) and not any((run / "tmp").iterdir())
    finally:
        z.stop()


@pytest.mark.slow
def test_every_notebook_had_a_warm_kernel(graded):
    for name in ("alone", "attack"):
        summary, _ = graded[name]
        cold = [r.student for r in summary.results if "fork" not in (r.phases or {})]
        assert not cold, f"{name} run: no warm kernel (no 'fork' phase) for {cold}"
        assert "fork" in summary.phases(), summary.phases()
        assert "No warm kernel" not in summary.log_file.read_text(encoding="utf-8")


@pytest.mark.slow
def test_workers_took_poisoner_then_victim(graded):
    """One worker, in sorted order: each victim was the very next notebook after its
    poisoner, in the same worker process (so with the same zygote)."""
    attack, _ = graded["attack"]
    assert len({r.worker for r in attack.results}) == 1, {r.worker for r in attack.results}
    order = graded["order"]
    assert len(order) == len(attack.results) and order == sorted(order), order
    for i, p_id in enumerate(sorted(graded["poisoners"])):
        assert order[2 * i] == p_id and order[2 * i + 1] in graded["victims"], order


@pytest.mark.slow
def test_each_poison_changes_a_score_when_it_reaches_a_kernel(graded):
    """The controls: each poison, run in a kernel with what would trigger it in a victim,
    costs that notebook points (its answers are the reference's, full marks alone)."""
    _, scores = graded["alone"]
    top = sum(graded["max"].values())
    harmless = [sid for sid in graded["controls"] if sum(scores[sid].values()) >= top]
    assert not harmless, f"these poisons changed no score: {harmless}"


@pytest.mark.slow
def test_victims_alone_score_as_their_cases_say(graded):
    """The baseline is right: alone, each victim loses exactly the cells its case names."""
    _, alone = graded["alone"]
    top = graded["max"]
    for sid, case in graded["victims"].items():
        lose = set(case.lose)
        wrong = {g: v for g, v in alone[sid].items() if (v < top[g]) != (g in lose)}
        assert not wrong, f"{sid} alone: {wrong} (expected to lose only {sorted(lose)})"


@pytest.mark.slow
def test_poisoners_score_their_own_expectation(graded):
    for sid, case in graded["poisoners"].items():
        scores = submissions.read_scores(graded["db_url"], A, sid)
        problems = submissions.check_expectations(case, scores)
        assert not problems, f"{sid}: {problems}"


@pytest.mark.slow
def test_victims_score_as_when_graded_alone(graded):
    _, alone = graded["alone"]
    _, attacked = graded["attack"]
    order = graded["order"]
    changed = {
        f"{order[order.index(sid) - 1]} -> {sid}": {
            gid: (alone[sid][gid], attacked[sid][gid])
            for gid in alone[sid]
            if attacked[sid].get(gid) != alone[sid][gid]
        }
        for sid in graded["victims"]
        if attacked[sid] != alone[sid]
    }
    assert not changed, (
        "victims (after the notebook graded just before them) scored otherwise than alone "
        "(alone, attacked): " + json.dumps(changed, indent=1)
    )
