"""a5_bleu_attention's checks: they run in the grader, never in the student's kernel.

One function per autograded cell (see nlpcourse/course/verdicts.py and source/README.md, "Writing a
check"). Inputs come from ``rng`` (the course secret, the student, the cell); the visible
cells' own examples stay. The references are independent of the solution:

- n-gram counts: an explicit loop over the distinct n-grams and every reference;
- corpus BLEU: ``nltk.translate.bleu_score.corpus_bleu`` on random corpora, and corpora built
  so that their BLEU has a closed form (precisions 1 or known, a chosen closest reference);
- ``score``: ``np.einsum`` in float64, its gradients by ``torch.autograd`` in float64;
- ``forward``: an explicit loop over batch rows, queries and real keys (softmax by hand);
- the copy task: accuracy, alignment and padded weights computed here from the logits and
  the attention the student's model returns;
- ``attention_example``: the ids computed here, the attention matrix from the package's
  ``Seq2SeqLM.forward`` with the student's attention (so that only the plumbing is tested).

The kernel runs ``kernel_side.py`` (sent as text): it builds the student's objects with the
grader's weights, calls them and returns their outputs; it holds no expected value.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import torch

from nlpcourse.course.verdicts import ask, check, number

HERE = Path(__file__).parent
KERNEL_SIDE = (HERE / "kernel_side.py").read_text(encoding="utf-8")
WORDS = ["the", "cat", "a", "on", "mat", "is", "dog", "sat", "red", "big", "of", "ran"]
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]  # nlpcourse.corpus.Vocab's ids 0..3


def _side(k, r, fn, args, what, part=None, **inputs):
    """Call ``kernel_side.<fn>(<args>)`` in the kernel (``args`` an argument list written with
    the notebook's names and ``inputs``); None if the student's code raised (recorded)."""
    expr = f"(lambda ns: (exec(SRC, ns), ns[{fn!r}])[1])({{}})({args})"
    return ask(k, r, expr, what, part, SRC=KERNEL_SIDE, **inputs)


def _counts(v) -> tuple[int, int] | None:
    """The pair (a_n, b_n) get_ngram_counts returned, as ints (None if it is not two integers)."""
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        return None
    out = [number(x) for x in v]
    if any(x is None or not float(x).is_integer() for x in out):
        return None
    return int(out[0]), int(out[1])


def _shown(v) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape}"
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _max_abs(x) -> str:
    """The largest |value| of x, as text (nan if there is none that is finite)."""
    x = np.abs(np.asarray(x, dtype=float))
    return f"{x.max():.3g}" if x.size and np.isfinite(x).all() else "nan"


def _words(rng, n: int) -> list[str]:
    return [str(w) for w in rng.choice(WORDS, size=n, replace=False)]


def _sentence(rng, vocab, length) -> list[str]:
    return [str(w) for w in rng.choice(vocab, size=length)]


def _distinct(rng, n: int, prefix: str = "t") -> list[str]:
    """``n`` different tokens (so that every n-gram occurs once)."""
    return [f"{prefix}{i}" for i in rng.permutation(100)[:n]]


# --- 1 get_ngram_counts -----------------------------------------------------------------------


def reference_counts(refs, hyp, n) -> tuple[int, int]:
    """(a_n, b_n) by an explicit loop over the distinct n-grams of hyp and every reference."""
    grams = [tuple(hyp[i : i + n]) for i in range(len(hyp) - n + 1)]
    a = 0
    for g in set(grams):
        best = 0
        for ref in refs:
            k = sum(1 for i in range(len(ref) - n + 1) if tuple(ref[i : i + n]) == g)
            best = max(best, k)
        a += min(grams.count(g), best)
    return a, max(1, len(grams))


VREFS = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]
VHYP = ["the", "the", "the", "cat"]


@check("test_get_ngram_counts")
def ngram_counts_visible(k, rng, r):
    """The visible example: clipped unigram and bigram counts of "the the the cat"."""
    got, ok = ask(
        k, r, "[get_ngram_counts(R, h, n) for n in (1, 2)]", "get_ngram_counts", R=VREFS, h=VHYP
    )
    if not ok:
        return
    if not isinstance(got, list) or len(got) != 2:
        r.fail(f"get_ngram_counts did not answer: {_shown(got)}")
    one, two = (_counts(g) for g in got)
    r.expect(
        one == (3, 4),
        f"Unigrams of {VHYP}: 'the' occurs 3 times but at most 2 times in one reference, 'cat' "
        f"once: a_1 = 2 + 1 = 3, b_1 = 4. Got {_shown(got[0])}.",
    )
    r.expect(
        two == (1, 3),
        "Bigrams: ('the','the') x2 never occurs in a reference, ('the','cat') once: (1, 3). "
        f"Got {_shown(got[1])}.",
    )


def _count_cases(rng, trials, n_refs):
    cases = []
    for _ in range(trials):
        vocab = _words(rng, int(rng.integers(2, 5)))
        refs = [
            _sentence(rng, vocab, int(rng.integers(1, 11)))
            for _ in range(int(rng.integers(*n_refs)))
        ]
        hyp = _sentence(rng, vocab, int(rng.integers(1, 11)))
        cases += [(refs, hyp, n) for n in range(1, 5)]
    return cases


def _expect_counts(k, r, cases, part, what):
    got, ok = ask(k, r, "[get_ngram_counts(R, h, n) for R, h, n in C]", what, part, C=cases)
    if not ok:
        return
    if not isinstance(got, list) or len(got) != len(cases):
        r.fail("get_ngram_counts did not answer for every case", part)
    bad = [(c, g) for c, g in zip(cases, got) if _counts(g) != reference_counts(*c)]
    if not bad:
        r.expect(True, "", part)
        return
    (refs, hyp, n), g = bad[0]
    r.expect(
        False,
        f"{what}: {len(bad)} of {len(cases)} cases wrong, e.g. get_ngram_counts({refs}, {hyp}, "
        f"{n}) returned {_shown(g)}",
        part,
    )


@check("test_get_ngram_counts_hidden", parts={"one_reference": 2, "several_references": 3})
def ngram_counts_hidden(k, rng, r):
    """Random cases with one reference and with several (clipping by the maximum over the
    references, not the sum), n from 1 to 4, n longer than the hypothesis."""
    x, y = _words(rng, 2)
    one = _count_cases(rng, 150, (1, 2))
    one.append(([[x]], [x, y], 3))  # no 3-gram: (0, 1)
    _expect_counts(k, r, one, "one_reference", "with one reference")
    several = _count_cases(rng, 150, (2, 5))
    several.append(([[x, x, y], [x, y, x]], [x] * 5, 1))  # 'x' twice in each: clipped at 2
    _expect_counts(k, r, several, "several_references", "with several references")


# --- 2 compute_bleu ---------------------------------------------------------------------------

FOX = "the quick brown fox jumps over the lazy dog".split()
LEAPS = "a quick brown fox leaps over a lazy dog".split()
VHYP_FOX = "the quick brown fox leaps over the dog".split()


def _bleu_calls(k, r, corpora, what, part=None):
    """The student's BLEU (as floats, None where not a number) for each (refs, hyps) corpus."""
    got, ok = ask(k, r, "[compute_bleu(R, H) for R, H in C]", what, part, C=corpora)
    if not ok:
        return None
    if not isinstance(got, list) or len(got) != len(corpora):
        r.expect(False, "compute_bleu did not answer for every corpus", part)
        return None
    return [number(g) for g in got]


@check("test_compute_bleu", parts={"perfect": 1, "no_match": 1, "example": 2})
def bleu_visible(k, rng, r):
    """The visible cases: a perfect match, nothing in common, the worked example."""
    for corpus, part in [
        (([[FOX]], [FOX]), "perfect"),
        (([[FOX]], [["a", "b", "c", "d", "e"]]), "no_match"),
        (([[FOX, LEAPS]], [VHYP_FOX]), "example"),
    ]:
        got = _bleu_calls(k, r, [corpus], "compute_bleu", part)
        if got is None:
            continue
        v = got[0]
        if part == "perfect":
            r.expect(
                v is not None and abs(v - 1.0) < 1e-12,
                f"A hypothesis equal to its reference scores 1.0, got {v}.",
                part,
            )
        elif part == "no_match":
            r.expect(v == 0.0, f"No n-gram in common: BLEU must be exactly 0.0, got {v}.", part)
        else:
            want = math.exp(1 - 9 / 8) * (8 / 8 * 6 / 7 * 4 / 6 * 3 / 5) ** 0.25
            r.expect(
                v is not None and abs(v - want) < 1e-12,
                "Expected p_1..p_4 = 8/8, 6/7, 4/6, 3/5 and the brevity penalty exp(1 - 9/8): "
                f"BLEU = {want:.6f}; got {v}.",
                part,
            )


def _random_corpus(rng, n_refs):
    vocab = _words(rng, int(rng.integers(2, 7)))
    refl, hyps = [], []
    for _ in range(int(rng.integers(1, 7))):
        hl = int(rng.integers(4, 15))
        hyps.append(_sentence(rng, vocab, hl))
        lengths = _untied_lengths(rng, hl, int(rng.integers(*n_refs)))
        refl.append([_sentence(rng, vocab, n) for n in lengths])
    return refl, hyps


def _untied_lengths(rng, hl: int, n: int) -> list[int]:
    """``n`` reference lengths around ``hl`` with no tie for the closest one (never both
    ``hl - d`` and ``hl + d``): the tie-break rule is the edge cases' "closest" part, so a
    slip there costs that part only, not every random corpus."""
    while True:
        lengths = [max(1, hl + int(rng.integers(-6, 7))) for _ in range(n)]
        d = min(abs(x - hl) for x in lengths)
        if not (hl - d in lengths and hl + d in lengths and d > 0):
            return lengths


def nltk_bleu(refl, hyps) -> float:
    from nltk.translate.bleu_score import corpus_bleu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns on zero counts
        return float(corpus_bleu(refl, hyps))


@check("test_compute_bleu_nltk", parts={"one_reference": 2, "several_references": 4})
def bleu_nltk(k, rng, r):
    """Agreement with nltk's corpus_bleu to 1e-10 on random corpora of 1-6 sentences, with one
    reference per sentence and with 2-4."""
    for part, n_refs, what in [
        ("one_reference", (1, 2), "random corpora with one reference per sentence"),
        ("several_references", (2, 5), "random corpora with 2-4 references per sentence"),
    ]:
        corpora = [_random_corpus(rng, n_refs) for _ in range(200)]
        got = _bleu_calls(k, r, corpora, what, part)
        if got is None:
            continue
        bad = [
            (c, g) for c, g in zip(corpora, got) if g is None or not abs(g - nltk_bleu(*c)) < 1e-10
        ]
        if not bad:
            r.expect(True, "", part)
            continue
        (refl, hyps), g = min(bad, key=lambda b: sum(map(len, b[0][1])))  # the shortest
        r.expect(
            False,
            f"{what}: {len(bad)} of {len(corpora)} scores differ from nltk's corpus_bleu, e.g. "
            f"yours is {g} for the {len(hyps)} hypotheses {hyps} with the references {refl}",
            part,
        )


def _bleu_warned(k, r, corpora, what, part):
    """(value, warnings) of compute_bleu for each corpus; None if it raised (recorded)."""
    got, ok = _side(k, r, "with_warnings", "compute_bleu, C", what, part, C=corpora)
    if not ok:
        return None
    if not isinstance(got, list) or len(got) != len(corpora):
        r.expect(False, "compute_bleu did not answer for every corpus", part)
        return None
    return [(number(v), w) for v, w in got]


def edge_cases(rng) -> list[tuple[str, tuple, float, str]]:
    """(part, corpus (references, hypotheses), its BLEU in closed form, what it is) for the
    edge cases; the tokens are drawn from ``rng``, distinct where a closed form needs it."""
    out = []
    # Zero: nothing in common; unigrams match but no 4-gram (reversed); 3 tokens, no 4-gram.
    L = int(rng.integers(5, 9))
    s = _distinct(rng, L)
    out += [
        (
            "zero",
            ([[s[:4]]], [_distinct(rng, 4, "u")]),
            0.0,
            "a hypothesis with no token in common with its reference",
        ),
        (
            "zero",
            ([[s]], [s[::-1]]),
            0.0,
            "a hypothesis whose unigrams match but no 4-gram (its reference reversed)",
        ),
        ("zero", ([[s[:3]]], [s[:3]]), 0.0, "a 3-token hypothesis equal to its reference"),
    ]
    # Corpus: a long perfect sentence and a 2-token one (b_3 = b_4 = 1, a_3 = a_4 = 0).
    L = int(rng.integers(6, 11))
    long, short = _distinct(rng, L, "a"), _distinct(rng, 2, "b")
    out.append(
        (
            "corpus",
            ([[long], [short]], [long, short]),
            ((L - 2) / (L - 1) * (L - 3) / (L - 2)) ** 0.25,
            f"a corpus of a perfect sentence of {L} tokens and a perfect one of 2 (p_n sums a_n "
            "and b_n over the sentences before dividing; the short one has b_3 = b_4 = 1)",
        )
    )
    # Brevity: the first m of L reference tokens; a hypothesis longer than its reference.
    L = int(rng.integers(8, 13))
    m, e = int(rng.integers(4, L - 1)), int(rng.integers(1, 4))
    ref = _distinct(rng, L, "c")
    longer = ref + _distinct(rng, e, "x")
    out += [
        (
            "brevity",
            ([[ref]], [ref[:m]]),
            math.exp(1 - L / m),
            f"a hypothesis made of the "
            f"first {m} of its reference's {L} tokens (brevity penalty exp(1 - R/H) when H < R)",
        ),
        (
            "brevity",
            ([[ref]], [longer]),
            math.prod((L - n + 1) / (L + e - n + 1) for n in range(1, 5)) ** 0.25,
            f"a hypothesis {e} token(s) longer than its reference (no penalty, no bonus, when "
            "H >= R)",
        ),
    ]
    # Closest: four references, the closest neither the first, the shortest nor the longest;
    # then two equally close ones (one shorter, one longer) in both orders.
    h = int(rng.integers(6, 10))
    hyp = _distinct(rng, h, "d")
    more = _distinct(rng, 14, "y")
    refs = [hyp + more[: h + 4], hyp + more[:1], hyp[:2], hyp + more[: 2 * h]]  # closest: h + 1
    order = [int(i) for i in rng.permutation([0, 2, 3])]
    order.insert(int(rng.integers(1, 4)), 1)  # the closest (index 1) never comes first
    refs = [refs[i] for i in order]
    lens = [len(x) for x in refs]
    tie = [hyp[: h - 2], hyp + more[:2]]
    out += [
        (
            "closest",
            ([refs], [hyp]),
            math.exp(1 - (h + 1) / h),
            f"a hypothesis of {h} tokens "
            f"with references of {lens} tokens, every n-gram of it in some reference (R is the "
            "length of the closest reference)",
        ),
        (
            "closest",
            ([tie], [hyp]),
            1.0,
            f"a hypothesis of {h} tokens with two equally close "
            f"references of {h - 2} and {h + 2} tokens (a tie goes to the shorter one)",
        ),
        (
            "closest",
            ([tie[::-1]], [hyp]),
            1.0,
            f"a hypothesis of {h} tokens with two equally "
            f"close references of {h + 2} and {h - 2} tokens (a tie goes to the shorter one)",
        ),
    ]
    return out


@check("test_compute_bleu_edge_cases", parts={"zero": 1, "corpus": 1, "brevity": 1, "closest": 1})
def bleu_edge_cases(k, rng, r):
    """No match, no 4-gram match and short hypotheses (exactly 0.0, no warning); corpus-level
    sums; the brevity penalty on and off; the closest reference and ties."""
    cases = edge_cases(rng)
    for part in ("zero", "corpus", "brevity", "closest"):
        mine = [c for c in cases if c[0] == part]
        got = _bleu_warned(k, r, [c[1] for c in mine], "compute_bleu", part)
        for (_, _, want, what), (v, warned) in zip(mine, got or []):
            if want == 0.0:
                r.expect(v == 0.0, f"BLEU of {what} must be exactly 0.0, got {v}", part)
                r.expect(not warned, f"BLEU of {what} raised the warning(s) {warned[:2]}", part)
            else:
                r.expect(
                    v is not None and abs(v - want) < 1e-12, f"BLEU of {what}: yours is {v}", part
                )


# --- 5 score ----------------------------------------------------------------------------------


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _weights(rng, d):
    """W_in (d, d) and W_c (d, 2d) as float32, about nn.Linear's scale."""
    return _f32(rng.normal(size=(d, d)) / np.sqrt(d)), _f32(
        rng.normal(size=(d, 2 * d)) / np.sqrt(d)
    )


def reference_score(W, Q, K) -> np.ndarray:
    """L[b, i, j] = (W Q[b, i]) . K[b, j], in float64."""
    f = np.float64
    return np.einsum("bie,fe,bjf->bij", Q.astype(f), W.astype(f), K.astype(f))


def reference_score_grads(W, Q, K, G):
    """The gradients of sum(G * L) with respect to W and Q, by torch.autograd in float64."""
    Wt, Qt = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (W, Q))
    L = torch.einsum("bie,fe,bjf->bij", Qt, Wt, torch.tensor(K, dtype=torch.float64))
    (L * torch.tensor(G, dtype=torch.float64)).sum().backward()
    return Wt.grad.numpy(), Qt.grad.numpy()


@check("test_score", parts={"shape": 1, "values": 2})
def score_visible(k, rng, r):
    """Shape (B, T', T) with T' != T != d, and the values against the formula."""
    W, _ = _weights(rng, 4)
    Q, K = _f32(rng.normal(size=(2, 3, 4))), _f32(rng.normal(size=(2, 5, 4)))
    got, ok = _side(k, r, "scores", "LuongAttention, C", "LuongAttention.score", C=[(4, W, Q, K)])
    if not ok:
        return
    L = got[0]
    if np.shape(L) != (2, 3, 5):
        r.fail(f"score must return (B, T', T) = (2, 3, 5), got {_shown(L)}.", "shape")
    r.expect(True, "", "shape")
    r.close(
        L,
        reference_score(W, Q, K),
        "score(Q, K) for Q (2, 3, 4), K (2, 5, 4): L[l][i, j] should be (W q_i)^T k_j; did you "
        "apply self.linear_in to the queries and transpose K?",
        "values",
        rtol=1e-4,
        atol=1e-5,
    )


@check("test_score_hidden", parts={"values": 3, "gradient": 2})
def score_hidden(k, rng, r):
    """score against an einsum reference on several shapes (B, T', T, d), and the gradients
    that reach linear_in's weight and the queries."""
    shapes = [(1, 1, 1, 1), (3, 4, 7, 5), (2, 9, 2, 6), (5, 1, 8, 3)]
    shapes.append(tuple(int(x) for x in rng.integers(1, 9, size=4)))
    cases = []
    for B, Tq, T, d in shapes:
        W, _ = _weights(rng, d)
        Q, K = _f32(rng.normal(size=(B, Tq, d))), _f32(rng.normal(size=(B, T, d)))
        cases.append((d, W, Q, K, _f32(rng.normal(size=(B, Tq, T)))))
    got, ok = _side(
        k,
        r,
        "scores",
        "LuongAttention, C",
        "LuongAttention.score",
        "values",
        C=[c[:4] for c in cases],
    )
    if ok:
        for (B, Tq, T, d), (_, W, Q, K, _), L in zip(shapes, cases, got):
            r.close(
                L,
                reference_score(W, Q, K),
                f"score for (B, T', T, d) = ({B}, {Tq}, {T}, {d})",
                "values",
                rtol=1e-4,
                atol=1e-5,
            )
    got, ok = _side(
        k, r, "score_gradients", "LuongAttention, C", "backward through score", "gradient", C=cases
    )
    if not ok:
        return
    for (B, Tq, T, d), (_, W, Q, K, G), (gW, gQ) in zip(shapes, cases, got):
        wW, wQ = reference_score_grads(W, Q, K, G)
        where = f"(B, T', T, d) = ({B}, {Tq}, {T}, {d})"
        if gW is None:
            r.expect(False, f"{where}: no gradient reached self.linear_in: use it", "gradient")
        else:
            r.close(gW, wW, f"{where}: the gradient of linear_in's weight", "gradient", 1e-4, 1e-4)
        if gQ is None:
            r.expect(False, f"{where}: no gradient reached the queries", "gradient")
        else:
            r.close(gQ, wQ, f"{where}: the gradient of the queries", "gradient", 1e-4, 1e-4)


# --- 6 forward --------------------------------------------------------------------------------


def reference_forward(Win, Wout, Q, K, lengths):
    """attn_h and the weights by an explicit loop over batch rows, queries and real keys."""
    f = np.float64
    Win, Wout, Q, K = (x.astype(f) for x in (Win, Wout, Q, K))
    B, Tq, d = Q.shape
    T = K.shape[1]
    H, A = np.zeros((B, Tq, d)), np.zeros((B, Tq, T))
    for b in range(B):
        n = int(lengths[b])
        for i in range(Tq):
            s = np.array([(Win @ Q[b, i]) @ K[b, j] for j in range(n)])
            a = np.exp(s - s.max())
            a /= a.sum()
            c = sum(a[j] * K[b, j] for j in range(n))
            H[b, i] = np.tanh(Wout[:, :d] @ c + Wout[:, d:] @ Q[b, i])
            A[b, i, :n] = a
    return H, A


def _pair_of(out):
    """(attn_h, weights) from what forward returned, or (None, None)."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return out
    return None, None


@check("test_forward", parts={"shapes": 1, "distribution": 1, "tanh": 1})
def forward_visible(k, rng, r):
    """Output shapes, each weight row a distribution over the keys, attn_h in [-1, 1]."""
    W_in, _ = _weights(rng, 4)
    W_out = _f32(rng.normal(size=(4, 8)))  # large enough that Eq. (5) needs its tanh
    Q, K = _f32(rng.normal(size=(2, 3, 4))), _f32(rng.normal(size=(2, 5, 4)))
    got, ok = _side(
        k,
        r,
        "forwards",
        "LuongAttention, C",
        "LuongAttention.forward",
        C=[(4, W_in, W_out, Q, K, None)],
    )
    if not ok:
        return
    h, w = _pair_of(got[0])
    if h is None:
        r.fail(f"forward must return the pair (attn_h, weights), got {_shown(got[0])}")
    r.expect(
        np.shape(h) == (2, 3, 4) and np.shape(w) == (2, 3, 5),
        f"attn_h must be (B, T', d) = (2, 3, 4) and weights (B, T', T) = (2, 3, 5); got "
        f"{np.shape(h)} and {np.shape(w)}",
        "shapes",
    )
    if np.shape(w) == (2, 3, 5):
        w = r.array(w, "weights", part="distribution")
        r.expect(
            np.all(np.abs(w.sum(-1) - 1) < 1e-5) and np.all(w >= 0),
            "Each query's weights must be >= 0 and sum to 1 over the T source positions "
            f"(softmax over the last axis); your row sums are {np.round(w.sum(-1), 4).tolist()}",
            "distribution",
        )
    else:
        r.expect(False, "the weights do not have the shape (B, T', T)", "distribution")
    h = r.array(h, "attn_h", part="tanh")
    r.expect(
        np.all(np.abs(h) <= 1),
        f"attn_h is the output of tanh, so it lies in [-1, 1]; yours reaches {np.abs(h).max():.3f}",
        "tanh",
    )


@check("test_forward_hidden", parts={"weights": 1, "attn_h": 2, "padding": 1})
def forward_hidden(k, rng, r):
    """forward against an explicit loop on several shapes, with and without padding; padded
    keys get weight 0 and their values change nothing."""
    shapes = [(3, 4, 7, 5), (2, 1, 3, 8), (4, 6, 2, 3)]
    shapes.append(tuple(int(x) for x in rng.integers(2, 8, size=4)))
    cases, refs = [], []
    for B, Tq, T, d in shapes:
        W_in, W_out = _weights(rng, d)
        Q, K = _f32(rng.normal(size=(B, Tq, d))), _f32(rng.normal(size=(B, T, d)))
        lengths = rng.integers(1, T + 1, size=B)
        lengths[0], lengths[-1] = T, rng.integers(1, T)  # one full row, one padded
        mask = np.arange(T)[None, :] < lengths[:, None]  # (B, T)
        cases += [(d, W_in, W_out, Q, K, None), (d, W_in, W_out, Q, K, mask)]
        refs += [
            ((B, Tq, T, d), "no mask", reference_forward(W_in, W_out, Q, K, [T] * B), None),
            ((B, Tq, T, d), "padded", reference_forward(W_in, W_out, Q, K, lengths), mask),
        ]
    # The same padded case with other values at the padded keys.
    B, Tq, T, d = 2, 3, 6, 4
    W_in, W_out = _weights(rng, d)
    Q, K = _f32(rng.normal(size=(B, Tq, d))), _f32(rng.normal(size=(B, T, d)))
    mask = np.array([[True] * 6, [True] * 2 + [False] * 4])
    K2 = K.copy()
    K2[1, 2:] = _f32(100 * rng.normal(size=(4, d)))
    cases += [(d, W_in, W_out, Q, K, mask), (d, W_in, W_out, Q, K2, mask)]
    got, ok = _side(k, r, "forwards", "LuongAttention, C", "LuongAttention.forward", C=cases)
    if not ok:
        return
    for (shape, kind, (H, A), mask), out in zip(refs, got):
        where = f"(B, T', T, d) = {shape}, {kind}"
        h, w = _pair_of(out)
        if h is None:
            r.fail(f"forward must return the pair (attn_h, weights), got {_shown(out)}")
        if mask is None:
            r.close(w, A, f"{where}: the weights", "weights", rtol=1e-4, atol=1e-5)
        elif np.shape(w) != A.shape:
            r.expect(False, f"{where}: the weights have shape {np.shape(w)}", "padding")
        else:
            w = r.array(w, f"{where}: the weights", part="padding")
            pad = ~np.broadcast_to(mask[:, None, :], A.shape)
            r.expect(
                np.all(w[pad] == 0) or np.all(np.abs(w[pad]) < 1e-6),
                f"{where}: padded keys must get weight 0; yours get up to {_max_abs(w[pad])}",
                "padding",
            )
            r.close(
                w[~pad], A[~pad], f"{where}: the weights of the real keys", "padding", 1e-4, 1e-5
            )
        r.close(h, H, f"{where}: attn_h", "attn_h", rtol=1e-4, atol=1e-5)
    (h1, _), (h2, _) = (_pair_of(o) for o in got[-2:])
    r.expect(
        h1 is not None and h2 is not None and np.allclose(h1, h2, rtol=0, atol=1e-6),
        "With a mask, changing the values at the padded keys changed your attn_h",
        "padding",
    )


# --- 6 the copy task --------------------------------------------------------------------------

COPY_V, COPY_T, COPY_B, COPY_STEPS, COPY_DIM, COPY_LR = 12, 7, 32, 250, 32, 1e-2


def _copy_batch(rng, n):
    """Source ids 2..11 (0 is padding, 1 is <bos>); half of the rows have length T - 2."""
    src = rng.integers(2, COPY_V, size=(n, COPY_T)).astype(np.int8)  # small on the wire
    src[n // 2 :, COPY_T - 2 :] = 0
    return src


@check("test_copy_task", parts={"learns": 2, "padding": 1})
def copy_task(k, rng, r):
    """A small Seq2SeqLM with the student's attention learns to copy, attends to the aligned
    token, and gives padded source positions no weight."""
    train = np.stack([_copy_batch(rng, COPY_B) for _ in range(COPY_STEPS)])
    test = _copy_batch(rng, 200)
    got, ok = _side(
        k,
        r,
        "copy_task",
        "LuongAttention, seed, V, dim, lr, train, test",
        "training with your attention",
        seed=int(rng.integers(1 << 31)),
        V=COPY_V,
        dim=COPY_DIM,
        lr=COPY_LR,
        train=train,
        test=test,
    )
    if not ok:
        return
    logits, w = got
    logits = r.array(logits, "the model's logits", shape=(200, COPY_T, COPY_V))
    w = r.array(w, "the model's attention", shape=(200, COPY_T, COPY_T))
    real = test != 0
    acc = float((logits.argmax(-1) == test)[real].mean())
    align = float((w.argmax(-1) == np.arange(COPY_T)[None, :])[real].mean())
    r.expect(
        acc > 0.9,
        f"after {COPY_STEPS} steps your model copies only {acc:.2f} of the tokens right",
        "learns",
    )
    r.expect(
        align > 0.8,
        f"the attention peaks at the aligned source token only {align:.2f} of the time",
        "learns",
    )
    pad = np.broadcast_to(~real[:, None, :], w.shape)
    r.expect(
        np.all(np.abs(w[pad]) < 1e-6),
        f"padded source positions must get weight 0; yours get up to {_max_abs(w[pad])}",
        "padding",
    )


# --- 7 attention_example ----------------------------------------------------------------------


def _example_parts(r, sentence, steps, got, W, what):
    """Check the student's attention_example answers against the model's matrix W."""
    for step, ex in zip(steps, got):
        ok = isinstance(ex, list) and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in ex)
        if not ok:
            r.expect(
                False,
                f"{what}, step {step}: return a list of (token, weight) pairs; got {_shown(ex)}",
                "pairs",
            )
            r.expect(False, f"{what}, step {step}: no pairs to compare", "values")
            continue
        tokens, weights = [t for t, _ in ex], [w for _, w in ex]
        r.expect(
            tokens == list(sentence),
            f"{what}, step {step}: one (token, weight) pair per source token, in order; your "
            f"tokens are {tokens}",
            "pairs",
        )
        r.expect(
            all(isinstance(w, float) for w in weights),
            f"{what}, step {step}: the weights must be Python floats, yours are "
            f"{sorted({type(w).__name__ for w in weights})}",
            "pairs",
        )
        nums = [number(w) for w in weights]
        if any(v is None for v in nums) or len(nums) != W.shape[1]:
            r.expect(
                False, f"{what}, step {step}: the weights are not one number per token", "values"
            )
            continue
        r.close(
            nums,
            W[step],
            f"{what}, step {step}: your weights against the model's attention at decoder step "
            f"{step} (the decoder input is <bos> followed by the sentence's ids)",
            "values",
            rtol=0,
            atol=1e-6,
        )
    return


def _example(k, r, seed, itos, sentence, steps, what):
    stoi = {t: i for i, t in enumerate(itos)}
    src = [stoi.get(t, stoi["<unk>"]) for t in sentence]
    tgt_in = [stoi["<bos>"], *src]
    got, ok = _side(
        k,
        r,
        "attention_examples",
        "attention_example, LuongAttention, seed, itos, 8, s, steps, src, tgt_in",
        what,
        seed=seed,
        itos=itos,
        s=sentence,
        steps=steps,
        src=src,
        tgt_in=tgt_in,
    )
    if not ok:
        return None
    examples, W = got
    W = r.array(W, "the model's attention", shape=(len(tgt_in), len(src)))
    if not isinstance(examples, list) or len(examples) != len(steps):
        r.fail("attention_example did not answer for every step")
    return examples, W


@check("test_attention_example", parts={"pairs": 1, "sums": 1, "values": 2})
def attention_example(k, rng, r):
    """On small untrained models: one (token, float) pair per source token, summing to 1 and
    equal to the model's attention at each decoder step (unknown words included)."""
    seed = int(rng.integers(1 << 31))
    itos = SPECIALS + ["a", "b", "c", "d"]
    visible = _example(
        k, r, seed, itos, ["a", "b", "c"], [1], "attention_example on ['a', 'b', 'c']"
    )
    if visible is not None:
        ex = visible[0][0]
        total = sum(number(w) or 0.0 for _, w in ex) if isinstance(ex, list) else None
        r.expect(
            total is not None and abs(total - 1) < 1e-5,
            f"The weights must sum to 1, got {_shown(ex)}.",
            "sums",
        )
        _example_parts(r, ["a", "b", "c"], [1], *visible, "attention_example on ['a', 'b', 'c']")
    words = _words(rng, int(rng.integers(4, 8)))
    itos = SPECIALS + words
    sentence = _sentence(rng, words, int(rng.integers(4, 8)))
    sentence.insert(int(rng.integers(0, len(sentence) + 1)), "zzz")  # an unknown word
    steps = list(range(len(sentence)))
    what = f"attention_example on {sentence}"
    hidden = _example(k, r, int(rng.integers(1 << 31)), itos, sentence, steps, what)
    if hidden is not None:
        _example_parts(r, sentence, steps, *hidden, what)
