"""a3_attention: the released fixtures are what the committed seeded script makes, their
expected outputs agree with torch's attention, the grader's checks (hidden/checks.py) have
right references and give the reference solution full points, and the notebook runs whole on
CPU."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

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

    from nlpcourse.course import build

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


# --- the grader's checks (source/a3_attention/hidden/checks.py) -------------------------------


@pytest.fixture(scope="module")
def checks():
    """hidden/checks.py as a module (the references of the grader's checks)."""
    path = SRC / "hidden" / "checks.py"
    spec = importlib.util.spec_from_file_location("a3_checks_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def test_the_checks_references_are_the_explicit_loop(checks):
    """One head, several heads (concatenated in head order) and the 4b pair (A, Y) agree with
    the fixtures script's loop over tokens and with the formulas written out."""
    loop = _make_fixtures().attention_loop
    rng = np.random.default_rng(0)
    x, W_q, W_k, W_v, W_o = (rng.normal(size=s) for s in [(5, 7), (7, 3), (7, 3), (7, 4), (4, 7)])
    np.testing.assert_allclose(
        checks.sa_reference(x, W_q, W_k, W_v, W_o), loop(x, W_q, W_k, W_v) @ W_o, rtol=1e-10
    )
    Wq, Wk, Wv = (rng.normal(size=(3, 7, 2)) for _ in range(3))
    Wo = rng.normal(size=(6, 7))
    heads = np.concatenate([loop(x, Wq[h], Wk[h], Wv[h]) for h in range(3)], axis=1)
    np.testing.assert_allclose(checks.mh_reference(x, Wq, Wk, Wv, Wo), heads @ Wo, rtol=1e-10)
    X = rng.normal(size=(4, 6))
    Wq, bq, Wk, bk = (
        rng.normal(size=(5, 6)),
        rng.normal(size=5),
        rng.normal(size=(5, 6)),
        rng.normal(size=5),
    )
    Wv, bv = rng.normal(size=(3, 6)), rng.normal(size=3)
    A, Y = checks.single_reference(X, Wq, bq, Wk, bk, Wv, bv)
    E = (X @ Wq.T + bq) @ (X @ Wk.T + bk).T / np.sqrt(5)
    A_want = np.exp(E - E.max(1, keepdims=True))
    A_want /= A_want.sum(1, keepdims=True)
    np.testing.assert_allclose(A, A_want, rtol=1e-10)
    np.testing.assert_allclose(Y, A_want @ (X @ Wv.T + bv), rtol=1e-10)


def test_the_checks_heads_reference_cuts_each_tokens_features(checks):
    """torch.nn.MultiheadAttention's per-head weights are head h = features h*d..h*d+d-1 of
    every token's query and key, scaled by sqrt(d_head)."""
    rng = np.random.default_rng(1)
    H, T, d = 3, 4, 2
    X, Wq, Wk = rng.normal(size=(T, H * d)), rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    bq, bk = rng.normal(size=6), rng.normal(size=6)
    Q, K = X @ Wq.T + bq, X @ Wk.T + bk
    want = []
    for h in range(H):
        E = Q[:, h * d : (h + 1) * d] @ K[:, h * d : (h + 1) * d].T / np.sqrt(d)
        e = np.exp(E - E.max(1, keepdims=True))
        want.append(e / e.sum(1, keepdims=True))
    np.testing.assert_allclose(checks.heads_reference(X, Wq, bq, Wk, bk, H), want, rtol=1e-10)


def test_the_checks_large_scores_overflow_a_naive_softmax(checks):
    """The large-score cases really put every score above 709 (exp overflows even in
    float64) and near 2000 (float32 resolves them), with spreads that matter (the weights are
    not all one-hot or uniform)."""
    rng = np.random.default_rng(2)
    for heads in (None, 3):
        x, W_q, W_k, _ = checks.large_scores_case(rng, 6, 10, 4, n_heads=heads)
        Q, K = x @ W_q, x @ W_k  # (..., T, d_qkv)
        S = Q @ np.swapaxes(K, -1, -2)
        assert S.min() > 709 and S.max() < 4000
        assert np.isinf(np.exp(S)).all()
        spread = S.max(-1) - S.min(-1)
        assert (spread > 1).all()


def test_the_checks_sentence_tokens_are_the_tokenizers(checks):
    from nlpcourse import hub

    tok = hub.load_tokenizer()
    ids = tok(checks.SENTENCE)["input_ids"]
    assert tok.convert_ids_to_tokens(ids) == checks.TOKENS


def test_the_graders_distilbert_without_transformers_is_transformers(checks, tmp_path):
    """The grader reads a local checkpoint with tokenizers and safetensors and runs its own
    forward pass (distilbert_forward): the same tokens, hidden states, attention and weights as
    transformers' DistilBertModel, and transformers is not imported for it; a folder it cannot
    read that way (no tokenizer.json) goes through transformers."""
    from nlpcourse import hub

    path = str(hub.seeded_checkpoint(hub.DEFAULT_MODEL))
    light = checks.Bert(path)
    ref = object.__new__(checks.Bert)
    ref._from_transformers(path)
    assert light.tokens == ref.tokens
    pairs = [*zip(light.hidden, ref.hidden, strict=True)]
    pairs += zip(light.attentions, ref.attentions, strict=True)
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    assert len(light.hidden) == 7 and light.attentions[checks.LAYER].shape[0] == ref.n_heads
    for n in "qkv":
        assert all(np.array_equal(a, b) for a, b in zip(light.w[n], ref.w[n], strict=True))
    assert light.n_heads == ref.n_heads and np.array_equal(light.fingerprint(), ref.fingerprint())

    src = str(SRC / "hidden" / "checks.py")
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('c', {src!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"m.Bert({path!r}); print('transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr

    partial = tmp_path / "no_tokenizer_json"
    partial.mkdir()
    for f in Path(path).iterdir():
        if f.name != "tokenizer.json":
            (partial / f.name).write_bytes(f.read_bytes())
    assert checks._light(object.__new__(checks.Bert), partial) is False
    assert checks.Bert(str(partial)).tokens == ref.tokens  # through transformers


def _reference_namespace():
    """The reference solutions run as a student's notebook would (no test cells)."""
    import jupytext

    from nlpcourse.course.submissions import strip_solution_delimiters

    nb = jupytext.read(SRC / f"{A}.py")
    ns: dict = {}
    cwd = os.getcwd()
    os.chdir(SRC)
    try:
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or "setup" in cell.metadata.get("tags", []):
                continue
            if meta.get("grade") and not meta.get("solution"):
                continue
            src = strip_solution_delimiters(cell.source).replace("%matplotlib inline", "")
            exec(compile(src, str(meta.get("grade_id")), "exec"), ns)  # noqa: S102
    finally:
        os.chdir(cwd)
    return ns


@pytest.fixture(scope="module")
def reference_ns():
    return _reference_namespace()


@pytest.mark.slow
def test_part_a_tests_run_again_after_part_b(reference_ns):
    """Every visible test cell passes when run again after the whole notebook (Part B's
    DistilBERT weights do not rebind Part A's W_q, W_k, W_v: a student who re-runs a Part A
    test late gets no shape error that is not their code's)."""
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    nb = jupytext.read(SRC / f"{A}.py")
    ns = dict(reference_ns)
    cwd = os.getcwd()
    os.chdir(SRC)
    try:
        ran = []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                exec(compile(cell.source, meta["grade_id"], "exec"), ns)  # noqa: S102
                ran.append(meta["grade_id"])
    finally:
        os.chdir(cwd)
    assert "test_apply_self_attention" in ran and "test_apply_multihead_attention" in ran


def _run(checks_path, ns, student="ref"):
    from nlpcourse.course import verdicts

    loaded = verdicts.load_checks(checks_path)
    kernel = verdicts.Kernel(lambda expr: repr(eval(expr, ns)))  # noqa: S307
    return {
        gid: verdicts.run(chk, kernel, verdicts.rng_for("test", A, student, gid))
        for gid, chk in loaded.items()
    }


@pytest.mark.slow
def test_every_check_gives_the_reference_full_points(reference_ns):
    """The reference through the checks, with a kernel that is this process (fast; the real
    autograde of every case is test_assignments.py's grade-cases)."""
    for student in ("ref", "another"):
        out = _run(SRC / "hidden" / "checks.py", reference_ns, student)
        assert len(out) == 17
        bad = {g: v.lines for g, v in out.items() if v.fraction < 1 or v.internal_error}
        assert not bad, bad


@pytest.mark.slow
def test_a_kernel_with_another_model_is_an_internal_error(reference_ns):
    """If the notebook's DistilBERT is not one the grader can load, the model checks stop
    with an internal error for the instructor, not a wrong score for the student."""
    ns = dict(reference_ns)
    model = ns["model"]
    ns["model"] = type(model)(model.config)  # same architecture, fresh random weights
    out = _run(SRC / "hidden" / "checks.py", ns)
    for gid in ("test_layer5_inputs_hidden", "test_layer5_attention", "test_split_heads_attention"):
        assert out[gid].internal_error, (gid, out[gid].lines)
    assert not out["test_softmax"].internal_error


@pytest.mark.slow
def test_partial_credit_keeps_the_rule_that_holds(reference_ns):
    """A wrong scale in split_heads_attention keeps the one-head part (where sqrt(D) is right)
    and loses the rest; messages show the student's numbers, not the expected ones."""
    ns = dict(reference_ns)
    exec(  # noqa: S102
        "def split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads):\n"
        "    Q, K = X @ W_q.T + b_q, X @ W_k.T + b_k\n"
        "    T, D = Q.shape\n"
        "    Qh = Q.reshape(T, n_heads, D // n_heads).transpose(0, 1)\n"
        "    Kh = K.reshape(T, n_heads, D // n_heads).transpose(0, 1)\n"
        "    return torch.softmax(Qh @ Kh.transpose(1, 2) / D**0.5, dim=-1)\n",
        ns,
    )
    v = _run(SRC / "hidden" / "checks.py", ns)["test_split_heads_attention_hidden"]
    assert v.fraction == pytest.approx(1 / 6), v.lines
    assert all("yours is" in line or "more like these" in line for line in v.lines), v.lines
