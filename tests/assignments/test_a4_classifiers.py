"""a4: the grader's checks (hidden/checks.py) on a kernel played by a namespace, and the
notebook end to end. The package code a4 uses (nlpcourse.reviews: data, vectors, tensors) is
tested in tests/test_reviews.py."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
import torch
from conftest import ROOT

from nlpcourse.course import submissions, verdicts

A = "a4_classifiers"
CHECKS = ROOT / "source" / A / "hidden" / "checks.py"
PRELUDE = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def case_namespace(case_name: str) -> dict:
    """The notebook's two classes (the reference, or a test submission's) in a namespace."""
    import jupytext

    nb = jupytext.read(ROOT / "source" / A / f"{A}.py")
    case = submissions.load_case(ROOT / "tests" / "submissions" / A / f"{case_name}.py")
    ns: dict = {}
    exec(PRELUDE, ns)  # noqa: S102
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in ("ffnn", "attention_classifier"):
            src = case.replace.get(gid, cell.source)
            exec(submissions.strip_solution_delimiters(src), ns)  # noqa: S102
    return ns


def run_checks(case_name: str, only=None) -> dict[str, float]:
    """Each check's score for a case, the kernel played by ``eval`` in its namespace."""
    ns = case_namespace(case_name)
    k = verdicts.Kernel(lambda expr: repr(eval(expr, ns)))  # noqa: S307
    checks = verdicts.load_checks(CHECKS)
    out = {}
    for gid, c in checks.items():
        if only is None or gid in only:
            v = verdicts.run(c, k, verdicts.rng_for("t", A, case_name, gid))
            assert not v.internal_error, (gid, v.lines)
            out[gid] = v.fraction
    return out


@pytest.mark.parametrize(
    "case, lost",
    [
        ("reference", set()),
        ("attn_sdpa", set()),
        ("ffnn_relu", {"test_ffnn_forward"}),
        ("attn_no_key_mask", {"test_attention_reference", "test_attention_padding"}),
        ("attn_loop_over_batch", {"test_attention_padding"}),
        ("attn_loop_no_grad", {"test_attention_padding"}),
    ],
)
def test_checks_score_right_answers_full_and_wrong_ones_less(case, lost):
    if case != "reference":  # the training check (the slow one) only once here
        gids = verdicts.load_checks(CHECKS)
        scores = run_checks(case, set(gids) - {"test_ffnn_trains"})
    else:
        scores = run_checks(case)
    assert {g for g, f in scores.items() if f < 1} == lost, scores


@pytest.mark.parametrize("case", ["attn_loop_over_batch", "attn_loop_no_grad"])
def test_a_loop_over_the_batch_loses_only_the_batched_part(case):
    """Its logits are right, so of the padding check only "batched" (2 of 8) is lost."""
    scores = run_checks(case, {"test_attention_padding"})
    assert scores["test_attention_padding"] == pytest.approx(6 / 8)


def test_the_operation_count_is_the_graphs_node_count():
    """The counting code the check sends, evaluated as the kernel would, on graphs whose nodes
    are known: it counts each operation once, however many paths lead to it."""
    check = verdicts.load_checks(CHECKS)["test_attention_padding"]
    size = eval(check.fn.__globals__["GRAPH_SIZE"])  # noqa: S307
    w = torch.randn(3, requires_grad=True)
    y = w * 2  # MulBackward, AccumulateGrad
    assert size(y) == 2
    assert size(y + y) == 3, "a node reached twice is counted once"
    assert size(torch.stack([w[0] * 1, w[1] * 2]).sum()) == 7
    assert size(torch.ones(2)) == 0 and size(y.detach()) == 0
    z = w.sum()
    for _ in range(5000):  # a graph far deeper than Python's recursion limit
        z = z * 1.0
    assert size(z) == 5002


def test_check_reference_is_the_per_review_loop():
    """attention_reference against torch's own scaled_dot_product_attention on one review."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("a4_checks_under_test", CHECKS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(0)
    d, C, dk, n = 7, 3, 5, 4
    w = mod._attn_weights(rng, d, C, dk)
    x = rng.normal(size=(6, d)).astype(np.float32)  # 6 positions, the last 2 padding
    W = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in w.items()}
    xb = torch.as_tensor(x[:n], dtype=torch.float64)[None]  # (1, n, d)
    a = torch.nn.functional.scaled_dot_product_attention(
        xb @ W["query"].T, xb @ W["key"].T, xb @ W["value"].T
    )  # (1, n, d)
    want = (a[0].mean(0) @ W["out"].T + W["bias"]).numpy()
    assert np.allclose(mod.attention_reference(x, n, w), want, atol=1e-12)


def test_probabilities_cannot_reach_the_training_checks_loss():
    """The training check's loss bound: with outputs in [0, 1] the cross-entropy is at least
    log(1 + e^-1) ~ 0.313, above MAX_LOSS; the reference stays far below it (measured: < 0.09
    for tanh, ReLU, sigmoid and 10 hidden units over 200 seeds)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("a4_checks_under_test", CHECKS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert math.log(1 + math.exp(-1)) > mod.MAX_LOSS
    assert run_checks("ffnn_probabilities", {"test_ffnn_trains"})["test_ffnn_trains"] < 1


@pytest.mark.slow
def test_source_notebook_runs_whole_offline(tmp_path):
    """The whole source notebook (reference answers, all three trainings) executes offline on
    the CPU, labels the offline set, and reports three dev accuracies."""
    from nlpcourse.course import build

    nb_path = build.build_assignment(ROOT, A)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg")
    env.pop("NBGRADER_EXECUTION", None)
    subprocess.run(  # the offline tokenizer's checkpoint is built once per machine
        [sys.executable, "-c", "from nlpcourse import hub; hub.seeded_checkpoint()"],
        env=env,
        check=True,
    )
    out = tmp_path / "executed.ipynb"
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         str(nb_path), "--output", str(out), "--ExecutePreprocessor.timeout=300"],
        cwd=nb_path.parent,
        env=env,
        check=True,
        capture_output=True,
    )  # fmt: skip
    # Its time (target: under 3 minutes on CPU) is measured in bench/notebooks.py.
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    assert "OFFLINE SET" in text
    accs = dict(re.findall(r"^\s+(logistic regression|FFNN \(tanh, 20\)|self-attention): "
                           r"([0-9.]+)$", text, re.M))  # fmt: skip
    assert len(accs) == 3, text[-2000:]
    assert all(float(a) > 0.75 for a in accs.values()), accs
    assert "[CLS]" in text and "[SEP]" in text
