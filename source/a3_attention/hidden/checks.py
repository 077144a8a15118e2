"""a3_attention's checks: they run in the grader, never in the student's kernel.

One function per autograded cell (see nlpcourse/course/verdicts.py and source/README.md, "Writing a
check"). Inputs come from ``rng`` (the course secret, the student, the cell) wherever the old
hidden tests used fixed random inputs; the notebook's own examples (the released ``*.npy``
arrays, the sentence) stay. The references are independent of the solution:

- softmax and attention: ``torch.softmax`` and ``torch.nn.functional.scaled_dot_product_attention``
  in float64, heads concatenated with ``torch.cat``; per-head weights from
  ``torch.nn.MultiheadAttention``;
- DistilBERT: the grader's own copy of the model, loaded the way the notebook's setup loads it
  (:mod:`nlpcourse.hub`): its ``hidden_states`` and ``output_attentions`` and ``F.linear`` on
  its layer-5 weights. Before it uses the model, a check compares a slice of the notebook's
  ``model`` weights with its own copy (the hub's resolution first, then the pack's seeded
  stand-in), so that the grader and the kernel work on the same model; if neither matches,
  the check stops with an internal error for the instructor (a grading environment whose
  kernel sees another model than the grader).
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from nlpcourse.course.verdicts import Raised, Stop, check, shared

HERE = Path(__file__).parent
FIXTURES = HERE.parent  # the released x.npy, W_*.npy next to the notebook
SENTENCE = "The quick brown fox jumps over the lazy dog"
LAYER = 5
TORCH = "(lambda a: __import__('torch').as_tensor(__import__('numpy').asarray(a)))"
WORDS = ["[CLS]", "[SEP]", "cat", "sat", "on", "a", "mat", "##s", "it", "was", "red", "."]

# Tolerances of the hidden cases, stated in the notebook (questions 1, 2, 3, 4b and 6). A
# correct answer computed in float32 (torch's default, ``torch.Tensor(x)``) passes them: over
# 200 students' draws its worst error was below 3e-5 (3e-4 on the large-score cases), while
# every wrong answer of the test submissions is off by 1e-1 or more.
TOL = 1e-3  # relative and absolute, against torch in float64
LARGE_TOL = 3e-3  # the large-score cases: float32 resolves scores of ~2000 to ~1e-4


def _ask(k, r, part, what, expr, **inputs):
    """``(k.eval(expr), True)``, or ``(None, False)`` with the student's exception recorded
    against ``part``."""
    try:
        return k.eval(expr, **inputs), True
    except Raised as exc:
        r.expect(False, f"{what} raised {exc.type_name}: {exc.message}", part)
        return None, False


def _call(k, r, part, what, name, *args):
    try:
        return k.call(name, *args), True
    except Raised as exc:
        r.expect(False, f"{what} raised {exc.type_name}: {exc.message}", part)
        return None, False


def _shape(v):
    try:
        return tuple(np.shape(v))
    except (ValueError, TypeError):
        return None


def _numeric(v) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind in "biuf"


def _load_fixtures() -> dict[str, np.ndarray]:
    return {p.stem: np.load(p) for p in FIXTURES.glob("*.npy")}


def _t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


# --- references -------------------------------------------------------------------------------


def torch_softmax(x, axis=-1) -> np.ndarray:
    return torch.softmax(_t(x), dim=axis).numpy()


def sa_reference(x, W_q, W_k, W_v, W_o, scale=None) -> np.ndarray:
    """One head: torch's scaled_dot_product_attention (scale 1/sqrt(d_qkv)), then W_o."""
    x, W_q, W_k, W_v, W_o = (_t(a) for a in (x, W_q, W_k, W_v, W_o))
    out = F.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, scale=scale)
    return (out @ W_o).numpy()


def mh_reference(x, W_q, W_k, W_v, W_o) -> np.ndarray:
    """Heads batched on axis 0 by torch, concatenated per token in head order, then W_o."""
    x, W_q, W_k, W_v, W_o = (_t(a) for a in (x, W_q, W_k, W_v, W_o))
    out = F.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v)  # (H, T, d_qkv)
    return (torch.cat(list(out), dim=-1) @ W_o).numpy()  # (T, H * d_qkv)


def single_reference(X, W_q, b_q, W_k, b_k, W_v, b_v):
    """A = softmax(QK^T / sqrt(D_q)) by an einsum, Y by scaled_dot_product_attention."""
    X, W_q, b_q, W_k, b_k, W_v, b_v = (_t(a) for a in (X, W_q, b_q, W_k, b_k, W_v, b_v))
    Q, K, V = F.linear(X, W_q, b_q), F.linear(X, W_k, b_k), F.linear(X, W_v, b_v)
    scale = 1 / math.sqrt(W_q.shape[0])
    A = torch.softmax(torch.einsum("iq,jq->ij", Q, K) * scale, dim=-1)
    Y = F.scaled_dot_product_attention(Q[None], K[None], V[None], scale=scale)[0]
    return A.numpy(), Y.numpy()


def heads_reference(X, W_q, b_q, W_k, b_k, n_heads) -> np.ndarray:
    """Per-head weights (n_heads, T, T) from torch.nn.MultiheadAttention (values unused)."""
    X, W_q, b_q, W_k, b_k = (_t(a) for a in (X, W_q, b_q, W_k, b_k))
    D = W_q.shape[0]
    mha = torch.nn.MultiheadAttention(D, n_heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([W_q, W_k, torch.eye(D, dtype=torch.float64)]))
        mha.in_proj_bias.copy_(torch.cat([b_q, b_k, torch.zeros(D, dtype=torch.float64)]))
        _, w = mha(X[None], X[None], X[None], need_weights=True, average_attn_weights=False)
    return w[0].numpy()


def large_scores_case(rng, T, d_model, d_qkv, n_heads=None):
    """Scores of ~2000 + tens (exp overflows even in float64, above ~709): feature 0 of every
    token is 45 and maps to query and key dim 0, where the keys do not vary, so each row's
    scores share ~2000 and differ by tens (float32 still resolves them to ~1e-4)."""
    x = np.concatenate([np.full((T, 1), 45.0), rng.normal(size=(T, d_model - 1))], axis=1)
    lead = () if n_heads is None else (n_heads,)
    W_q, W_k, W_v = (rng.normal(size=(*lead, d_model, d_qkv)) for _ in range(3))
    W_q[..., 0, :], W_k[..., 0, :] = 0.0, 0.0
    W_q[..., 0, 0], W_k[..., 0, 0] = 1.0, 1.0
    W_k[..., 1:, 0] = 0.0
    return x, W_q, W_k, W_v


# --- the grader's DistilBERT ------------------------------------------------------------------


class Bert:
    """The grader's copy of DistilBERT at ``path`` and what the checks take from it: the
    sentence's tokens, every hidden state and attention, layer 5's q/k/v weights.

    A local checkpoint folder (the seeded stand-in, or a model placed in NLPCOURSE_MODEL_DIR)
    is read with ``tokenizers`` and ``safetensors`` and run by :func:`distilbert_forward`, a
    forward pass of its own, without importing transformers in the grader (about 2 s of a
    worker's time); a hub id goes through transformers."""

    def __init__(self, path: str):
        if not _light(self, Path(path)):
            self._from_transformers(path)
        for a in [*self.hidden, *self.attentions, *(x for pair in self.w.values() for x in pair)]:
            a.flags.writeable = False  # shared by every notebook a process grades

    def _from_transformers(self, path: str) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                self.tokenizer = AutoTokenizer.from_pretrained(path)
                self.model = AutoModel.from_pretrained(path, attn_implementation="eager")
        finally:
            if was_on:
                hf_logging.enable_progress_bar()
        self.model.eval()
        enc = self.tokenizer(SENTENCE, return_tensors="pt")
        self.tokens = self.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
        with torch.no_grad():
            out = self.model(**enc, output_hidden_states=True, output_attentions=True)
        self.hidden = [h[0].numpy() for h in out.hidden_states]  # 7 x (T, 768), float32
        self.attentions = [a[0].numpy() for a in out.attentions]  # 6 x (12, T, T)
        att = self.model.transformer.layer[LAYER].attention
        self.w = {
            n: (
                getattr(att, f"{n}_lin").weight.detach().numpy(),
                getattr(att, f"{n}_lin").bias.detach().numpy(),
            )
            for n in "qkv"
        }
        self.n_heads = int(self.model.config.n_heads)

    def fingerprint(self) -> np.ndarray:
        return self.w["q"][0][:4, :16]


FINGERPRINT = f"model.transformer.layer[{LAYER}].attention.q_lin.weight[:4, :16]"


def distilbert_forward(sd: dict, config: dict, ids: torch.Tensor):
    """DistilBERT's encoder on one sequence ``ids`` (T,) with the weights ``sd`` (its
    state dict's names, without a ``distilbert.`` prefix), in float32 and eval mode: the
    hidden states (embeddings, then each layer's output) and each layer's attention weights
    (heads, T, T), as transformers' DistilBertModel computes them (tested against it)."""
    n_heads, eps = int(config["n_heads"]), 1e-12
    T = ids.shape[0]

    def lin(x, name):
        return F.linear(x, sd[f"{name}.weight"], sd[f"{name}.bias"])

    def norm(x, name):
        return F.layer_norm(x, x.shape[-1:], sd[f"{name}.weight"], sd[f"{name}.bias"], eps)

    x = sd["embeddings.word_embeddings.weight"][ids]  # (T, d)
    x = x + sd["embeddings.position_embeddings.weight"][:T]
    x = norm(x, "embeddings.LayerNorm")
    d = x.shape[-1]
    dh = d // n_heads

    def heads(t):
        return t.view(T, n_heads, dh).transpose(0, 1)  # (H, T, dh)

    hidden, attentions = [x], []
    for i in range(int(config["n_layers"])):
        p = f"transformer.layer.{i}"
        q, k, v = (heads(lin(x, f"{p}.attention.{n}_lin")) for n in "qkv")
        scores = (q @ k.transpose(-1, -2)) * dh**-0.5  # (H, T, T)
        w = torch.softmax(scores, dim=-1)
        ctx = (w @ v).transpose(0, 1).reshape(T, d)  # (T, d)
        sa = norm(lin(ctx, f"{p}.attention.out_lin") + x, f"{p}.sa_layer_norm")
        ff = lin(F.gelu(lin(sa, f"{p}.ffn.lin1")), f"{p}.ffn.lin2")
        x = norm(ff + sa, f"{p}.output_layer_norm")
        hidden.append(x)
        attentions.append(w)
    return hidden, attentions


def _light(b: Bert, folder: Path) -> bool:
    """Fill ``b`` from a local DistilBERT folder without transformers; False if ``folder`` is
    not one (a hub id, other files, another architecture)."""
    import json

    files = [folder / n for n in ("config.json", "model.safetensors", "tokenizer.json")]
    if not all(f.is_file() for f in files):
        return False
    config = json.loads(files[0].read_text())
    if config.get("model_type") != "distilbert" or config.get("activation", "gelu") != "gelu":
        return False
    from safetensors.torch import load_file
    from tokenizers import Tokenizer

    sd = {k.removeprefix("distilbert."): t.float() for k, t in load_file(files[1]).items()}
    enc = Tokenizer.from_file(str(files[2])).encode(SENTENCE)
    b.tokens = list(enc.tokens)
    with torch.no_grad():
        hidden, attentions = distilbert_forward(sd, config, torch.tensor(enc.ids))
    b.hidden = [h.numpy() for h in hidden]  # 7 x (T, 768), float32
    b.attentions = [a.numpy() for a in attentions]  # 6 x (12, T, T)
    att = f"transformer.layer.{LAYER}.attention"
    b.w = {
        n: (sd[f"{att}.{n}_lin.weight"].numpy(), sd[f"{att}.{n}_lin.bias"].numpy()) for n in "qkv"
    }
    b.n_heads = int(config["n_heads"])
    return True


def _bert_at(path: str) -> Bert:
    """The grader's model at ``path``, loaded once per grading process (verdicts.shared), its
    arrays read-only."""
    folder = Path(path)  # a hub name when online: no files to date
    stamp = (
        max((f.stat().st_mtime_ns for f in folder.iterdir()), default=0) if folder.is_dir() else 0
    )
    return shared(("a3_attention.Bert", path, stamp), lambda: Bert(path))


def _candidates():
    from nlpcourse import hub

    first = hub.resolve(hub.DEFAULT_MODEL)
    yield first
    if not hub.is_local_seeded(first):
        yield str(hub.seeded_checkpoint(hub.DEFAULT_MODEL))


def bert(k, r, part=None) -> Bert | None:
    """The grader's DistilBERT, the same as the notebook's ``model`` (None if the notebook's
    model cannot be read: recorded against ``part``)."""
    theirs, ok = _ask(k, r, part, "reading the notebook's `model`", FINGERPRINT)
    if not ok:
        return None
    if not _numeric(theirs) or _shape(theirs) != (4, 16):
        r.expect(False, "the notebook's `model` is not the DistilBERT the setup loaded", part)
        return None
    for path in _candidates():
        b = _bert_at(path)
        if np.array_equal(np.asarray(theirs, dtype=np.float32), b.fingerprint()):
            return b
    raise RuntimeError(
        "the notebook's DistilBERT differs from every model the grader can load (the hub's "
        "resolution and the seeded stand-in): the kernel and the grader must see the same one"
    )


# --- 1 softmax --------------------------------------------------------------------------------

Z_VISIBLE = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])


@check("test_softmax", parts={"rows": 1, "axis": 1, "large": 1})
def softmax_visible(k, rng, r):
    """The visible cases: a 2 x 3 matrix by rows and by columns, scores of +-1e4."""
    s, ok = _call(k, r, "rows", "softmax(z)", "softmax", Z_VISIBLE)
    if ok and r.expect(
        _numeric(s) and _shape(s) == (2, 3),
        f"softmax must keep the input's shape (2, 3), got {_shape(s)}",
        "rows",
    ):
        r.close(
            np.sum(s, axis=1),
            [1.0, 1.0],
            "the row sums of softmax(z) (axis=-1)",
            "rows",
            rtol=1e-5,
            atol=1e-8,
        )
        r.close(
            s,
            torch_softmax(Z_VISIBLE),
            "softmax([[1, 2, 3], [5, 5, 5]])",
            "rows",
            rtol=1e-5,
            atol=1e-8,
        )
    s0, ok = _call(k, r, "axis", "softmax(z, axis=0)", "softmax", Z_VISIBLE, 0)
    if ok:
        r.close(
            s0,
            torch_softmax(Z_VISIBLE, 0),
            "softmax(z, axis=0) (columns sum to 1)",
            "axis",
            rtol=1e-5,
            atol=1e-8,
        )
    big = np.array([1e4, -1e4, 0.0])
    b, ok = _call(k, r, "large", "softmax([1e4, -1e4, 0])", "softmax", big)
    if not ok:
        return
    if not (_numeric(b) and _shape(b) == (3,)):
        r.expect(False, f"softmax([1e4, -1e4, 0]) returned shape {_shape(b)}", "large")
    elif r.expect(
        np.all(np.isfinite(b)),
        f"softmax([1e4, -1e4, 0]) gave {b}: exp overflowed; subtract the maximum first",
        "large",
    ):
        r.close(b, [1.0, 0.0, 0.0], "softmax([1e4, -1e4, 0])", "large", atol=1e-8)


def _softmax_cases(rng):
    def dim():
        return int(rng.integers(2, 9))

    return [
        ((dim(),), -1),
        ((dim(), dim()), -1),
        ((dim(), dim()), 0),
        ((dim(), dim(), dim()), 1),
        ((dim(), dim(), dim()), -1),
        ((dim(), dim(), dim()), 0),
    ]


@check("test_softmax_hidden", parts={"shapes_axes": 2, "large": 1, "masked": 1})
def softmax_hidden(k, rng, r):
    """Random shapes and axes, scores of ~1e4 in float32 and float64, -inf scores, against
    torch.softmax in float64."""
    for shape, axis in _softmax_cases(rng):
        x = rng.normal(scale=rng.uniform(1, 5), size=shape)
        what = f"softmax of a {shape} array with axis={axis}"
        got, ok = _call(k, r, "shapes_axes", what, "softmax", x, axis)
        if ok:
            r.close(got, torch_softmax(x, axis), what, "shapes_axes", rtol=TOL, atol=TOL)
    for dt in (np.float32, np.float64):
        x = rng.normal(size=(int(rng.integers(3, 7)), int(rng.integers(5, 10)))) * 1e4
        x = x.astype(dt)
        what = f"softmax of {np.dtype(dt).name} scores of size ~1e4"
        got, ok = _call(k, r, "large", what, "softmax", x)
        if not ok:
            continue
        if not _numeric(got) or _shape(got) != x.shape:
            r.expect(False, f"{what} returned shape {_shape(got)}, not {x.shape}", "large")
        elif r.expect(
            np.all(np.isfinite(np.asarray(got, dtype=float))),
            f"{what} gave nan/inf: is your softmax stable (subtract the maximum first)?",
            "large",
        ):
            r.close(got, torch_softmax(x), what, "large", rtol=TOL, atol=TOL)
    # -inf (masked) scores: each row keeps at least one finite score.
    n = int(rng.integers(4, 8))
    x = rng.normal(size=(3, n)) * 2
    for row in range(2):
        x[row, rng.choice(n, size=int(rng.integers(1, n)), replace=False)] = -np.inf
    x[2] = -1e3 - rng.uniform(0, 3, size=n)  # exp underflows to 0 even in float64
    x[2, int(rng.integers(n))] = -np.inf
    what = "softmax of scores holding -inf (masked) entries and scores of -1e3"
    got, ok = _call(k, r, "masked", what, "softmax", x)
    if ok:
        r.close(got, torch_softmax(x), what, "masked", rtol=TOL, atol=TOL)


# --- 2 apply_self_attention ----------------------------------------------------------------


def _sa(k, r, part, what, x, W_q, W_k, W_v, W_o):
    return _call(k, r, part, what, "apply_self_attention", x, W_q, W_k, W_v, W_o)


def _sa_hint(got, x, W_q, W_k, W_v, W_o) -> str:
    """What a wrong output matches, in words (only from the student's numbers)."""
    if not _numeric(got) or _shape(got) != (x.shape[0], W_o.shape[1]):
        return ""
    tries = [
        (1.0, "no scaling at all"),
        (1 / math.sqrt(x.shape[1]), "a scale of sqrt(d_model)"),
        (1 / math.sqrt(32), "a fixed scale of sqrt(32), the example's size"),
    ]
    for scale, words in tries:
        if np.allclose(got, sa_reference(x, W_q, W_k, W_v, W_o, scale=scale), rtol=1e-6):
            return f" (your output matches {words}: the scale is sqrt(d_qkv) = sqrt(W_q.shape[1]))"
    a = _t(x) @ _t(W_q) @ (_t(x) @ _t(W_k)).T / math.sqrt(W_q.shape[1])
    cols = (torch.softmax(a, dim=0) @ (_t(x) @ _t(W_v)) @ _t(W_o)).numpy()
    if np.allclose(got, cols, rtol=1e-6):
        return " (your output matches a softmax over the queries: take it over the keys)"
    return ""


@check("test_apply_self_attention", parts={"shape": 1, "values": 3})
def sa_visible(k, rng, r):
    """The example of the notebook (x.npy, W_*.npy): shape, then values."""
    f = _load_fixtures()
    args = (f["x"], f["W_q"], f["W_k"], f["W_v"], f["W_o"])
    got, ok = _sa(k, r, None, "apply_self_attention on the example", *args)
    if not ok:
        return
    r.expect(
        _shape(got) == (32, 256),
        f"the output must be (T, d_model) = (32, 256), got {_shape(got)}: did you project "
        "back with W_o?",
        "shape",
    )
    if not r.close(
        got,
        sa_reference(*args),
        "apply_self_attention on the example",
        "values",
        rtol=1e-4,
        atol=1e-5,
    ):
        hint = _sa_hint(got, *args)
        r.expect(not hint, "values wrong" + hint, "values")


@check("test_apply_self_attention_hidden", parts={"square": 3, "rect": 2, "one_token": 1})
def sa_hidden(k, rng, r):
    """Random sizes against torch's attention: d_v = d_qkv; d_v unlike d_qkv and d_qkv larger
    than d_model; one token."""

    def case(T, dm, dq, dv):
        x = rng.normal(size=(T, dm))
        W = [rng.normal(size=(dm, dq)), rng.normal(size=(dm, dq)), rng.normal(size=(dm, dv))]
        return x, *W, rng.normal(size=(dv, dm))

    def qkv_size(dm):
        return int(rng.choice([d for d in range(3, 13) if d not in (dm, 32)]))

    cases = []
    for _ in range(3):
        dm = int(rng.integers(6, 17))
        dq = qkv_size(dm)
        cases.append(("square", case(int(rng.integers(2, 10)), dm, dq, dq)))
    dm = int(rng.integers(6, 12))
    cases.append(("rect", case(int(rng.integers(3, 9)), dm, qkv_size(dm), int(rng.integers(2, 6)))))
    dm = int(rng.integers(4, 8))
    cases.append(("rect", case(int(rng.integers(3, 9)), dm, dm + int(rng.integers(2, 6)), dm + 1)))
    dm = int(rng.integers(4, 12))
    cases.append(("one_token", case(1, dm, qkv_size(dm), int(rng.integers(2, 6)))))
    for part, args in cases:
        x, W_q, _, W_v, W_o = args
        what = f"T={x.shape[0]}, d_model={x.shape[1]}, d_qkv={W_q.shape[1]}, d_v={W_v.shape[1]}"
        got, ok = _sa(k, r, part, what, *args)
        if ok and not r.close(got, sa_reference(*args), what, part, rtol=TOL, atol=TOL):
            hint = _sa_hint(got, *args)
            r.expect(not hint, what + hint, part)


@check("test_apply_self_attention_large")
def sa_large(k, rng, r):
    """Scores of about 2000: a stable softmax gives finite outputs equal to torch's."""
    T, dm, dq = int(rng.integers(4, 9)), int(rng.integers(8, 13)), int(rng.integers(3, 7))
    x, W_q, W_k, W_v = large_scores_case(rng, T, dm, dq)
    W_o = rng.normal(size=(dq, dm))
    got = k.call("apply_self_attention", x, W_q, W_k, W_v, W_o)
    if not _numeric(got) or _shape(got) != (T, dm):
        r.fail(f"with large scores the output has shape {_shape(got)}, not (T, d_model)")
    if not r.expect(
        np.all(np.isfinite(got)), "nan/inf with scores of about 2000: is your softmax stable?"
    ):
        return
    r.close(
        got,
        sa_reference(x, W_q, W_k, W_v, W_o),
        "scores of about 2000",
        rtol=LARGE_TOL,
        atol=LARGE_TOL,
    )


# --- 3 apply_multihead_attention -----------------------------------------------------------


def _mh(k, r, part, what, x, W_q, W_k, W_v, W_o):
    return _call(k, r, part, what, "apply_multihead_attention", x, W_q, W_k, W_v, W_o)


def _mh_hint(got, x, W_q, W_k, W_v, W_o) -> str:
    if not _numeric(got) or _shape(got) != (x.shape[0], W_o.shape[1]) or W_q.shape[0] < 2:
        return ""
    xt, Wo = _t(x), _t(W_o)
    out = F.scaled_dot_product_attention(xt @ _t(W_q), xt @ _t(W_k), xt @ _t(W_v))  # (H, T, d)
    if np.allclose(got, (out.reshape(x.shape[0], -1) @ Wo).numpy(), rtol=1e-6):
        return (
            " (your output matches a plain reshape of the (n_heads, T, d_qkv) outputs, which "
            "mixes tokens and heads: concatenate each token's heads)"
        )
    if np.allclose(got, (torch.cat(list(out.flip(0)), dim=-1) @ Wo).numpy(), rtol=1e-6):
        return " (your output matches the heads concatenated last head first)"
    return ""


@check("test_apply_multihead_attention", parts={"shape": 1, "values": 3})
def mh_visible(k, rng, r):
    """The 8-head example of the notebook (x.npy, W_*_mh.npy): shape, then values."""
    f = _load_fixtures()
    args = (f["x"], f["W_q_mh"], f["W_k_mh"], f["W_v_mh"], f["W_o_mh"])
    got, ok = _mh(k, r, None, "apply_multihead_attention on the example", *args)
    if not ok:
        return
    r.expect(
        _shape(got) == (32, 256),
        f"the output must be one row per token, (32, 256); got {_shape(got)}",
        "shape",
    )
    if not r.close(
        got,
        mh_reference(*args),
        "apply_multihead_attention on the example",
        "values",
        rtol=1e-4,
        atol=1e-5,
    ):
        hint = _mh_hint(got, *args)
        r.expect(not hint, "values wrong" + hint, "values")


@check("test_apply_multihead_attention_hidden", parts={"one_head": 2, "heads": 4})
def mh_hidden(k, rng, r):
    """Other numbers of heads and sizes, one token, against torch's attention per head and
    torch.cat: one head (the attention itself), several heads (their concatenation)."""

    def case(H, T, dm, dq):
        x = rng.normal(size=(T, dm))
        Ws = [rng.normal(size=(H, dm, dq)) for _ in range(3)]
        return x, *Ws, rng.normal(size=(H * dq, dm))

    def sizes():
        dm = int(rng.integers(5, 13))
        return dm, int(rng.choice([d for d in range(3, 9) if d != dm]))

    cases = [("one_head", case(1, int(rng.integers(3, 8)), *sizes()))]
    for H, T in [(int(rng.integers(2, 4)), 1), (int(rng.integers(2, 5)), int(rng.integers(4, 9)))]:
        cases.append(("heads", case(H, T, *sizes())))
    cases.append(("heads", case(int(rng.integers(5, 7)), int(rng.integers(3, 7)), *sizes())))
    for part, args in cases:
        x, W_q = args[0], args[1]
        H, T, dm, dq = W_q.shape[0], x.shape[0], x.shape[1], W_q.shape[2]
        what = f"n_heads={H}, T={T}, d_model={dm}, d_qkv={dq}"
        got, ok = _mh(k, r, part, what, *args)
        if ok and not r.close(got, mh_reference(*args), what, part, rtol=TOL, atol=TOL):
            hint = _mh_hint(got, *args)
            r.expect(not hint, what + hint, part)


@check("test_apply_multihead_attention_large")
def mh_large(k, rng, r):
    """Scores of about 2000 in every head."""
    H, T, dm, dq = (
        int(rng.integers(2, 5)),
        int(rng.integers(4, 8)),
        int(rng.integers(6, 11)),
        int(rng.integers(3, 6)),
    )
    x, W_q, W_k, W_v = large_scores_case(rng, T, dm, dq, n_heads=H)
    W_o = rng.normal(size=(H * dq, dm))
    got = k.call("apply_multihead_attention", x, W_q, W_k, W_v, W_o)
    if not _numeric(got) or _shape(got) != (T, dm):
        r.fail(f"with large scores the output has shape {_shape(got)}, not (T, d_model)")
    if not r.expect(
        np.all(np.isfinite(got)), "nan/inf with scores of about 2000: is your softmax stable?"
    ):
        return
    r.close(
        got,
        mh_reference(x, W_q, W_k, W_v, W_o),
        f"{H} heads, scores of about 2000",
        rtol=LARGE_TOL,
        atol=LARGE_TOL,
    )


# --- 4a tokens and X ------------------------------------------------------------------------

TOKENS = ["[CLS]", "the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "[SEP]"]
READ_INPUTS = "([str(t) for t in tokens], tuple(__import__('numpy').shape(X)))"


@check("test_layer5_inputs", parts={"tokens": 2, "shape": 1})
def layer5_inputs_visible(k, rng, r):
    """tokens start with [CLS], 'the' and end with [SEP], 11 of them; X is (11, 768)."""
    got, ok = _ask(k, r, None, "reading tokens and X", READ_INPUTS)
    if not ok:
        return
    try:
        tokens, shape = list(got[0]), tuple(got[1])
    except (TypeError, IndexError):
        r.fail("tokens must be a list of strings and X a (T, 768) tensor")
    r.expect(
        tokens[:2] == ["[CLS]", "the"] and tokens[-1:] == ["[SEP]"],
        f"tokens = {tokens}: the model was trained on lowercased WordPiece tokens wrapped in "
        "[CLS] ... [SEP]; tokenizer(sentence) adds them (add_special_tokens=True is the default)",
        "tokens",
    )
    r.expect(
        len(tokens) == 11,
        f"the sentence has 9 words, so 11 tokens with [CLS]/[SEP]; got {len(tokens)}",
        "tokens",
    )
    r.expect(
        shape == (11, 768),
        f"X must be (T, 768) = (11, 768); got {shape}. Drop the batch axis: hidden_states[5][0]",
        "shape",
    )


@check("test_layer5_inputs_hidden", parts={"tokens": 2, "X": 3})
def layer5_inputs_hidden(k, rng, r):
    """tokens are the tokenizer's; X is the hidden state entering layer 5, recomputed by the
    grader's own DistilBERT."""
    b = bert(k, r)
    if b is None:
        return
    tokens, ok = _ask(k, r, "tokens", "reading tokens", "[str(t) for t in tokens]")
    if ok:
        r.expect(
            list(tokens) == b.tokens,
            f"tokens = {list(tokens)} are not the tokenizer's tokens of the sentence: call "
            "tokenizer(sentence) and convert its input_ids",
            "tokens",
        )
    X, ok = _ask(k, r, "X", "reading X", "X")
    if not ok:
        return
    want = b.hidden[LAYER]
    if not _numeric(X) or _shape(X) != want.shape:
        r.fail(f"X has shape {_shape(X)}, not (T, 768) for the sentence's tokens", "X")
    X = np.asarray(X, dtype=np.float32)
    if np.allclose(X, want, rtol=1e-5, atol=1e-5):
        r.expect(True, "", "X")
        return
    which = [i for i, h in enumerate(b.hidden) if np.allclose(X, h, rtol=1e-5, atol=1e-5)]
    if which == [0]:
        r.fail("your X is hidden_states[0], the embeddings (the input of layer 0)", "X")
    if which == [len(b.hidden) - 1]:
        r.fail("your X is the output of the last layer, not the input of layer 5", "X")
    if which:
        r.fail(f"your X is hidden_states[{which[0]}], the input of layer {which[0]}", "X")
    r.close(X, want, "X against the input of layer 5", "X", rtol=1e-5, atol=1e-5)


# --- 4b single_head_attention ---------------------------------------------------------------

SINGLE = f"(lambda t: single_head_attention(*[t(a) for a in args]))({TORCH})"


def _pair(got, r, what, part=None):
    """The (A, Y) a call returned, as arrays (None, recorded, if it is not a pair of arrays)."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        r.expect(False, f"{what}: single_head_attention must return the pair (A, Y)", part)
        return None
    if not (_numeric(got[0]) and _numeric(got[1])):
        r.expect(False, f"{what}: A and Y must be tensors or arrays", part)
        return None
    return np.asarray(got[0], dtype=float), np.asarray(got[1], dtype=float)


def _visible_single_inputs():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(4, 6, generator=g)
    W = [
        torch.randn(5, 6, generator=g),
        torch.randn(5, 6, generator=g),
        torch.randn(3, 6, generator=g),
    ]
    bs = [torch.randn(5, generator=g), torch.randn(5, generator=g), torch.randn(3, generator=g)]
    return [a.numpy() for a in (X, W[0], bs[0], W[1], bs[1], W[2], bs[2])]


@check("test_single_head_attention", parts={"shapes": 2, "rows": 2})
def single_visible(k, rng, r):
    """The visible small example: A is (4, 4), Y is (4, 3), each row of A sums to 1."""
    got, ok = _ask(
        k,
        r,
        None,
        "single_head_attention on the small example",
        SINGLE,
        args=_visible_single_inputs(),
    )
    if not ok:
        return
    pair = _pair(got, r, "on the small example")
    if pair is None:
        return
    A, Y = pair
    r.expect(A.shape == (4, 4), f"A must be (T, T) = (4, 4), got {A.shape}", "shapes")
    r.expect(
        Y.shape == (4, 3),
        f"Y must be (T, D_v) = (4, 3), got {Y.shape}. Weights are (out, in): use X @ W.T",
        "shapes",
    )
    if A.ndim == 2:
        r.close(
            A.sum(axis=1),
            np.ones(A.shape[0]),
            "the row sums of A (softmax over the keys, the last axis)",
            "rows",
            rtol=1e-5,
            atol=1e-6,
        )
    else:
        r.expect(False, "A is not a matrix", "rows")


@check("test_single_head_attention_hidden", parts={"A": 4, "Y": 4})
def single_hidden(k, rng, r):
    """Random shapes (W_q not square, D_v unlike D_q), one token, large scores, against
    F.linear and scaled_dot_product_attention in float64."""
    sizes = [
        (1, int(rng.integers(4, 9)), int(rng.integers(2, 6)), int(rng.integers(2, 5)), 1.0),
        (
            int(rng.integers(5, 9)),
            int(rng.integers(8, 12)),
            int(rng.integers(3, 7)),
            int(rng.integers(2, 6)),
            1.0,
        ),
        (int(rng.integers(3, 7)), 8, 8, 8, 1.0),
        (int(rng.integers(4, 8)), int(rng.integers(6, 10)), int(rng.integers(3, 6)), 2, 40.0),
    ]
    for T, Dx, Dq, Dv, s in sizes:
        args = [rng.normal(size=(T, Dx)) * s]
        for d in (Dq, Dq, Dv):
            args += [rng.normal(size=(d, Dx)), rng.normal(size=d)]
        what = f"T={T}, D_x={Dx}, D_q={Dq}, D_v={Dv}" + (", large scores" if s > 1 else "")
        tol = LARGE_TOL if s > 1 else TOL
        got, ok = _ask(k, r, None, what, SINGLE, args=args)
        if not ok:
            continue
        pair = _pair(got, r, what)
        if pair is None:
            continue
        A_want, Y_want = single_reference(*args)
        A, Y = pair
        if r.expect(np.all(np.isfinite(A)), f"{what}: nan/inf in A", "A"):
            r.close(A, A_want, f"{what}: A", "A", rtol=tol, atol=tol)
        r.close(Y, Y_want, f"{what}: Y", "Y", rtol=tol, atol=tol)


@check("test_layer5_attention", parts={"rows": 1, "A": 3, "Y": 3})
def layer5_attention(k, rng, r):
    """A for the sentence is (T, T) with rows summing to 1; A and Y equal layer 5's, recomputed
    from the grader's DistilBERT."""
    got, ok = _ask(k, r, None, "reading A and Y", "(A, Y)")
    if not ok:
        return
    pair = _pair(got, r, "A, Y")
    if pair is None:
        return
    A, Y = pair
    T = len(TOKENS)
    if not r.expect(A.shape == (T, T), f"A must be (T, T) = ({T}, {T}), got {A.shape}", "rows"):
        r.fail(f"A has shape {A.shape}: it cannot be layer 5's attention on the sentence", "A")
    r.close(A.sum(axis=1), np.ones(T), "the row sums of A", "rows", rtol=0, atol=1e-5)
    b = bert(k, r)
    if b is None:
        return
    X5 = b.hidden[LAYER]
    (W_q, b_q), (W_k, b_k), (W_v, b_v) = b.w["q"], b.w["k"], b.w["v"]
    A_want, Y_want = single_reference(X5, W_q, b_q, W_k, b_k, W_v, b_v)
    r.close(A, A_want, "A for the sentence (layer 5, one 768-wide head)", "A", rtol=1e-4, atol=1e-5)
    r.close(Y, Y_want, "Y for the sentence", "Y", rtol=1e-4, atol=1e-4)


# --- 5 plot_attention -----------------------------------------------------------------------

AXES = "__import__('matplotlib.axes').axes.Axes"
PLOT = (
    "(lambda ax: (isinstance(ax, {axes}), type(ax).__name__, "
    "__import__('nlpcourse.probe').probe.axes_data(ax.figure) if isinstance(ax, {axes}) else None,"
    " ax.figure.get_axes().index(ax) if isinstance(ax, {axes}) else None, "
    "__import__('matplotlib.pyplot').pyplot.close('all')))(plot_attention({A}, toks))"
)


def _plot(k, r, part, what, A, tokens, as_tensor=False):
    """What plot_attention drew: the Axes' data (probe.axes_data), or None (recorded)."""
    expr = PLOT.format(axes=AXES, A=f"{TORCH}(A)" if as_tensor else "A")
    got, ok = _ask(k, r, part, what, expr, A=A, toks=list(tokens))
    if not ok:
        raise Stop(what)  # the exception is recorded
    try:
        is_axes, type_name, data, index = got[:4]
        ax = data[index] if is_axes else None
    except (TypeError, IndexError, KeyError):
        r.fail(f"{what}: the figure could not be read")
    if ax is None:
        r.fail(
            f"{what}: plot_attention must return the matplotlib Axes it drew on, got {type_name}"
        )
    return ax


def _drawn(ax) -> np.ndarray | None:
    """The array drawn on the Axes: seaborn's QuadMesh, or an imshow image."""
    arrays = [*ax.get("meshes", []), *ax.get("images", [])]
    return np.asarray(arrays[0], dtype=float) if arrays else None


def _labels(r, ax, tokens, what, part):
    xs, ys = list(ax.get("xticklabels", [])), list(ax.get("yticklabels", []))
    r.expect(
        xs == list(tokens),
        f"{what}: label every key token along the x axis, in order "
        f"(sns.heatmap(..., xticklabels=tokens)); yours are {xs[:12]}",
        part,
    )
    r.expect(
        ys == list(tokens),
        f"{what}: label every query token along the y axis, in order "
        f"(sns.heatmap(..., yticklabels=tokens)); yours are {ys[:12]}",
        part,
    )


@check("test_plot_attention", parts={"labels": 1, "heatmap": 1})
def plot_visible(k, rng, r):
    """The Axes plot_attention returns for the sentence: tokens on both axes, a T x T map."""
    T = len(TOKENS)
    ax = _plot(k, r, None, "plot_attention(A, tokens)", rng.dirichlet(np.ones(T), size=T), TOKENS)
    _labels(r, ax, TOKENS, "for the sentence", "labels")
    data = _drawn(ax)
    r.expect(
        data is not None,
        "no heatmap found on the returned Axes: draw with sns.heatmap(..., ax=ax)",
        "heatmap",
    )
    if data is not None:
        r.expect(
            data.size == T * T,
            f"the heatmap must show the T x T matrix A ({T * T} cells), it has {data.size}",
            "heatmap",
        )


@check("test_plot_attention_hidden", parts={"labels": 1, "values": 1, "titles": 1})
def plot_hidden(k, rng, r):
    """Other matrices and tokens (an array, a tensor): labels in order, the values drawn are
    A's (row i = query i), both axes titled."""
    for T, as_tensor in [(int(rng.integers(3, 6)), False), (int(rng.integers(5, 9)), True)]:
        A = rng.dirichlet(np.ones(T), size=T)  # rows sum to 1, values distinct
        tokens = [str(w) for w in rng.choice(WORDS, size=T)]
        what = f"for a {T} x {T} {'tensor' if as_tensor else 'array'}"
        ax = _plot(k, r, None, what, A, tokens, as_tensor)
        _labels(r, ax, tokens, what, "labels")
        data = _drawn(ax)
        if data is None or data.size != T * T:
            r.expect(False, f"{what}: no T x T heatmap on the returned Axes", "values")
        elif not np.allclose(data.reshape(T, T), A):
            transposed = np.allclose(data.reshape(T, T), A.T)
            r.expect(
                False,
                f"{what}: the values drawn are not A"
                + (" (they are A transposed: row i must be query i)" if transposed else ""),
                "values",
            )
        else:
            r.expect(True, "", "values")
        r.expect(
            bool(ax.get("xlabel")) and bool(ax.get("ylabel")),
            f"{what}: title both axes (which is the query, which the key); yours are "
            f"x: {ax.get('xlabel')!r}, y: {ax.get('ylabel')!r}",
            "titles",
        )


# --- 6 split_heads_attention ----------------------------------------------------------------

SPLIT = f"(lambda t: split_heads_attention(*[t(a) for a in args], n_heads))({TORCH})"


def _split(k, r, part, what, X, W_q, b_q, W_k, b_k, n_heads):
    got, ok = _ask(k, r, part, what, SPLIT, args=[X, W_q, b_q, W_k, b_k], n_heads=int(n_heads))
    if ok and not _numeric(got):
        r.expect(False, f"{what}: split_heads_attention returned {type(got).__name__}", part)
        return None, False
    return got, ok


@check("test_split_heads_attention", parts={"shape": 1, "values": 3})
def split_visible(k, rng, r):
    """The 12 heads of layer 5 on the sentence against DistilBERT's own output_attentions."""
    b = bert(k, r)
    if b is None:
        return
    (W_q, b_q), (W_k, b_k) = b.w["q"], b.w["k"]
    want = b.attentions[LAYER]  # (12, T, T): what the model computed
    got, ok = _split(
        k, r, None, "your 12 heads of layer 5", b.hidden[LAYER], W_q, b_q, W_k, b_k, b.n_heads
    )
    if not ok:
        return
    if not r.expect(
        _shape(got) == want.shape,
        f"expected (n_heads, T, T) = {want.shape}, got {_shape(got)}",
        "shape",
    ):
        r.fail("the heads cannot be compared", "values")
    diff = float(np.max(np.abs(np.asarray(got, dtype=float) - want)))
    r.expect(
        diff < 1e-5,
        f"your heads differ from the model's by up to {diff:.2e}. Check the scale (sqrt(64) per "
        "head, not sqrt(768)) and the split: head h is features 64h..64h+63 of every token",
        "values",
    )


@check("test_split_heads_attention_hidden", parts={"one_head": 1, "heads": 5})
def split_hidden(k, rng, r):
    """Other head counts and sizes, one token, against torch.nn.MultiheadAttention's per-head
    weights in float64: one head (the attention), several (the split and its scale)."""
    cases = [("one_head", 1, int(rng.integers(3, 7)), int(rng.integers(4, 9)))]
    cases.append(("heads", int(rng.integers(2, 4)), 1, 0))
    for _ in range(3):
        cases.append(("heads", int(rng.integers(2, 9)), int(rng.integers(3, 9)), 0))
    for part, H, T, d_head in cases:
        d_head = d_head or int(rng.integers(2, 6))
        D = H * d_head
        X = rng.normal(size=(T, D))
        W_q, W_k = rng.normal(size=(D, D)), rng.normal(size=(D, D))
        b_q, b_k = rng.normal(size=D), rng.normal(size=D)
        what = f"n_heads={H}, T={T}, D={D}"
        got, ok = _split(k, r, part, what, X, W_q, b_q, W_k, b_k, H)
        if ok:
            want = heads_reference(X, W_q, b_q, W_k, b_k, H)
            r.close(got, want, what, part, rtol=TOL, atol=TOL)
