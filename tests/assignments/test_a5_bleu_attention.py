"""a5: the grader's checks (their references against nltk and torch, what kernel_side gathers,
the copy task's thresholds). The package code a5 uses is tested in tests/test_corpus.py and
tests/test_seq2seq.py."""

import math

import numpy as np
import pytest
import torch
from conftest import ROOT, luong_general_attention

_Attention = luong_general_attention()


# --- the grader's checks (source/a5_bleu_attention/hidden) -------------------------------------


@pytest.fixture(scope="module")
def checks():
    """hidden/checks.py as a module (the references of the grader's checks)."""
    import importlib.util
    import sys

    path = ROOT / "source" / "a5_bleu_attention" / "hidden" / "checks.py"
    spec = importlib.util.spec_from_file_location("a5_checks_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


@pytest.fixture(scope="module")
def kernel_side(checks):
    """kernel_side.py as the kernel sees it: its text exec'd in a fresh namespace."""
    ns = {}
    exec(checks.KERNEL_SIDE, ns)  # noqa: S102 - the course's own file, as the checks send it
    return ns


def test_the_checks_ngram_counts_are_nltks_modified_precision(checks):
    from nltk.translate.bleu_score import modified_precision

    rng = np.random.default_rng(0)
    for refs, hyp, n in checks._count_cases(rng, 100, (1, 5)):
        a, b = checks.reference_counts(refs, hyp, n)
        p = modified_precision(refs, hyp, n)  # an unnormalised Fraction: (clipped, total)
        assert (p.numerator, p.denominator) == (a, b), (refs, hyp, n)


def test_the_checks_closed_forms_are_nltks_bleu(checks):

    rng = np.random.default_rng(1)
    for _ in range(30):
        for part, (refl, hyps), want, what in checks.edge_cases(rng):
            assert abs(checks.nltk_bleu(refl, hyps) - want) < 1e-12, (part, what)
    visible = checks.nltk_bleu([[checks.FOX, checks.LEAPS]], [checks.VHYP_FOX])
    assert abs(visible - math.exp(1 - 9 / 8) * (8 / 8 * 6 / 7 * 4 / 6 * 3 / 5) ** 0.25) < 1e-12


def _with_weights(att, w_in, w_out):
    with torch.no_grad():
        att.linear_in.weight.copy_(torch.as_tensor(w_in))
        att.linear_out.weight.copy_(torch.as_tensor(w_out))
    return att


def test_the_checks_attention_references_agree_with_a_torch_attention(checks):

    rng = np.random.default_rng(2)
    for B, Tq, T, d in [(1, 1, 1, 1), (3, 4, 7, 5), (2, 9, 2, 6), (4, 1, 8, 3)]:
        w_in, w_out = checks._weights(rng, d)
        Q, K = checks._f32(rng.normal(size=(B, Tq, d))), checks._f32(rng.normal(size=(B, T, d)))
        G = rng.normal(size=(B, Tq, T))
        lengths = rng.integers(1, T + 1, size=B)
        mask = np.arange(T)[None, :] < lengths[:, None]
        att = _with_weights(_Attention(d), w_in, w_out)
        q = torch.tensor(Q, requires_grad=True)
        L = att.score(q, torch.as_tensor(K))
        assert np.allclose(L.detach().numpy(), checks.reference_score(w_in, Q, K), atol=1e-5)
        (L * torch.as_tensor(G, dtype=torch.float32)).sum().backward()
        gW, gQ = checks.reference_score_grads(w_in, Q, K, G)
        assert np.allclose(att.linear_in.weight.grad.numpy(), gW, atol=1e-4)
        assert np.allclose(q.grad.numpy(), gQ, atol=1e-4)
        with torch.no_grad():
            h, w = att(torch.as_tensor(Q), torch.as_tensor(K), torch.as_tensor(mask))
        H, A = checks.reference_forward(w_in, w_out, Q, K, lengths)
        assert np.allclose(h.numpy(), H, atol=1e-5) and np.allclose(w.numpy(), A, atol=1e-5)


def test_the_kernel_side_returns_the_students_outputs(checks, kernel_side):
    """What kernel_side gathers for a right attention matches the checks' references."""

    rng = np.random.default_rng(3)
    d = 4
    w_in, w_out = checks._weights(rng, d)
    Q, K = checks._f32(rng.normal(size=(2, 3, d))), checks._f32(rng.normal(size=(2, 5, d)))
    mask = np.array([[True] * 5, [True] * 2 + [False] * 3])
    (L,) = kernel_side["scores"](_Attention, [(d, w_in, Q, K)])
    assert np.allclose(L.numpy(), checks.reference_score(w_in, Q, K), atol=1e-5)
    G = checks._f32(rng.normal(size=(2, 3, 5)))
    ((gW, gQ),) = kernel_side["score_gradients"](_Attention, [(d, w_in, Q, K, G)])
    want = checks.reference_score_grads(w_in, Q, K, G)
    assert np.allclose(gW.numpy(), want[0], atol=1e-4) and np.allclose(gQ.numpy(), want[1], 1e-4)
    ((h, w),) = kernel_side["forwards"](_Attention, [(d, w_in, w_out, Q, K, mask)])
    H, A = checks.reference_forward(w_in, w_out, Q, K, mask.sum(1))
    assert np.allclose(h.numpy(), H, atol=1e-5) and np.allclose(w.numpy(), A, atol=1e-5)
    values = kernel_side["with_warnings"](lambda x: 1 / x, [(2,), (4,)])
    assert values == [(0.5, []), (0.25, [])]


@pytest.mark.slow
def test_the_copy_task_passes_a_right_attention_whatever_the_seed(checks, kernel_side):
    """The copy task's thresholds (accuracy > 0.9, alignment > 0.8) hold for a right attention
    on the grader's draws: measured over 40 seeds at accuracy >= 0.974, alignment >= 0.953."""

    for seed in range(3):
        rng = np.random.default_rng(seed)
        train = np.stack([checks._copy_batch(rng, checks.COPY_B) for _ in range(checks.COPY_STEPS)])
        test = checks._copy_batch(rng, 200)
        logits, w = kernel_side["copy_task"](
            _Attention, seed, checks.COPY_V, checks.COPY_DIM, checks.COPY_LR, train, test
        )
        real = test != 0
        assert (logits.argmax(-1).numpy() == test)[real].mean() > 0.9
        assert (w.argmax(-1).numpy() == np.arange(checks.COPY_T)[None, :])[real].mean() > 0.8
        assert float(w.numpy()[np.broadcast_to(~real[:, None, :], w.shape)].max()) < 1e-6
