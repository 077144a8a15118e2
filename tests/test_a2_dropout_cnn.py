"""a2_dropout_cnn: the hidden convolution cases are what the committed seeded script makes."""

from __future__ import annotations

import importlib.util

import numpy as np
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
