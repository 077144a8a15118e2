"""a3_attention: the released fixtures are what the committed seeded script makes, their
expected outputs agree with torch's attention, and the notebook runs whole on CPU."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import FIXTURE_ATOL, FIXTURE_RTOL, ROOT, assert_fixture_close

A = "a3_attention"
SRC = ROOT / "source" / A


def _make_fixtures():
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", SRC / "hidden" / "make_fixtures.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_fixtures_are_what_the_seeded_script_makes():
    """The committed fixtures are the seeded script's output, within float tolerance.

    Bit-equality is not asked for: the script's float64 products (`@`) go through BLAS, and
    which BLAS kernel runs (hence the last bits of a sum) depends on the CPU and on settings
    such as OPENBLAS_CORETYPE; two machines of the same kind differ by up to ~1e-14. A wrong or
    stale file (another seed, shape, scale or formula) differs by far more than the tolerance.
    Shapes, dtypes and integer data are compared exactly; the released copies must be the
    committed files byte for byte (nbgrader copies them).
    """
    made = _make_fixtures().fixtures()
    assert sorted(f"{k}.npy" for k in made) == sorted(p.name for p in SRC.glob("*.npy"))
    for name, arr in made.items():
        committed = np.load(SRC / f"{name}.npy")
        assert_fixture_close(committed, arr, name)
        released = ROOT / "release" / A / f"{name}.npy"
        assert released.read_bytes() == (SRC / f"{name}.npy").read_bytes(), (
            f"release/{A}/{name}.npy is not the committed source/{A}/{name}.npy: run make goldens"
        )


def test_the_tolerance_catches_a_stale_fixture(monkeypatch):
    """The tolerance is tight enough that fixtures of another seed would fail."""
    mod = _make_fixtures()
    good = mod.fixtures()
    monkeypatch.setattr(mod, "SEED", mod.SEED + 1)
    other = mod.fixtures()
    for name in ("x", "y", "y_mh"):
        assert not np.allclose(good[name], other[name], rtol=FIXTURE_RTOL, atol=FIXTURE_ATOL)


def test_fixture_shapes_are_the_issue_s():
    f = {p.stem: np.load(p) for p in SRC.glob("*.npy")}
    assert f["x"].shape == (32, 256)
    assert f["W_q"].shape == f["W_k"].shape == f["W_v"].shape == (256, 32)
    assert f["W_o"].shape == (32, 256) and f["y"].shape == (32, 256)
    assert f["W_q_mh"].shape == (8, 256, 32) and f["W_o_mh"].shape == (256, 256)
    assert f["y_mh"].shape == (32, 256)


def test_expected_outputs_agree_with_torch_attention():
    f = {p.stem: torch.as_tensor(np.load(p), dtype=torch.float64) for p in SRC.glob("*.npy")}
    x = f["x"]
    y = F.scaled_dot_product_attention(x @ f["W_q"], x @ f["W_k"], x @ f["W_v"]) @ f["W_o"]
    torch.testing.assert_close(y, f["y"], rtol=1e-9, atol=1e-9)
    heads = F.scaled_dot_product_attention(x @ f["W_q_mh"], x @ f["W_k_mh"], x @ f["W_v_mh"])
    y_mh = torch.cat(list(heads), dim=-1) @ f["W_o_mh"]
    torch.testing.assert_close(y_mh, f["y_mh"], rtol=1e-9, atol=1e-9)
    # The wrong scales the tests must catch really give other numbers on these fixtures.
    for wrong in (1.0, 1 / 16.0):  # no scaling; 1/sqrt(d_model)
        bad = (
            F.scaled_dot_product_attention(x @ f["W_q"], x @ f["W_k"], x @ f["W_v"], scale=wrong)
            @ f["W_o"]
        )
        assert not torch.allclose(bad, f["y"], rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_source_notebook_runs_whole_on_cpu(tmp_path):
    """The whole source notebook (reference answers) executes without error, offline."""
    import nbformat

    from nlpcourse import build

    nb_path = build.build_assignment(ROOT, A)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg")
    # Build the offline model once outside the clock (a fresh machine does this once only).
    subprocess.run(
        [sys.executable, "-c", "from nlpcourse import hub; hub.seeded_checkpoint()"],
        env=env,
        check=True,
    )
    out = tmp_path / "executed.ipynb"
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         str(nb_path), "--output", str(out), "--ExecutePreprocessor.timeout=300"],
        cwd=SRC,
        env=env,
        check=True,
        capture_output=True,
    )  # fmt: skip
    # Its time (target: under 2 minutes on CPU) is measured in bench/notebooks.py.
    nb = nbformat.read(out, as_version=4)
    demo = next(c for c in nb.cells if c.get("id") == "plot_attention_demo")
    assert any("image/png" in o.get("data", {}) for o in demo.outputs), (
        "the heatmap cell plot_attention_demo shows no figure"
    )
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, errors
