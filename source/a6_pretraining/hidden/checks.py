"""a6_pretraining's checks: they run in the grader, never in the student's kernel.

One function per autograded cell (see nlpcourse/course/verdicts.py and source/README.md, "Writing a
check"). Inputs come from ``rng`` (the course secret, the student, the cell); the visible
cells' own inputs are rebuilt here from their seeds. The references are independent of the
solution:

- Part 1: the attention weights and outputs are computed here, by ``torch.softmax`` in
  float64, from the query the student's function returns; the keys of questions 6 and 7 are
  sampled here (``gamma`` along mu_a), so only the means travel to the kernel;
- ``span_corruption``: each string is taken apart here (prefix, suffix, masked span, padding)
  and checked against the document; its distributions are tested by the probability integral
  transform (a uniform draw is uniform on [0, 1] after it) and a Kolmogorov-Smirnov bound;
- ``NameDataset`` and ``evaluate_places``: the expected ids and counts are written out from
  the text's rules, with a vocabulary built here (PAD 0, MASK 1, then the sorted characters);
- ``predict_place``: scripted models (``MODELS``, built in the kernel from that source) that
  answer only the exact prompt, or never stop;
- ``finetune``: the model's weights are made here and sent as data; the loss with learning
  rate 0 is recomputed here with ``nlpcourse.gpt.GPT`` (the course's model) and an explicit
  loop over the answer positions.

Nothing trains under autograde beyond ``finetune``'s few steps of a tiny model.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from nlpcourse import gpt
from nlpcourse.course.verdicts import ask, check, number

PAD, MASK = "\u25a1", "\u2047"
T = "__import__('torch')"
RANDOM = "__import__('random')"


def _vec(v, shape):
    """What the student returned as a float64 array of ``shape``, or None."""
    if isinstance(v, bool) or not isinstance(v, (np.ndarray, list, tuple, float, int)):
        return None
    try:
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return None
    return a if a.shape == tuple(shape) else None


def _shape(v):
    try:
        return tuple(np.shape(v))
    except ValueError:
        return None


def _softmax(K, q) -> np.ndarray:
    """Attention weights of query q (d,) over the rows of K (..., n, d), in float64."""
    s = torch.as_tensor(np.asarray(K, dtype=float)) @ torch.as_tensor(np.asarray(q, dtype=float))
    return torch.softmax(s, dim=-1).numpy()


def _torch_orthonormal(n, d, g) -> np.ndarray:
    """The notebook's orthonormal_rows (QR of a Gaussian matrix), to rebuild visible inputs."""
    Q, _ = torch.linalg.qr(torch.randn(d, n, dtype=torch.float64, generator=g))
    return Q.T.contiguous().numpy()


def _orthonormal(rng, n, d) -> np.ndarray:
    """n random orthonormal rows in R^d (n <= d)."""
    Q, _ = np.linalg.qr(rng.normal(size=(d, n)))
    return np.ascontiguousarray(Q.T)


def _visible_keys():
    """The visible cells' keys (6 orthonormal rows in R^8) and values, from seed 0."""
    g = torch.Generator().manual_seed(0)
    K = _torch_orthonormal(6, 8, g)
    V = torch.randn(6, 8, dtype=torch.float64, generator=g).numpy()
    return K, V


def _ks(u) -> float:
    """sqrt(N) times the Kolmogorov-Smirnov distance of the sample u from uniform on [0, 1]."""
    u = np.sort(np.asarray(u, dtype=float))
    n = len(u)
    i = np.arange(1, n + 1)
    return float(np.sqrt(n) * max(np.max(i / n - u), np.max(u - (i - 1) / n)))


KS_LIMIT = 2.7  # P(sqrt(N) D > 2.7) ~ 2 exp(-2 * 2.7^2) ~ 1e-6 for a right answer


# --- 2 copy_query -----------------------------------------------------------------------------


@check("test_copy_query")
def copy_query_visible(k, rng, r):
    """The visible case: 6 orthonormal keys in R^8, j = 2, beta = 20."""
    K, V = _visible_keys()
    q = r.array(k.eval(f"copy_query({T}.as_tensor(K), 2, 20.0)", K=K), "copy_query", shape=(8,))
    alpha = _softmax(K, q)
    r.expect(
        alpha[2] > 0.99,
        f"alpha_2 = {alpha[2]:.3f}: the query must score key 2 far above the others (by about "
        "beta)",
    )
    c = alpha @ V
    r.expect(
        np.allclose(c, V[2], atol=1e-3 * np.abs(V).max()), "c should be close to v_2 at beta = 20"
    )


@check("test_copy_query_hidden", parts={"shape": 1, "bound": 3})
def copy_query_hidden(k, rng, r):
    """Every j, several sizes and beta: alpha_j >= e^beta / (e^beta + n - 1)."""
    sizes = [(2, 2), (5, 16), (12, 12), (30, 64)]
    n0 = int(rng.integers(3, 20))
    sizes.append((n0, n0 + int(rng.integers(0, 10))))
    betas = [3.0, 10.0, 40.0, float(rng.uniform(1.0, 20.0))]
    Ks = [_orthonormal(rng, n, d) for n, d in sizes]
    cases = [(i, j, b) for i, (n, _) in enumerate(sizes) for j in range(n) for b in betas]
    got, ok = ask(
        k,
        r,
        f"(lambda Ts: [copy_query(Ts[i], j, b) for i, j, b in C])([{T}.as_tensor(K) for K in Ks])",
        "copy_query",
        Ks=Ks,
        C=cases,
    )
    if not ok:
        return
    if not isinstance(got, list) or len(got) != len(cases):
        r.fail("copy_query did not answer for every case")
    for (i, j, beta), q in zip(cases, got):
        n, d = sizes[i]
        q = _vec(q, (d,))
        if q is None:
            r.expect(False, f"with n = {n} keys in R^{d} the query must have shape ({d},)", "shape")
            continue
        r.expect(True, "", "shape")
        a = _softmax(Ks[i], q)[j]
        bound = math.exp(beta) / (math.exp(beta) + n - 1)
        r.expect(
            a >= bound - 1e-6,
            f"n = {n}, d = {d}, j = {j}, beta = {beta:.3g}: alpha_j = {a:.6f}, below "
            "e^beta / (e^beta + n - 1)",
            "bound",
        )


# --- 3 extract_matrix -------------------------------------------------------------------------


@check("test_extract_matrix")
def extract_matrix_visible(k, rng, r):
    """The visible case: R^5, A = span(e1, e2), B = span(e3, e4)."""
    E = np.eye(5)
    M = r.array(
        k.eval(f"extract_matrix({T}.as_tensor(A))", A=E[:2]), "extract_matrix", shape=(5, 5)
    )
    va, vb = 2 * E[0] - 3 * E[1], 7 * E[2] + E[3]
    got = M @ (va + vb)
    r.expect(
        np.allclose(got, va),
        f"M (v_a + v_b) should be v_a = {va.tolist()}, got {np.round(got, 6).tolist()}",
    )


# extract_matrix's tolerance, stated in the notebook: relative to the largest |v_a + v_b| entry,
# loose enough for an M built in float32 (rounding ~6e-8), far below any wrong M's error.
EXTRACT_RTOL = 1e-5


@check("test_extract_matrix_hidden", parts={"shape": 1, "values": 3})
def extract_matrix_hidden(k, rng, r):
    """Random orthonormal subspaces of several sizes, random v_a in A and v_b in B."""
    sizes = [(1, 1, 2), (2, 3, 7), (4, 4, 8), (3, 10, 20)]
    m = int(rng.integers(1, 6))
    sizes.append((m, int(rng.integers(1, 6)), m + int(rng.integers(5, 12))))
    bases = [_orthonormal(rng, m + p, d) for m, p, d in sizes]
    got, ok = ask(
        k,
        r,
        f"[extract_matrix({T}.as_tensor(A)) for A in As]",
        "extract_matrix",
        As=[basis[:m] for basis, (m, _, _) in zip(bases, sizes)],
    )
    if not ok:
        return
    if not isinstance(got, list) or len(got) != len(sizes):
        r.fail("extract_matrix did not answer for every case")
    for (m, p, d), basis, M in zip(sizes, bases, got):
        M = _vec(M, (d, d))
        if M is None:
            r.expect(False, f"with a basis of {m} vectors in R^{d}, M must be ({d}, {d})", "shape")
            continue
        r.expect(True, "", "shape")
        A, B = basis[:m], basis[m:]
        va = rng.normal(size=(6, m)) @ A  # (6, d): five random v_a ...
        vb = rng.normal(size=(6, p)) @ B
        err = np.abs((va + vb) @ M.T - va).max() / np.abs(va + vb).max()
        r.expect(
            err < EXTRACT_RTOL,
            f"m = {m}, p = {p}, d = {d}: M (v_a + v_b) differs from v_a by up to {err:.3g} "
            f"times the largest entry of v_a + v_b (at most {EXTRACT_RTOL:g}) for random v_a "
            "in A and v_b in B",
            "values",
        )


# --- 4 average_query --------------------------------------------------------------------------


@check("test_average_query")
def average_query_visible(k, rng, r):
    """The visible case: 6 orthonormal keys, a = 1, b = 4, beta = 20."""
    K, V = _visible_keys()
    q = r.array(
        k.eval(f"average_query({T}.as_tensor(K), 1, 4, 20.0)", K=K), "average_query", shape=(8,)
    )
    alpha = _softmax(K, q)
    r.expect(
        abs(alpha[1] - 0.5) < 1e-3 and abs(alpha[4] - 0.5) < 1e-3,
        f"alpha_a = {alpha[1]:.3f}, alpha_b = {alpha[4]:.3f}: both should be about 1/2, which "
        "needs k_a^T q = k_b^T q, both much larger than the other scores",
    )
    r.expect(
        np.allclose(alpha @ V, (V[1] + V[4]) / 2, atol=1e-2), "c should be about (v_a + v_b) / 2"
    )


# average_query's limit: beta from 20 (where the notebook states TOL_AT_20) up to 3000.
TOL_AT_20 = 1e-3
# alpha_a = alpha_b, to within this (stated in the notebook): a query built in float32 differs
# by up to ~1e-4 at beta = 3000 from rounding alone; unequal coefficients differ by far more.
EQUAL_TOL = 1e-3


def _ladder(rng) -> list[float]:
    """The betas each pair is asked at: one drawn in [20, 60], then 300 and 3000."""
    return [float(rng.uniform(20.0, 60.0)), 300.0, 3000.0]


@check("test_average_query_hidden", parts={"weights": 2, "sampled_keys": 1})
def average_query_hidden(k, rng, r):
    """Other sizes, pairs and beta; keys sampled around orthonormal means as in 6a."""
    sizes = [(3, 3), (8, 16), (20, 32), (int(rng.integers(4, 15)), 16)]
    Ks = [_orthonormal(rng, n, d) for n, d in sizes]
    # What the text asks: c -> (v_a + v_b) / 2 as beta grows. Each pair is asked at a ladder of
    # betas; any q = f(beta) (k_a + k_b) with f growing fast enough for the stated tolerance
    # passes (beta (k_a + k_b), (beta / 2)(k_a + k_b), ...), not only the reference's constant.
    cases = []
    for i, (n, _) in enumerate(sizes):
        a, b = (int(v) for v in rng.choice(n, 2, replace=False))
        for pair in [(0, 1), (n - 1, 0), (1, n - 1), (a, b)]:
            for beta in _ladder(rng):
                cases.append((i, *pair, beta))
    n3, d3 = 8, 16
    mu = _orthonormal(rng, n3, d3)
    a3, b3 = (int(v) for v in rng.choice(n3, 2, replace=False))
    got, ok = ask(
        k,
        r,
        f"(lambda Ts: ([average_query(Ts[i], a, b, beta) for i, a, b, beta in C], "
        f"average_query({T}.as_tensor(mu), a3, b3, 30.0)))([{T}.as_tensor(K) for K in Ks])",
        "average_query",
        Ks=Ks,
        C=cases,
        mu=mu,
        a3=a3,
        b3=b3,
    )
    if not ok:
        return
    if not (isinstance(got, tuple) and len(got) == 2 and len(got[0]) == len(cases)):
        r.fail("average_query did not answer for every case")
    rungs = 3  # len(_ladder(...))
    for j in range(0, len(cases), rungs):
        i, a, b, _ = cases[j]
        n, d = sizes[i]
        qs = [_vec(q, (d,)) for q in got[0][j : j + rungs]]
        if any(q is None for q in qs):
            r.expect(False, f"with keys in R^{d} the query must have shape ({d},)", "weights")
            continue
        betas = [c[3] for c in cases[j : j + rungs]]
        alphas = [_softmax(Ks[i], q) for q in qs]
        where = f"n = {n}, a = {a}, b = {b}"
        unequal = [(bt, al) for bt, al in zip(betas, alphas) if abs(al[a] - al[b]) > EQUAL_TOL]
        if unequal:
            bt, al = unequal[0]
            r.expect(
                False,
                f"{where}, beta = {bt:.3g}: alpha_a = {al[a]:.6f} and alpha_b = {al[b]:.6f} "
                f"differ by more than {EQUAL_TOL:g}: c is then not (v_a + v_b) / 2",
                "weights",
            )
            continue
        leak = [1.0 - al[a] - al[b] for al in alphas]  # weight on the other keys
        r.expect(
            abs(alphas[0][a] - 0.5) < TOL_AT_20,
            f"{where}, beta = {betas[0]:.3g}: alpha_a = alpha_b = {alphas[0][a]:.6f}, not within "
            f"{TOL_AT_20:g} of 1/2 (the notebook states this tolerance for beta >= 20)",
            "weights",
        )
        r.expect(
            all(x2 <= x1 + 1e-12 for x1, x2 in zip(leak, leak[1:])) and leak[-1] < 1e-9,
            f"{where}: the weight left on the other keys is "
            + ", ".join(f"{x:.2g} at beta = {bt:.3g}" for x, bt in zip(leak, betas))
            + ": it must shrink as beta grows and vanish for large beta",
            "weights",
        )
    # 6a: keys k_i ~ N(mu_i, alpha I) with alpha small; the query is built from the means.
    q = _vec(got[1], (d3,))
    if q is None:
        r.fail(f"with means in R^{d3} the query must have shape ({d3},)", "sampled_keys")
    V = rng.normal(size=(n3, d3))
    keys = mu[None] + 1e-4 * rng.normal(size=(300, n3, d3))  # (S, n, d)
    c = _softmax(keys, q) @ V  # (S, d)
    err = np.linalg.norm(c - (V[a3] + V[b3]) / 2, axis=1) / np.linalg.norm(V[a3] - V[b3])
    r.expect(
        err.max() < 0.02,
        f"keys sampled around the means (6a): in {int((err >= 0.02).sum())} of 300 samples c "
        f"is off (1/2)(v_a + v_b) by more than 2% of |v_a - v_b| (up to {err.max():.0%})",
        "sampled_keys",
    )


# --- 7 two_head_queries -----------------------------------------------------------------------


def _pair_of(got, d):
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return None
    q1, q2 = _vec(got[0], (d,)), _vec(got[1], (d,))
    return None if q1 is None or q2 is None else (q1, q2)


@check("test_two_head_queries")
def two_head_visible(k, rng, r):
    """The visible case: keys equal to the means; (c1 + c2) / 2 about (v_a + v_b) / 2."""
    mu, V = _visible_keys()
    got = k.eval(f"two_head_queries({T}.as_tensor(mu), 1, 4, 20.0)", mu=mu)
    pair = _pair_of(got, 8)
    if pair is None:
        r.fail("two_head_queries must return two queries (q1, q2), each of shape (8,)")
    q1, q2 = pair
    r.expect(not np.allclose(q1, q2), "q1 and q2 must differ: each head should do its own part")
    c = (_softmax(mu, q1) @ V + _softmax(mu, q2) @ V) / 2
    r.expect(
        np.allclose(c, (V[1] + V[4]) / 2, atol=1e-2),
        "(c1 + c2) / 2 should be about (v_a + v_b) / 2 when the keys equal the means",
    )


@check("test_two_head_queries_hidden", parts={"near_average": 2, "variance": 1})
def two_head_hidden(k, rng, r):
    """Keys sampled as in 8b (|k_a| varies): c stays near (v_a + v_b) / 2, small variance."""
    n = int(rng.integers(6, 13))
    d = n + int(rng.integers(0, n + 1))
    a, b = (int(v) for v in rng.choice(n, 2, replace=False))
    beta = 30.0
    mu = _orthonormal(rng, n, d)
    got = k.eval(f"two_head_queries({T}.as_tensor(mu), a, b, beta)", mu=mu, a=a, b=b, beta=beta)
    pair = _pair_of(got, d)
    if pair is None:
        r.fail(f"two_head_queries must return two queries (q1, q2), each of shape ({d},)")
    q1, q2 = pair
    V = rng.normal(size=(n, d))
    gamma = 1 + rng.normal(size=600) / np.sqrt(2)
    gamma = gamma[gamma > 0]  # the question says: ignore k_a^T q_i < 0
    S = len(gamma)
    keys = mu[None] + 1e-3 * rng.normal(size=(S, n, d))  # (S, n, d)
    keys[:, a] = gamma[:, None] * mu[a] + 1e-3 * rng.normal(size=(S, d))
    two = (_softmax(keys, q1) @ V + _softmax(keys, q2) @ V) / 2  # (S, d)
    one = _softmax(keys, beta * (mu[a] + mu[b])) @ V  # one head, question 6b
    target, scale = (V[a] + V[b]) / 2, np.linalg.norm(V[a] - V[b])
    near = float(np.mean(np.linalg.norm(two - target, axis=1) / scale < 0.05))
    r.expect(
        near > 0.85,
        f"with |k_a| varying (8b), c = (c1 + c2) / 2 was within 5% of |v_a - v_b| of "
        f"(1/2)(v_a + v_b) in only {near:.0%} of {S} samples: each head should copy one value",
        "near_average",
    )
    var_two = two.var(axis=0).sum() / scale**2
    var_one = one.var(axis=0).sum() / scale**2
    r.expect(
        var_two < 0.05 and var_two < 0.25 * var_one,
        f"the variance of c across samples is {var_two:.3g} |v_a - v_b|^2 with your two heads: "
        "it should be far smaller than with one head, q = beta (mu_a + mu_b) (question 6b)",
        "variance",
    )


# --- 9 span_corruption ------------------------------------------------------------------------


def _parse(s):
    """(prefix, suffix, masked, n_pad) of a corrupted string, or a reason why it is not one."""
    if not isinstance(s, str):
        return f"span_corruption returned {type(s).__name__}, not a string"
    if s.count(MASK) != 2:
        return f"exactly two MASK_CHAR markers expected, got {s.count(MASK)}: {s!r}"
    i1 = s.index(MASK)
    i2 = s.index(MASK, i1 + 1)
    prefix, suffix, tail = s[:i1], s[i1 + 1 : i2], s[i2 + 1 :]
    masked = tail.rstrip(PAD)
    if PAD in prefix + suffix + masked:
        return f"PAD_CHAR may only come at the end: {s!r}"
    if not masked:
        return f"the masked span must not be empty: {s!r}"
    return prefix, suffix, masked, len(tail) - len(masked)


def _structure(doc, s):
    """The parts of s, or a reason: the markers, padding and the span's place."""
    parts = _parse(s)
    if isinstance(parts, str):
        return parts
    prefix, suffix, masked, _ = parts
    t = prefix + masked + suffix
    if not doc.startswith(t):
        return (
            f"prefix + masked + suffix must be the truncated document (its start): from {s!r} "
            f"we get {t!r}. Is the span removed from its place, and are the markers in the order "
            "prefix ⁇ suffix ⁇ masked?"
        )
    return parts


VISIBLE_DOC = "Kofi Torres was born in Lima in 1950. He worked as a poet in Oslo."


@check("test_span_corruption", parts={"length": 1, "structure": 2, "truncation": 1})
def span_visible(k, rng, r):
    """The visible case: one document, 200 seeds, block_size = 32."""
    got = k.eval(
        f"[span_corruption(doc, 32, {RANDOM}.Random(i)) for i in range(200)]", doc=VISIBLE_DOC
    )
    if not isinstance(got, list) or len(got) != 200:
        r.fail("span_corruption did not answer for every seed")
    for s in got:
        r.expect(
            isinstance(s, str) and len(s) == 33,
            "return a string of block_size + 1 = 33 characters (padded with PAD_CHAR), got "
            f"{len(s) if isinstance(s, str) else type(s).__name__}: {s!r}",
            "length",
        )
        parts = _structure(VISIBLE_DOC, s)
        if isinstance(parts, str):
            r.expect(False, parts, "structure")
            continue
        r.expect(True, "", "structure")
        n = len(parts[0]) + len(parts[1]) + len(parts[2])
        r.expect(
            4 <= n <= 28, f"the truncated length must lie in [4, 28], got {n}: {s!r}", "truncation"
        )


ALPHABET = "abcdefghij klmnopqrstuvwxyzABC.,()0123456789"


def _doc(rng, n) -> str:
    return "".join(rng.choice(list(ALPHABET), size=n))


@check(
    "test_span_corruption_hidden",
    parts={"length": 1, "structure": 1, "truncation": 1, "short": 1, "seeded": 1},
)
def span_hidden(k, rng, r):
    """Structure on random documents and block sizes, short documents, seeded randomness."""
    sizes = [8, 10, 16, 24, 32, 64, 128, int(rng.integers(9, 100))]
    cases = [
        (_doc(rng, int(rng.integers(4, 201))), int(rng.choice(sizes)), int(rng.integers(1 << 30)))
        for _ in range(600)
    ]
    shorts = [(_doc(rng, 4), int(rng.choice([16, 32, 64, 128])), s) for s in range(50)]
    long_doc = _doc(rng, 150)
    seeds = [int(v) for v in rng.integers(1 << 30, size=20)]
    got, ok = ask(
        k,
        r,
        f"(lambda R: ([span_corruption(d, b, R.Random(s)) for d, b, s in C], "
        "[span_corruption(d, b, R.Random(s)) for d, b, s in SH], "
        "(R.seed(1), [span_corruption(L, 64, R.Random(s)) for s in K])[1], "
        f"(R.seed(2), [span_corruption(L, 64, R.Random(s)) for s in K])[1]))({RANDOM})",
        "span_corruption",
        C=cases,
        SH=shorts,
        L=long_doc,
        K=seeds,
    )
    if not ok:
        return
    if not (isinstance(got, tuple) and len(got) == 4 and len(got[0]) == len(cases)):
        r.fail("span_corruption did not answer for every case")
    for (doc, bs, _), s in zip(cases, got[0]):
        r.expect(
            isinstance(s, str) and len(s) == bs + 1,
            f"block_size = {bs}: the string must have block_size + 1 = {bs + 1} characters, "
            f"got {len(s) if isinstance(s, str) else type(s).__name__}: {s!r}",
            "length",
        )
        parts = _structure(doc, s)
        if isinstance(parts, str):
            r.expect(False, f"block_size = {bs}: {parts}", "structure")
            continue
        r.expect(True, "", "structure")
        n = len(parts[0]) + len(parts[1]) + len(parts[2])
        hi = int(bs * 7 / 8)
        r.expect(
            4 <= n <= hi,
            f"block_size = {bs}: the truncated length must lie in [4, {hi}], got {n}: {s!r}",
            "truncation",
        )
    for (doc, bs, _), s in zip(shorts, got[1]):
        parts = _structure(doc, s)
        if isinstance(parts, str):
            r.expect(False, f"the 4-character document {doc!r}: {parts}", "short")
            continue
        kept = parts[0] + parts[2] + parts[1]
        r.expect(
            kept == doc,
            f"a document shorter than the drawn length is kept whole: from {doc!r} "
            f"(block_size = {bs}) you kept {kept!r}",
            "short",
        )
    first, again = got[2], got[3]
    r.expect(
        first == again,
        "the same seeds gave different strings after random.seed() changed: span_corruption "
        "must draw its randomness from rng only",
        "seeded",
    )
    distinct = len({s for s in first if isinstance(s, str)}) if isinstance(first, list) else 0
    r.expect(
        distinct > 15,
        f"20 different seeds gave only {distinct} different strings: use rng's draws",
        "seeded",
    )


def _span_draws(k, r, doc, bs, N, seed):
    """N strings of span_corruption(doc, bs) from one Random(seed), taken apart: the kept
    length, the masked length and the masked span's start of each, as int arrays (N,)."""
    got = k.eval(
        f"(lambda g: [span_corruption(doc, bs, g) for _ in range(N)])({RANDOM}.Random(seed))",
        doc=doc,
        bs=bs,
        N=N,
        seed=seed,
    )
    if not isinstance(got, list) or len(got) != N:
        r.fail("span_corruption did not answer for every draw")
    n, m, start = np.zeros(N, int), np.zeros(N, int), np.zeros(N, int)
    for i, s in enumerate(got):
        parts = _structure(doc, s)
        if isinstance(parts, str):
            r.fail(f"the statistics need well-formed strings (see the cells above): {parts}")
        prefix, suffix, masked, _ = parts
        n[i], m[i], start[i] = len(prefix) + len(suffix) + len(masked), len(masked), len(prefix)
    return n, m, start


@check("test_span_corruption_statistics", parts={"truncation": 2, "span_length": 2, "place": 1})
def span_statistics(k, rng, r):
    """Over 4000 draws: truncation uniform on [4, 7/8 block_size] (on a long document, and what
    that means on a short one), the masked length random with mean about a quarter, its start
    uniform over the places where it fits."""
    bs = int(rng.choice([48, 64, 96]))
    hi = int(bs * 7 / 8)
    doc = "".join(rng.choice(list("abcdefghij klmnopqrstuvwxyz"), size=300))
    N = 4000
    n, m, start = _span_draws(k, r, doc, bs, N, int(rng.integers(1 << 30)))
    # Truncation: uniform over the integers of [4, hi] (the document is longer than hi).
    ks = _ks((n - 4 + rng.uniform(size=N)) / (hi - 3))
    r.expect(
        n.min() == 4 and n.max() == hi and ks < KS_LIMIT,
        f"block_size = {bs}: over {N} draws your truncated lengths ran from {n.min()} to "
        f"{n.max()} with mean {n.mean():.1f}; they should be uniform over [4, {hi}] "
        f"(Kolmogorov-Smirnov statistic {ks:.2f}, at most {KS_LIMIT} for a uniform draw)",
        "truncation",
    )
    # Truncation on a document shorter than 7/8 block_size: the length is still drawn from
    # [4, hi], so the whole document is kept with probability (hi - L + 1) / (hi - 3) and any
    # shorter length 4 .. L - 1 has probability 1 / (hi - 3) each ("never past the document's
    # end", drawing from [4, min(L, hi)], keeps it whole far too rarely).
    L = int(rng.integers(hi // 2, hi - 7))
    short = doc[:L]
    kept, _, _ = _span_draws(k, r, short, bs, N, int(rng.integers(1 << 30)))
    p_whole = (hi - L + 1) / (hi - 3)
    whole = float(np.mean(kept == L))
    sd = np.sqrt(p_whole * (1 - p_whole) / N)
    below = kept[kept < L]
    ks_short = _ks((below - 4 + rng.uniform(size=len(below))) / (L - 4)) if len(below) else 0.0
    r.expect(
        abs(whole - p_whole) < 5 * sd and ks_short < KS_LIMIT,
        f"a document of {L} characters at block_size = {bs}: your strings kept all of it in "
        f"{whole:.1%} of {N} draws; the length is drawn from [4, {hi}] whatever the document, "
        "so the whole document is kept whenever the draw is at least its length (see step 1)",
        "truncation",
    )
    # Masked length: a quarter of the text on average, and random for a given text length.
    frac = float(np.mean(m / n))
    r.expect(
        0.18 < frac < 0.32,
        f"the masked span is on average {frac:.1%} of the truncated text, not about a quarter",
        "span_length",
    )
    lengths = [L for L in range(12, hi + 1) if np.sum(n == L) >= 20]
    varied = [len(set(m[n == L])) > 1 for L in lengths]
    r.expect(
        bool(lengths) and np.mean(varied) > 0.8,
        f"for a given text length the masked length is always the same in "
        f"{len(varied) - sum(varied)} of {len(varied)} lengths: it must be random",
        "span_length",
    )
    # Start: uniform over 0 .. n - m given n and m.
    ks = _ks((start + rng.uniform(size=N)) / (n - m + 1))
    at_end = float(np.mean(start == n - m))
    at_start = float(np.mean(start == 0))
    r.expect(
        ks < KS_LIMIT,
        f"the masked span's start is not uniform over the positions where it fits "
        f"(Kolmogorov-Smirnov statistic {ks:.2f}, at most {KS_LIMIT} for a uniform draw): it "
        f"ends the text in {at_end:.0%} of the draws and starts it in {at_start:.0%}",
        "place",
    )


# --- 10 NameDataset ---------------------------------------------------------------------------


def _itos(texts) -> list[str]:
    return [PAD, MASK, *sorted(set("".join(texts)) - {PAD, MASK})]


def _name_example(name, place, bs, stoi):
    """The ids x and y of the text's rules, written out."""
    q = f"Where was {name} born?"
    full = list(q) + [MASK] + list(place) + [MASK]
    full += [PAD] * (bs + 1 - len(full))
    x = [stoi[c] for c in full[:-1]]
    y = [stoi[PAD] if i < len(q) - 1 else stoi[full[i + 1]] for i in range(bs)]
    return x, y


def _dataset(k, r, pairs, texts, bs, what):
    """(len, items) of the student's NameDataset, built in the kernel; None if it raised."""
    got, ok = ask(
        k,
        r,
        "(lambda ds: (len(ds), [ds[i] for i in range(len(P))]))"
        "(NameDataset(P, __import__('nlpcourse.gpt').gpt.CharVocab.from_texts(TX), bs))",
        what,
        P=pairs,
        TX=texts,
        bs=bs,
    )
    return got if ok else None


def _decode(ids, itos):
    try:
        return "".join(itos[int(i)] for i in ids)
    except (IndexError, TypeError, ValueError):
        return repr(ids)


def _expect_item(r, item, name, place, bs, itos, what, parts):
    """Compare one item with the rules; ``parts`` maps "types", "x", "y" to parts."""
    stoi = {c: i for i, c in enumerate(itos)}
    if not (isinstance(item, (tuple, list)) and len(item) == 2):
        r.expect(False, f"{what}: an item must be the pair (x, y)", parts["types"])
        return
    x, y = item
    good = all(
        isinstance(v, np.ndarray) and v.shape == (bs,) and v.dtype == np.int64 for v in (x, y)
    )
    r.expect(
        good,
        f"{what}: x and y must be LongTensors of shape ({bs},), got "
        f"{[(getattr(v, 'dtype', type(v).__name__), _shape(v)) for v in (x, y)]}",
        parts["types"],
    )
    if not good:
        return
    wx, wy = _name_example(name, place, bs, stoi)
    r.expect(x.tolist() == wx, f"{what}: x is {_decode(x, itos)!r}", parts["x"])
    r.expect(
        y.tolist() == wy,
        f"{what}: y is {_decode(y, itos)!r}; the targets of the question's positions must be "
        "PAD, so that the loss only counts the answer",
        parts["y"],
    )


@check("test_name_dataset", parts={"length": 1, "x": 1, "y": 1})
def name_dataset_visible(k, rng, r):
    """The visible case: one pair, block_size = 40."""
    pairs, texts = [("Ada Okafor", "Lima")], ["Where was Ada Okafor born?", "Lima"]
    got = _dataset(k, r, pairs, texts, 40, "NameDataset")
    if got is None:
        return
    n, items = got
    r.expect(n == 1, f"len(NameDataset) is the number of pairs, got {n!r}", "length")
    parts = {"types": "length", "x": "x", "y": "y"}
    _expect_item(r, items[0], "Ada Okafor", "Lima", 40, _itos(texts), "the visible pair", parts)


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -'éøü"


def _word(rng, lo, hi) -> str:
    return "".join(rng.choice(list(LETTERS), size=int(rng.integers(lo, hi + 1))))


@check("test_name_dataset_hidden", parts={"types": 1, "x": 2, "y": 2})
def name_dataset_hidden(k, rng, r):
    """Many random pairs and block sizes; dtypes and shapes; only the answer is a target."""
    texts = ["Where was born?" + LETTERS]
    itos = _itos(texts)
    for bs in [48, 64, 100, int(rng.integers(30, 80))]:
        pairs = []
        while len(pairs) < 30:
            name, place = _word(rng, 1, 20), _word(rng, 1, 12)
            if len(f"Where was {name} born?") + len(place) + 2 <= bs + 1:
                pairs.append((name, place))
        got = _dataset(k, r, pairs, texts, bs, f"NameDataset with block_size {bs}")
        if got is None:
            continue
        n, items = got
        r.expect(n == len(pairs), f"len(NameDataset) is {n!r} for {len(pairs)} pairs", "types")
        for (name, place), item in zip(pairs, items):
            what = f"block_size {bs}, the pair {(name, place)!r}"
            _expect_item(
                r, item, name, place, bs, itos, what, {"types": "types", "x": "x", "y": "y"}
            )


# --- 11 evaluate_places -----------------------------------------------------------------------


def _counts(v):
    """(total, correct) as ints, or None."""
    if not (isinstance(v, (tuple, list, np.ndarray)) and len(v) == 2):
        return None
    out = tuple(number(x) for x in v)
    if any(x is None or x != int(x) for x in out):
        return None
    return tuple(int(x) for x in out)


@check("test_evaluate_places")
def evaluate_places_visible(k, rng, r):
    """The visible case: four predictions, two differing only in case or spaces."""
    got = k.call(
        "evaluate_places", ["Lima", "Oslo", "Paris", "Cairo"], ["Lima", "oslo ", "Rome", "Cai"]
    )
    r.expect(
        _counts(got) == (4, 2),
        f"expected (total, correct) = (4, 2): 'oslo ' counts as 'Oslo'; got {got!r}",
    )


CITIES = ["Lima", "Oslo", "Paris", "Cairo", "Kyiv", "Rio de Janeiro", "São Paulo", "Ulaanbaatar"]


def _variant(rng, p):
    space = ["", " ", "  ", "\t", "\n"]
    p = [p, p.upper(), p.lower(), p.title(), p.swapcase()][int(rng.integers(5))]
    return str(rng.choice(space)) + p + str(rng.choice(space))


@check("test_evaluate_places_hidden", parts={"values": 3, "length_check": 1})
def evaluate_places_hidden(k, rng, r):
    """Random cases, case and whitespace variants, empty lists; a length mismatch raises."""
    cases = [([], []), (["LONDON"], ["london"]), (["Rio"], ["\tRIO\n"]), (["Rio"], ["Ri o"])]
    for _ in range(100):
        n = int(rng.integers(1, 31))
        true = [str(c) for c in rng.choice(CITIES, size=n)]
        pred = [
            _variant(rng, str(p) if rng.uniform() < 0.7 else str(rng.choice(CITIES))) for p in true
        ]
        cases.append((true, pred))
    got, ok = ask(
        k, r, "[evaluate_places(t, p) for t, p in C]", "evaluate_places", "values", C=cases
    )
    if ok:
        if not isinstance(got, list) or len(got) != len(cases):
            r.fail("evaluate_places did not answer for every case", "values")
        for (true, pred), v in zip(cases, got):
            want = (
                len(true),
                sum(a.strip().lower() == b.strip().lower() for a, b in zip(true, pred)),
            )
            shown = list(zip(true, pred))[:4]
            more = ", ..." if len(true) > 4 else ""
            r.expect(
                _counts(v) == want,
                f"for {len(true)} pair(s) (true, predicted) {shown}{more} you returned {v!r}",
                "values",
            )
    for true, pred in [(["Lima", "Oslo"], ["Lima"]), (["Lima"], ["Lima", "Oslo"]), ([], ["Oslo"])]:
        raised = k.raises("evaluate_places", true, pred)
        r.expect(
            raised == "ValueError",
            f"{len(true)} true places and {len(pred)} predictions must raise ValueError "
            f"(got {raised})",
            "length_check",
        )


# --- 12 predict_place -------------------------------------------------------------------------

# Built in the kernel (exec) to call the student's predict_place with it: a model that
# continues the exact prompt with `continuation` (one character per call, greedy) and answers
# WRONG to anything else. With prompt "" it writes `continuation` from any input.
MODELS = """
import torch
from nlpcourse import gpt


class Scripted(torch.nn.Module):
    def __init__(self, vocab, prompt, continuation, block_size):
        super().__init__()
        self.vocab, self.block_size = vocab, int(block_size)
        self.prompt, self.continuation = prompt, continuation
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx, targets=None):
        B, T = idx.shape
        logits = torch.zeros(B, T, len(self.vocab))
        for b in range(B):
            text = self.vocab.decode(idx[b])
            k = len(text) - len(self.prompt)
            ok = text.startswith(self.prompt) and 0 <= k < len(self.continuation)
            logits[b, -1, self.vocab.stoi[self.continuation[k] if ok else "#"]] = 10.0
        return logits, None


def make(texts, prompt, continuation, block_size):
    vocab = gpt.CharVocab.from_texts([*texts, "#"])
    return Scripted(vocab, prompt, continuation, block_size), vocab
"""
PREDICT = (
    "(lambda ns: (exec(SRC, ns), [predict_place(*ns['make'](tx, p, c, bs), name, 'cpu') "
    "for tx, p, c, bs, name in C])[1])({})"
)


def _predict(k, r, cases, part=None):
    """The student's answers for the scripted cases (texts, prompt, continuation, block size,
    name); None if it raised."""
    got, ok = ask(k, r, PREDICT, "predict_place", part, SRC=MODELS, C=cases)
    if ok and not (isinstance(got, list) and len(got) == len(cases)):
        r.expect(False, "predict_place did not answer for every case", part)
        return None
    return got if ok else None


def _prompt(name):
    return f"Where was {name} born?" + MASK


@check("test_predict_place")
def predict_place_visible(k, rng, r):
    """The visible case: a scripted model that answers 'Lima' to the right prompt only."""
    texts = ["Where was Ada Okafor born?", "Lima Oslo X"]
    case = (texts, _prompt("Ada Okafor"), "Lima" + MASK + "XXXX", 64, "Ada Okafor")
    got = _predict(k, r, [case])
    if got is None:
        return
    r.expect(
        got[0] == "Lima",
        f"expected 'Lima', got {got[0]!r}. The prompt must be 'Where was Ada Okafor born?⁇' and "
        "the answer is what the model writes after it, up to the next ⁇ (not included)",
    )


def _name(rng):
    words = [
        "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=int(rng.integers(2, 8))))
        for _ in range(int(rng.integers(1, 4)))
    ]
    return " ".join(w.title() for w in words)


@check("test_predict_place_hidden", parts={"answers": 2, "step_limit": 1})
def predict_place_hidden(k, rng, r):
    """Other names and answers; an answer without a closing marker stops at the step limit."""
    answers = []
    for name, place in [(_name(rng), _name(rng)) for _ in range(4)] + [(_name(rng), "a")]:
        tail = "".join(rng.choice(list("XYZ"), size=4))
        texts = ["Where was born?", name, place, tail]
        bs = len(_prompt(name)) + len(place) + 1 + int(rng.integers(1, 20))
        answers.append(((texts, _prompt(name), place + MASK + tail, bs, name), place))
    got = _predict(k, r, [c for c, _ in answers], "answers")
    if got is not None:
        for (case, place), a in zip(answers, got):
            r.expect(
                a == place,
                f"for {case[4]!r} the scripted model writes a place and then ⁇ after the exact "
                f"prompt 'Where was {case[4]} born?⁇' only; you returned {a!r}: the answer "
                "stops before the next ⁇, which is not included",
                "answers",
            )
    limits = []
    for _ in range(3):
        name = _name(rng)
        bs = len(_prompt(name)) + int(rng.integers(1, 15))
        texts = ["Where was born?", name, "a"]
        # never writes ⁇: prompt "" makes it write "a" after any input
        limits.append(((texts, "", "a" * 200, bs, name), "a" * (bs - len(_prompt(name)))))
        place = _name(rng)
        bs = len(_prompt(name)) + int(rng.integers(1, len(place) + 1))
        # the answer is cut off by the block size before its closing ⁇
        texts = ["Where was born?", name, place]
        limits.append(
            ((texts, _prompt(name), place + MASK, bs, name), place[: bs - len(_prompt(name))])
        )
    got = _predict(k, r, [c for c, _ in limits], "step_limit")
    if got is not None:
        for (case, want), a in zip(limits, got):
            r.expect(
                a == want,
                f"block_size {case[3]}, the prompt 'Where was {case[4]} born?⁇' "
                f"({len(_prompt(case[4]))} characters), and a model that writes no ⁇ before the "
                f"block is full: you returned {a!r}. Generate at most model.block_size - "
                "len(prompt) characters and return all of them",
                "step_limit",
            )


# --- 13 finetune ------------------------------------------------------------------------------

FINETUNE = """
import torch
from nlpcourse import gpt


def run(finetune, state, config, texts, pairs, settings):
    model = gpt.GPT(gpt.GPTConfig(**config))
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    losses = finetune(model, pairs, gpt.CharVocab.from_texts(texts), settings)
    return losses, {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
"""
RUN_FINETUNE = "(lambda ns: (exec(SRC, ns), ns['run'](finetune, SD, CFG, TX, P, S))[1])({})"


def _model(vocab_size, block_size, seed):
    torch.manual_seed(seed)
    config = dict(
        vocab_size=vocab_size, block_size=block_size, n_layer=1, n_head=2, n_embd=16, dropout=0.0
    )
    return gpt.GPT(gpt.GPTConfig(**config)), config


def _finetune(k, r, model, config, texts, pairs, settings):
    """(losses, state after) from the student's finetune on a copy of ``model``; None if it
    raised or returned no list of losses."""
    state = {n: v.numpy() for n, v in model.state_dict().items()}
    got, ok = ask(
        k,
        r,
        RUN_FINETUNE,
        "finetune",
        SRC=FINETUNE,
        SD=state,
        CFG=config,
        TX=texts,
        P=pairs,
        S=settings,
    )
    if not ok:
        return None
    losses, after = got
    if not isinstance(losses, (list, tuple)):
        r.fail(f"finetune must return the list of losses of Trainer.train(), got {losses!r}")
    return list(losses), state, after


@check("test_finetune")
def finetune_visible(k, rng, r):
    """The visible case: a tiny model, 3 steps: 3 losses, and the weights change."""
    texts = ["Where was Ada Okafor born?", "Lima Bo Li Oslo"]
    model, config = _model(len(_itos(texts)), 40, 0)
    settings = dict(max_iters=3, batch_size=2, learning_rate=1e-2, progress=False, device="cpu")
    got = _finetune(
        k, r, model, config, texts, [("Ada Okafor", "Lima"), ("Bo Li", "Oslo")], settings
    )
    if got is None:
        return
    losses, before, after = got
    r.expect(len(losses) == 3, f"return the 3 losses of Trainer.train(), got {losses!r}")
    changed = isinstance(after, dict) and any(
        not np.array_equal(np.asarray(after.get(n)), v) for n, v in before.items()
    )
    r.expect(changed, "the model's weights did not change: train it with gpt.Trainer")


def _answer_loss(model, pairs, stoi, bs) -> float:
    """Mean cross-entropy over the answer positions (⁇ place ⁇) only, by an explicit loop."""
    xs, targets = [], []
    for name, place in pairs:
        q = f"Where was {name} born?"
        s = q + MASK + place + MASK
        ids = [stoi[c] for c in s + PAD * (bs + 1 - len(s))]
        xs.append(ids[:-1])
        for pos in range(len(q) - 1, len(s) - 1):
            targets.append((len(xs) - 1, pos, ids[pos + 1]))
    model.eval()
    with torch.no_grad():
        logits, _ = model(torch.tensor(xs))
    logp = torch.log_softmax(logits.double(), -1)
    return -sum(float(logp[b, pos, t]) for b, pos, t in targets) / len(targets)


@check("test_finetune_hidden")
def finetune_hidden(k, rng, r):
    """With learning rate 0, the loss finetune reports is the loss on the answer tokens only."""
    pairs = [(_name(rng), _name(rng)) for _ in range(int(rng.integers(3, 7)))]
    texts = ["Where was born?"] + [n + p for n, p in pairs]
    itos = _itos(texts)
    longest = max(len(f"Where was {n} born?") + len(p) + 2 for n, p in pairs)
    bs = longest - 1 + int(rng.integers(0, 12))
    model, config = _model(len(itos), bs, int(rng.integers(1 << 30)))
    settings = dict(
        max_iters=2, batch_size=len(pairs), learning_rate=0.0, progress=False, device="cpu"
    )
    got = _finetune(k, r, model, config, texts, pairs, settings)
    if got is None:
        return
    losses = got[0]
    if len(losses) != 2:
        r.fail(f"with max_iters = 2, finetune must return 2 losses, got {len(losses)}")
    want = _answer_loss(model, pairs, {c: i for i, c in enumerate(itos)}, bs)
    for v in losses:
        x = number(v)
        r.expect(
            x is not None and abs(x - want) < 1e-4,
            f"with learning rate 0 the loss finetune reported is {v!r}, not the cross-entropy "
            "of the answer characters (⁇ place ⁇) alone: are the question's targets PAD, and "
            "does finetune train on your NameDataset?",
        )
