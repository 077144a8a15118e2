"""a4_classifiers' checks: they run in the grader, never in the student's kernel.

One function per autograded cell (see nlpcourse/course/verdicts.py and source/README.md, "Writing a
check"). The student's classes cannot travel, so each request builds a model in the kernel,
copies in weights the grader drew from ``rng`` (by parameter shape for ``FFNN``, by the given
attribute names for ``AttentionClassifier``), runs it and sends back its outputs as arrays.
The references are computed here, independently of the solution, in float64 ``torch``:

- ``FFNN``: the parameter shapes written out from J&M eq. 7.13 in PyTorch's layout, and
  ``tanh(x W^T + b) U^T + c``;
- the training check: the kernel runs a fixed loop (120 Adam steps) on data drawn here and
  returns the trained model's logits; accuracy and cross-entropy are computed here;
- ``AttentionClassifier``: a per-review loop over the real words only (scaled scores, softmax
  over the keys, mean, linear layer); padding invariance from the model's own outputs.
"""

from __future__ import annotations

import numpy as np
import torch

from nlpcourse.course.verdicts import ask, check

T = "__import__('torch')"
DEFAULT_HIDDEN = 20


def _tensor(v) -> np.ndarray | None:
    """A numeric array the kernel sent (a tensor or an array), as float64; else None."""
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
        return v.astype(float)
    return None


def _shape(v):
    return tuple(v.shape) if isinstance(v, np.ndarray) else type(v).__name__


def _fmt(v) -> str:
    return "[" + ", ".join(f"{x:.4g}" for x in np.ravel(v)) + "]"


# --- FFNN -------------------------------------------------------------------------------------


def _ffnn_text(d, c, h) -> str:
    return f"FFNN({d}, {c})" if h is None else f"FFNN({d}, {c}, hidden_dim={h})"


def _want_shapes(d, c, h) -> list[tuple]:
    h = DEFAULT_HIDDEN if h is None else h
    return sorted([(h, d), (h,), (c, h), (c,)])


NEW_FFNN = "(FFNN(d, c) if h is None else FFNN(d, c, hidden_dim=h))"
SHAPES = f"[[tuple(p.shape) for p in {NEW_FFNN}.parameters()] for d, c, h in S]"


def _shapes(k, r, configs, part=None):
    """The parameter shapes of FFNN for each (d, c, h) config (h None: the default), or None
    if creating one raised (recorded)."""
    got, ok = ask(k, r, SHAPES, "creating FFNN", part, S=configs)
    if not ok:
        return None
    if not isinstance(got, list) or len(got) != len(configs):
        r.fail("FFNN's parameters could not be read for every size")
    out = []
    for shapes in got:
        try:
            out.append(sorted(tuple(int(n) for n in s) for s in shapes))
        except (TypeError, ValueError):
            out.append(None)
    return out


def _distinct_config(rng, default: bool):
    """(d, c, h) whose four parameter shapes differ, so weights can be set by shape."""
    while True:
        d, c = int(rng.integers(2, 40)), int(rng.integers(2, 6))
        h = None if default else int(rng.integers(2, 48))
        if h != DEFAULT_HIDDEN and (DEFAULT_HIDDEN if h is None else h) != c:
            return d, c, h


@check("test_ffnn", parts={"shape": 2, "logits": 1, "gradients": 1})
def ffnn_visible(k, rng, r):
    """The visible cases: output shape, logits (not probabilities), gradients reach every
    weight."""
    x = rng.normal(size=(5, 7)).astype(np.float32)
    expr = (
        f"(lambda t: (lambda m: (lambda z: (z, (z.sum().backward() if isinstance(z, t.Tensor) "
        "else None), [p.grad is not None for p in m.parameters()]))(m(t.as_tensor(x))))"
        f"((t.manual_seed(seed), FFNN(7, 3))[1]))({T})"
    )
    got, ok = ask(k, r, expr, "FFNN(7, 3) on a (5, 7) batch", seed=int(rng.integers(1 << 31)), x=x)
    if not ok:
        return
    z, _, grads = got
    z = _tensor(z)
    if z is None or z.shape != (5, 3):
        r.fail(f"FFNN(7, 3) on a (5, 7) batch must give a (5, 3) tensor, got {_shape(got[0])}")
    r.expect(True, "", "shape")
    r.expect(
        not np.allclose(z.sum(-1), 1.0, atol=1e-4),
        "each row of the output sums to 1: these are probabilities. Return the logits z; "
        "nn.CrossEntropyLoss applies the softmax itself",
        "logits",
    )
    grads = grads if isinstance(grads, list) else []
    r.expect(
        len(grads) > 0 and all(g is True for g in grads),
        f"{grads.count(False)} of the {len(grads)} parameters get no gradient: create the "
        "layers in __init__ (as attributes, so that they are parameters) and use them in forward",
        "gradients",
    )


@check("test_ffnn_architecture", parts={"default_width": 1, "hidden_dim": 2, "biases": 1})
def ffnn_architecture(k, rng, r):
    """The parameter shapes for several sizes: hidden_dim 20 by default, the hidden_dim
    argument, a bias in both layers."""
    configs = [(7, 3, None), (50, 2, None), (6, 4, 5), (3, 2, 33)]
    configs += [_distinct_config(rng, default) for default in (True, False, False)]
    got = _shapes(k, r, configs)
    if got is None:
        return
    for (d, c, h), shapes in zip(configs, got):
        what = _ffnn_text(d, c, h)
        if shapes is None:
            r.expect(False, f"{what}: its parameters have no shapes", "biases")
            continue
        weights = sorted(s for s in shapes if len(s) == 2)
        biases = sorted(s for s in shapes if len(s) == 1)
        want = sorted(s for s in _want_shapes(d, c, h) if len(s) == 2)
        width = "the default hidden width 20" if h is None else f"hidden_dim={h}"
        r.expect(
            weights == want,
            f"{what}: the weight matrices have shapes {weights}, not what nn.Linear(input_dim, "
            f"hidden_dim) and nn.Linear(hidden_dim, output_dim) give with {width}",
            "default_width" if h is None else "hidden_dim",
        )
        r.expect(
            biases == sorted((w[0],) for w in weights) and len(shapes) == 4,
            f"{what}: the parameters have shapes {shapes}; both layers need a bias "
            "(J&M eq. 7.13: b and c), and there is nothing else to learn",
            "biases",
        )


def _ffnn_weights(rng, d, c, h):
    h = DEFAULT_HIDDEN if h is None else h
    f = np.float32
    return {
        (h, d): rng.normal(size=(h, d)).astype(f),
        (h,): rng.normal(size=h).astype(f),
        (c, h): rng.normal(size=(c, h)).astype(f),
        (c,): rng.normal(size=c).astype(f),
    }


@check("test_ffnn_forward", parts={"shape": 1, "values": 4})
def ffnn_forward(k, rng, r):
    """Forward with fixed weights against tanh(x W^T + b) U^T + c, computed here in float64."""
    configs = [(7, 3, None), (5, 2, None), (9, 4, 6)]
    configs += [_distinct_config(rng, default) for default in (True, False)]
    shapes = _shapes(k, r, configs)
    if shapes is None:
        return
    cases = []
    for (d, c, h), got in zip(configs, shapes):
        if got != _want_shapes(d, c, h):
            r.expect(
                False,
                f"{_ffnn_text(d, c, h)} has parameters of shapes {got}, so its forward pass "
                "could not be checked with fixed weights (see the architecture test)",
                "values",
            )
            continue
        x = (2 * rng.normal(size=(int(rng.integers(1, 16)), d))).astype(np.float32)
        cases.append((d, c, h, _ffnn_weights(rng, d, c, h), x))
    if not cases:
        r.fail("no size had the right parameters, so forward could not be checked", "values")
    expr = (
        f"(lambda t: [(lambda m: ([p.data.copy_(t.as_tensor(w[tuple(p.shape)])) "
        f"for p in m.parameters()], m(t.as_tensor(x)))[1])({NEW_FFNN}) "
        f"for d, c, h, w, x in C])({T})"
    )
    got, ok = ask(k, r, expr, "FFNN's forward", C=cases)
    if not ok:
        return
    if not isinstance(got, list) or len(got) != len(cases):
        r.fail("FFNN's forward did not answer for every size")
    for (d, c, h, w, x), z in zip(cases, got):
        what = f"{_ffnn_text(d, c, h)} on a ({len(x)}, {d}) batch"
        hh = DEFAULT_HIDDEN if h is None else h
        W, b = (torch.as_tensor(w[s], dtype=torch.float64) for s in [(hh, d), (hh,)])
        U, cb = (torch.as_tensor(w[s], dtype=torch.float64) for s in [(c, hh), (c,)])
        want = (torch.tanh(torch.as_tensor(x, dtype=torch.float64) @ W.T + b) @ U.T + cb).numpy()
        zt = _tensor(z)
        if not r.expect(
            zt is not None and zt.shape == want.shape,
            f"{what} must give logits of shape {want.shape}, got {_shape(z)}",
            "shape",
        ):
            r.expect(False, f"{what}: the logits could not be compared", "values")
            continue
        r.close(
            zt,
            want,
            f"{what}, fixed weights: the logits (is it tanh, with both biases, and no softmax?)",
            "values",
            rtol=1e-4,
            atol=1e-4,
        )


TRAIN = (
    "(lambda t, F: (lambda m, x, y: (lambda opt: ([(opt.zero_grad(), "
    "F.cross_entropy(m(x), y).backward(), opt.step()) for _ in range(steps)], "
    "t.no_grad()(lambda: m(x))())[1])(t.optim.Adam(m.parameters(), lr=lr)))"
    "((t.manual_seed(seed), FFNN(2, 2))[1], t.as_tensor(x), t.as_tensor(y)))"
    f"({T}, __import__('torch.nn.functional').nn.functional)"
)
TRAIN_STEPS, TRAIN_LR, TRAIN_N = 120, 0.08, 400
MIN_ACCURACY, MAX_LOSS = 0.95, 0.2


@check("test_ffnn_trains", parts={"accuracy": 2, "loss": 1})
def ffnn_trains(k, rng, r):
    """120 Adam steps on points inside and outside a circle (no linear model separates them):
    the training accuracy (computed here from the logits) over 95% and the cross-entropy
    low, which logits reach and probabilities cannot."""
    x = rng.uniform(-2, 2, size=(TRAIN_N, 2)).astype(np.float32)
    y = (np.linalg.norm(x, axis=1) < 1.2).astype(np.int64)
    z, ok = ask(
        k,
        r,
        TRAIN,
        f"training FFNN(2, 2) for {TRAIN_STEPS} Adam steps",
        x=x,
        y=y,
        steps=TRAIN_STEPS,
        lr=TRAIN_LR,
        seed=int(rng.integers(1 << 31)),
    )
    if not ok:
        return
    raw, z = z, _tensor(z)
    if z is None or z.shape != (TRAIN_N, 2) or not np.isfinite(z).all():
        r.fail(f"after training, FFNN(2, 2) gave {_shape(raw)} logits, not finite ({TRAIN_N}, 2)")
    acc = float(np.mean(z.argmax(-1) == y))
    r.expect(
        acc > MIN_ACCURACY,
        f"after {TRAIN_STEPS} Adam steps (lr {TRAIN_LR}) on {TRAIN_N} points inside and outside "
        f"a circle, your FFNN classifies {acc:.1%} of them right; a tanh hidden layer with "
        "biases reaches over 95%",
        "accuracy",
    )
    logp = torch.log_softmax(torch.as_tensor(z, dtype=torch.float64), dim=-1)
    loss = float(-logp[np.arange(TRAIN_N), y].mean())
    r.expect(
        loss < MAX_LOSS,
        f"after training, the cross-entropy of your outputs is {loss:.3f}: if forward returns "
        "probabilities (numbers in [0, 1]), the loss cannot fall below 0.31; return logits",
        "loss",
    )


# --- AttentionClassifier ----------------------------------------------------------------------

# A model with the grader's weights: w maps query/key/value/out to weights, bias to out's bias.
NEW_ATTN = (
    "(lambda m: ([getattr(m, n).weight.data.copy_(t.as_tensor(w[n])) "
    "for n in ('query', 'key', 'value', 'out')], m.out.bias.data.copy_(t.as_tensor(w['bias'])), "
    "m)[-1])(AttentionClassifier(d, C, dk))"
)


def _attn_weights(rng, d, C, dk, qk_scale=3.0):
    """Weights as nn.Linear draws them, queries and keys scaled up (scores far from 0, so
    the scaling and the softmax's axis matter)."""

    def lin(o, i, scale=1.0):
        return (scale * rng.uniform(-1, 1, size=(o, i)) / np.sqrt(i)).astype(np.float32)

    return {
        "query": lin(dk, d, qk_scale),
        "key": lin(dk, d, qk_scale),
        "value": lin(d, d),
        "out": lin(C, d),
        "bias": (rng.uniform(-1, 1, size=C) / np.sqrt(d)).astype(np.float32),
    }


def _attn_forward(k, r, d, C, dk, w, batches, what, part=None):
    """The logits of AttentionClassifier(d, C, dk) with weights w on each (x, mask), or None."""
    expr = (
        f"(lambda t: (lambda m: [m(t.as_tensor(x), t.as_tensor(mask)) for x, mask in X])"
        f"({NEW_ATTN}))({T})"
    )
    got, ok = ask(k, r, expr, what, part, d=d, C=C, dk=dk, w=w, X=batches)
    if not ok:
        return None
    if not isinstance(got, list) or len(got) != len(batches):
        r.fail(f"{what}: no answer for every batch", part)
    return got


def attention_reference(x, n, w) -> np.ndarray:
    """One review's logits from its n real words: scaled dot-product self-attention with the
    softmax over the keys, the mean over the words, the linear layer (float64)."""
    W = {key: torch.as_tensor(v, dtype=torch.float64) for key, v in w.items()}
    xb = torch.as_tensor(x[:n], dtype=torch.float64)  # (n, d): the real words only
    q, kk, v = xb @ W["query"].T, xb @ W["key"].T, xb @ W["value"].T  # (n, dk), (n, dk), (n, d)
    s = q @ kk.T / np.sqrt(q.shape[1])  # (n, n): query i, key j
    a = torch.softmax(s, dim=1) @ v  # (n, d)
    return (W["out"] @ a.mean(0) + W["bias"]).numpy()  # (C,)


def _mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]  # (B, T)


@check("test_attention_classifier", parts={"shape": 1, "finite": 1, "one_word": 2})
def attention_visible(k, rng, r):
    """The visible cases: the output shape, finite logits with padding, and a one-word review,
    whose attention output is its value vector."""
    d, C, dk = 6, 3, 4
    w = _attn_weights(rng, d, C, dk, qk_scale=1.0)
    x = rng.normal(size=(2, 5, d)).astype(np.float32)
    one = rng.normal(size=(1, 1, d)).astype(np.float32)
    got = _attn_forward(
        k,
        r,
        d,
        C,
        dk,
        w,
        [(x, _mask([5, 3], 5)), (one, np.ones((1, 1), dtype=bool))],
        f"AttentionClassifier({d}, {C}, {dk})",
    )
    if got is None:
        return
    z, z1 = (_tensor(v) for v in got)
    if r.expect(
        z is not None and z.shape == (2, C),
        f"logits must be (B, C) = (2, {C}), got {_shape(got[0])}",
        "shape",
    ):
        r.expect(
            np.isfinite(z).all(),
            f"the logits contain nan or inf ({_fmt(z)}): check the masking and the mean",
            "finite",
        )
    else:
        r.expect(False, "the logits could not be checked for nan or inf", "finite")
    want = w["out"].astype(float) @ (w["value"].astype(float) @ one[0, 0]) + w["bias"]
    if z1 is None or z1.shape != (1, C):
        r.fail(
            f"for a one-word review the logits must be (1, {C}), got {_shape(got[1])}", "one_word"
        )
    r.close(
        z1[0],
        want,
        "a one-word review, whose logits are out(value(x)): are you returning self.out applied "
        "to the mean of the attention outputs?",
        "one_word",
        rtol=1e-4,
        atol=1e-5,
    )


@check("test_attention_reference", parts={"no_padding": 3, "padding": 3})
def attention_reference_check(k, rng, r):
    """Logits against a per-review reference computed here (scaled scores, softmax over the
    keys, mean over the real words), for reviews without padding and with it."""
    configs = [(4, 7, 6, 4, 2), (3, 5, 10, 16, 3), (2, 9, 50, 32, 2)]
    configs.append(
        (
            int(rng.integers(3, 7)),
            int(rng.integers(4, 12)),
            int(rng.integers(3, 20)),
            int(rng.integers(2, 12)),
            int(rng.integers(2, 5)),
        )
    )
    for B, T_, d, dk, C in configs:
        w = _attn_weights(rng, d, C, dk)
        x = rng.normal(size=(B, T_, d)).astype(np.float32)  # pads hold values too
        lengths = rng.integers(1, T_ + 1, size=B)
        lengths[0], lengths[-1] = T_, max(1, T_ - 3)
        what = f"AttentionClassifier({d}, {C}, {dk}) on a batch (B, T) = ({B}, {T_})"
        got = _attn_forward(k, r, d, C, dk, w, [(x, _mask(lengths, T_))], what)
        if got is None:
            return
        z = _tensor(got[0])
        if z is None or z.shape != (B, C):
            r.expect(False, f"{what}: the logits must be ({B}, {C}), got {_shape(got[0])}")
            continue
        for b, n in enumerate(lengths):
            full = n == T_
            r.close(
                z[b],
                attention_reference(x[b], int(n), w),
                f"{what}, review {b} ({n} of {T_} words real): the logits"
                + (
                    " (scores divided by sqrt(d_k), softmax over the keys j?)"
                    if full
                    else " (padded keys get no weight, padded positions left out of the mean?)"
                ),
                "no_padding" if full else "padding",
                rtol=1e-4,
                atol=1e-4,
            )


# The number of autograd operations behind a tensor, counted in the kernel by code that comes
# with the request (nothing in the notebook's namespace or in the pack is called): a batched
# forward records the same number for any batch size, a loop over the reviews one set per review.
# A walk over a list that grows as it goes, not recursion: a long graph never hits Python's
# recursion limit.
GRAPH_SIZE = (
    "(lambda z: (lambda seen, todo: ([todo.extend(n for n, _ in fn.next_functions) "
    "for fn in todo if fn is not None and id(fn) not in seen and not seen.add(id(fn))], "
    "len(seen))[1])(set(), [getattr(z, 'grad_fn', None)]))"
)
GRAPH_SIZES = (
    "(lambda t, size: (lambda m: [size(m(t.as_tensor(x), t.as_tensor(mask))) for x, mask in X])"
    f"({NEW_ATTN}))({T}, {GRAPH_SIZE})"
)


@check("test_attention_padding", parts={"alone": 2, "zero_pads": 2, "any_pads": 2, "batched": 2})
def attention_padding(k, rng, r):
    """Each review gets the same logits alone (unpadded) as in a padded batch, and more
    padding, holding zeros or any values, changes no logit; no Python loop over the batch
    (as many autograd operations recorded for 16 reviews as for one)."""
    B, T_, d, dk, C, extra = 3, int(rng.integers(5, 9)), 8, 5, 2, int(rng.integers(3, 7))
    w = _attn_weights(rng, d, C, dk)
    lengths = np.array([T_, T_ - 2, int(rng.integers(1, T_ - 2))])
    mask = _mask(lengths, T_)
    x = rng.normal(size=(B, T_, d)).astype(np.float32) * mask[..., None]  # pads are zeros
    batches = [(x, mask)]
    batches += [(x[b : b + 1, :n], np.ones((1, n), dtype=bool)) for b, n in enumerate(lengths)]
    mask2 = np.concatenate([mask, np.zeros((B, extra), dtype=bool)], 1)  # (B, T + extra)
    zeros = np.concatenate([x, np.zeros((B, extra, d), dtype=np.float32)], 1)
    junk = zeros.copy()
    junk[~mask2] = 50 * rng.normal(size=(int((~mask2).sum()), d))
    batches += [(zeros, mask2), (junk, mask2)]
    what = f"AttentionClassifier({d}, {C}, {dk})"
    got = _attn_forward(k, r, d, C, dk, w, batches, what)
    if got is None:
        return
    z = [_tensor(v) for v in got]
    base = z[0]
    if base is None or base.shape != (B, C) or not np.isfinite(base).all():
        r.fail(
            f"{what} on a padded (3, {T_}) batch gave {_shape(got[0])} logits, not finite (3, {C})"
        )
    for b, n in enumerate(lengths):
        alone = z[1 + b]
        ok = (
            alone is not None
            and alone.shape == (1, C)
            and np.allclose(alone[0], base[b], atol=1e-5)
        )
        r.expect(
            ok,
            f"review {b} ({n} words) alone gets the logits "
            f"{_fmt(alone) if alone is not None else _shape(got[1 + b])}, in a batch padded to "
            f"{T_} positions {_fmt(base[b])}: padding must change nothing",
            "alone",
        )
    for part, zz, kind in [
        ("zero_pads", z[-2], "zero vectors"),
        ("any_pads", z[-1], "large random vectors"),
    ]:
        ok = zz is not None and zz.shape == base.shape and np.allclose(zz, base, atol=1e-4)
        r.expect(
            ok,
            f"{extra} more pad positions holding {kind}, with padding everywhere masked, change "
            f"the logits from {_fmt(base)} to "
            f"{_fmt(zz) if zz is not None else _shape(got[-1])}: a padded position must get "
            "no attention weight and must not count in the mean",
            part,
        )
    # A batched forward records the same autograd operations for any batch size; a Python
    # loop over the reviews records one set per review. The counts come from the student's own
    # graph and are compared here; a forward that records nothing (torch.no_grad) could not be
    # trained, and does not pass.
    x16 = rng.normal(size=(16, T_, d)).astype(np.float32)
    mask16 = _mask(rng.integers(1, T_ + 1, size=16), T_)
    sizes, ok = ask(
        k, r, GRAPH_SIZES, f"{what}'s autograd graph", "batched",
        d=d, C=C, dk=dk, w=w, X=[(x16[:1], mask16[:1]), (x16, mask16)],
    )  # fmt: skip
    if ok:
        counts = sizes if isinstance(sizes, list) and len(sizes) == 2 else [None, None]
        one, many = counts
        if not (isinstance(one, int) and one > 0):
            r.fail(
                f"{what} recorded no autograd operations ({one}): its logits must come from "
                "operations torch can differentiate (no torch.no_grad, no detach)",
                "batched",
            )
        r.expect(
            isinstance(many, int) and many <= one,
            f"{what} recorded {one} autograd operations for one review and {many} for 16: "
            "forward must work on the whole batch at once, with no Python loop over the reviews",
            "batched",
        )
