"""a2_dropout_cnn: the hidden convolution cases are what the committed seeded script makes."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from conftest import FIXTURE_ATOL, FIXTURE_RTOL, ROOT, assert_fixture_close

A = "a2_dropout_cnn"
HIDDEN = ROOT / "source" / A / "hidden"


def _make_cases():
    spec = importlib.util.spec_from_file_location("make_cases", HIDDEN / "make_cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_conv_cases_are_what_the_seeded_script_makes():
    """conv_cases.npz holds the seeded script's cases: counts exactly, floats within the
    fixture tolerance (not bit for bit, see conftest.FIXTURE_RTOL)."""
    made = _make_cases().cases()
    with np.load(HIDDEN / "conv_cases.npz", allow_pickle=False) as committed:
        assert sorted(committed.files) == sorted(made)
        for name, arr in made.items():
            assert_fixture_close(committed[name], arr, name)


def test_the_tolerance_catches_cases_of_another_seed():
    """The tolerance is tight enough that a stale file (another seed) would fail."""
    mod = _make_cases()
    good, other = mod.cases(), mod.cases(mod.SEED + 1)
    assert not np.allclose(good["out0"], other["out0"], rtol=FIXTURE_RTOL, atol=FIXTURE_ATOL)


def test_dropout_check_wants_independent_entries():
    """The hidden dropout check tests the mask's distribution, not only its rate: a fixed
    number of drops per call, or one mask shared by every row, lose the drop-rate part; the
    reference keeps every point."""
    from nlpcourse.course import verdicts

    def scale(p):
        if not 0.0 <= p < 1.0:
            raise ValueError(p)
        return 1 / (1 - p)

    def independent(a, p, rng, train=True):
        return a if not train else (a * (rng.random(a.shape) >= p) * scale(p)).astype(a.dtype)

    def fixed_count(a, p, rng, train=True):
        if not train:
            return a
        keep = np.ones(a.size, dtype=bool)
        keep[rng.permutation(a.size)[: int(round(p * a.size))]] = False
        return (a * keep.reshape(a.shape) * scale(p)).astype(a.dtype)

    def shared_mask(a, p, rng, train=True):
        return a if not train else (a * (rng.random(a.shape[-1]) >= p) * scale(p)).astype(a.dtype)

    chk = verdicts.load_checks(ROOT / "source/a2_dropout_cnn/hidden/checks.py")
    chk = chk["test_dropout_hidden"]
    lose = chk.parts["drop_rate"] / sum(chk.parts.values())
    for fn, want in [(independent, 1.0), (fixed_count, 1 - lose), (shared_mask, 1 - lose)]:
        ns = {"dropout": fn, "dropout_scale": scale, "np": np}
        kernel = verdicts.Kernel(lambda expr, ns=ns: repr(eval(expr, ns)))
        for student in ("s1", "s2", "s3"):
            rng = verdicts.rng_for("t", "a2_dropout_cnn", student, chk.grade_id)
            got = verdicts.run(chk, kernel, rng).fraction
            assert got == pytest.approx(want), (fn.__name__, student, got)


def test_z_prime_check_grades_2b_alone_part_by_part():
    """2b's check never calls 2a's function (a namespace without conv_maxpool_concat scores
    full), and each rule costs only its own part: windows counted from 0 lose "windows" (3 of
    8), marks of 1 instead of the weights lose "grad_values" (3), a gradient sent to every
    window loses both gradient parts (5), nothing defined scores 0."""
    from nlpcourse.course import verdicts

    chk = verdicts.load_checks(HIDDEN / "checks.py")["test_z_prime"]
    Z = np.array(
        [
            [1.3, 0.4, -0.2],
            [-3.1, 1.1, 2.1],
            [0.9, 2.8, -1.5],
            [1.3, 2.4, 0.1],
            [1.0, 1.0, 0.5],
            [3.0, -1.4, -0.2],
            [-0.7, 1.8, 1.3],
        ]
    )
    W, S = [np.ones((2, 3)), 2 * np.ones((3, 3))], [2, 3]

    def answer(first=1, mark=None, every=False):
        windows, grad = [], np.zeros_like(Z)  # (T, D)
        for w, s in zip(W, S, strict=True):
            B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])
            best = B.argmax(axis=0)  # (D,)
            windows += [int(t) + first for t in best]
            if every:
                for t in range(len(Z) - s + 1):
                    grad[t : t + s] += w  # (s, D)
                continue
            for j, t in enumerate(best):
                grad[t : t + s, j] += w[:, j] if mark is None else mark  # (s,)
        return {"windows": windows, "grad_Z": grad}

    for ns, want in [
        (answer(), 1.0),
        (answer(first=0), 5 / 8),
        (answer(mark=1.0), 5 / 8),
        (answer(every=True), 3 / 8),
        ({}, 0.0),
    ]:
        ns = {**ns, "np": np}  # no conv_maxpool_concat, no Z: the check must not need them
        kernel = verdicts.Kernel(lambda expr, ns=ns: repr(eval(expr, ns)))
        rng = verdicts.rng_for("t", "a2_dropout_cnn", "s1", chk.grade_id)
        assert verdicts.run(chk, kernel, rng).fraction == pytest.approx(want), sorted(ns)


def test_a_flipped_filter_loses_the_same_edge_case_points_for_every_student():
    """A flipped filter (the partly wrong student's mistake) fails the integer one-feature
    case on every draw: a draw where flipping gives the same max is drawn again (on about 1
    draw in 4 it was not, and two students with the same bug scored 0 and 1.5 of 6)."""
    from nlpcourse.course import verdicts

    def flipped(Z, W, S):
        out = []
        for w, s in zip(W, S, strict=True):
            w = np.asarray(w, dtype=float)[::-1]  # (s, D)
            B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])
            out.append(B.max(axis=0))  # (D,)
        return np.concatenate(out)

    chk = verdicts.load_checks(HIDDEN / "checks.py")["test_conv_edge_cases"]
    ns = {"conv_maxpool_concat": flipped, "np": np}
    kernel = verdicts.Kernel(lambda expr: repr(eval(expr, ns)))
    got = {
        verdicts.run(
            chk, kernel, verdicts.rng_for("t", "a2_dropout_cnn", f"s{i}", chk.grade_id)
        ).fraction
        for i in range(60)
    }
    assert len(got) == 1 and got.pop() < 1.0
