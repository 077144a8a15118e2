# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A3 · Self-attention, from NumPy to DistilBERT (75 points)
#
# Attention is the one operation that sets a Transformer apart. You first write it in NumPy on
# random weights: one head, then several. Then you take the query, key and value weights of a
# real pretrained model, DistilBERT, compute its attention for a sentence yourself, draw it, and
# finally check that your numbers are the model's own, head by head.
#
# | Question | What you hand in | Points | How it is checked |
# |---|---|---|---|
# | **Part A** | **attention in NumPy** | **30** | |
# | 1 | `softmax(x, axis=-1)` | 6 | tests, incl. inputs of ±10⁴ |
# | 2 | `apply_self_attention(x, W_q, W_k, W_v, W_o)` | 12 | tests against `torch`'s `scaled_dot_product_attention` |
# | 3 | `apply_multihead_attention(x, W_q, W_k, W_v, W_o)` | 12 | tests against `torch`'s `scaled_dot_product_attention` |
# | **Part B** | **attention in DistilBERT** | **35** | |
# | 4a | `tokens`, `X`: the input of layer 5 | 8 | tests against the model's hidden states |
# | 4b | `single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v)` | 19 | tests, incl. on the model's layer 5 |
# | 5 | `plot_attention(A, tokens)` | 8 | 5 by tests on the figure, 3 by a grader who looks at it |
# | **Part C** | **DistilBERT's 12 heads** | **10** | |
# | 6 | `split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads)` | 10 | tests against the model's `output_attentions` |
# | **Total** | | **75** | |
#
# **How you are graded.** Every question is followed by a test cell. The assertions you can
# see are a first check and tell you in plain words what is wrong. When you submit, the
# autograder checks your functions again from outside your notebook, on the examples and on
# inputs drawn fresh for you (other shapes and numbers of heads, one token, very large scores),
# with its own copy of DistilBERT for Part B and C, and your points come from those checks,
# part by part, with a message saying which part failed. A solution that only fits the visible
# examples loses points: write general code, not special cases. NumPy or PyTorch, loops or
# `einsum`, float64 or float32: any correct way earns the points.
#
# **Tolerances.** A value passes when it is within `rtol * |expected| + atol` of the
# autograder's reference (NumPy's `allclose` rule), and these are all the tolerances it uses:
#
# - the visible tests' own numbers, as written in their cells;
# - questions 1, 2, 3, 4b (random inputs) and 6 (other head counts): torch in float64,
#   `rtol = atol = 1e-3`; the very large score cases of questions 2, 3 and 4b `3e-3`
#   (float32 arithmetic stays well inside both);
# - 4a: `X` against the grader's own DistilBERT, `rtol = atol = 1e-5`; 4b on layer 5: `A`
#   `rtol = 1e-4, atol = 1e-5`, `Y` `rtol = atol = 1e-4`; 6 on layer 5: within `1e-5` of the
#   model's `output_attentions`, as in the visible test;
# - 5: the values drawn equal `A` (`rtol = 1e-5, atol = 1e-8`), labels exactly the tokens.
#
# **Rules.** Fill in the cells that say `YOUR CODE HERE` or `YOUR ANSWER HERE`, and nothing
# else: do not delete, copy or reorder cells. Before you submit, restart and run everything
# (Colab: *Runtime > Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run
# All Cells*) and check that no cell fails. The whole notebook runs on a CPU in about a minute.

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook("a3_attention", gpu="optional")

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch

# %% [markdown]
# ## Part A · Attention in NumPy (30 points)
#
# ### 1. A stable softmax (6 points)
#
# The softmax turns scores $z_1, \dots, z_n$ into weights that are positive and sum to one:
# $\mathrm{softmax}(z)_i = e^{z_i} / \sum_j e^{z_j}$. Written literally it breaks: $e^{1000}$
# overflows to `inf` and `inf / inf` is `nan`. Since $\mathrm{softmax}(z) =
# \mathrm{softmax}(z - c)$ for any constant $c$, subtract the largest score first; then every
# exponent is $\le 0$ and the largest term is exactly $e^0 = 1$.
#
# Write `softmax(x, axis=-1)` for a NumPy array of any shape, normalising along `axis` (the
# last one by default, so each *row* of a matrix sums to one). Return an array of `x`'s shape.


# %% nbgrader={"grade_id": "softmax", "solution": true}
def softmax(x, axis=-1):
    """Numerically stable softmax of the array x along axis."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    shifted = x - np.max(x, axis=axis, keepdims=True)  # largest entry is 0
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_softmax", "grade": true, "points": 2}
"""Check softmax on a small matrix (rows, then columns) and on scores of +-1e4."""
_z = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
_s = softmax(_z)
assert np.shape(_s) == (2, 3), f"softmax must keep the input's shape (2, 3), got {np.shape(_s)}."
assert np.allclose(np.sum(_s, axis=1), 1.0), (
    "With the default axis=-1 every row must sum to 1: normalise along the last axis."
)
assert np.allclose(_s[1], 1 / 3), "Equal scores must get equal weights (1/3 each)."
assert np.allclose(_s[0], [0.09003057, 0.24472847, 0.66524096]), f"softmax([1, 2, 3]) = {_s[0]}?"
assert np.allclose(np.sum(softmax(_z, axis=0), axis=0), 1.0), (
    "softmax(x, axis=0): columns sum to 1."
)
_big = softmax(np.array([1e4, -1e4, 0.0]))
assert np.all(np.isfinite(_big)), (
    f"softmax([1e4, -1e4, 0]) gave {_big}: exp overflowed. Subtract the maximum first."
)
assert np.allclose(_big, [1.0, 0.0, 0.0]), f"softmax([1e4, -1e4, 0]) must be [1, 0, 0], got {_big}."
print("softmax: visible checks passed.")

# %% nbgrader={"grade_id": "test_softmax_hidden", "grade": true, "points": 4}
"""Hidden: random shapes and axes, huge and -inf scores, compared with torch.softmax."""
assert softmax(np.zeros(3)) is not None, "softmax returned None: did you forget `return`?"

# %% [markdown]
# ### 2. Self-attention with one head (12 points)
#
# A sequence of $T$ tokens is a matrix $x \in \mathbb{R}^{T \times d_{model}}$, one row per
# token. Three matrices $W_q, W_k, W_v \in \mathbb{R}^{d_{model} \times d_{qkv}}$ project every
# token to a query, a key and a value,
#
# $$ Q = x W_q, \qquad K = x W_k, \qquad V = x W_v \qquad (T \times d_{qkv}), $$
#
# so that row $i$ of $Q$ is token $i$'s query. Token $i$ attends to token $j$ with weight
#
# $$ \alpha_{ij} = \mathrm{softmax}_j\Big(\frac{q_i \cdot k_j}{\sqrt{d_{qkv}}}\Big), \qquad
#    \text{i.e.} \quad \alpha = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{d_{qkv}}}\Big)
#    \text{ row by row,} $$
#
# and its output is the weighted sum of the values, $\mathrm{out}_i = \sum_j \alpha_{ij}\,
# v_j$ (so $\mathrm{out} = \alpha V$), projected back to the model's width by
# $W_o \in \mathbb{R}^{d_{qkv} \times d_{model}}$: $y = \mathrm{out}\, W_o$.
#
# Two details decide whether your numbers are right. The softmax runs over the **keys** $j$:
# each query's weights sum to one (each row of $\alpha$). And the scale is $\sqrt{d_{qkv}}$,
# the width of a query, which you read from the weights' shape (`W_q.shape[1]`), not from a
# global variable: the hidden tests use other sizes.
#
# The example below has $T = 32$, $d_{model} = 256$, $d_{qkv} = 32$; the arrays are the files
# next to this notebook, and `y.npy` holds the expected output.

# %%
x = np.load("x.npy")  # (T, d_model) = (32, 256)
W_q, W_k, W_v = np.load("W_q.npy"), np.load("W_k.npy"), np.load("W_v.npy")  # (256, 32) each
W_o = np.load("W_o.npy")  # (32, 256)
y_expected = np.load("y.npy")  # (32, 256)
print(x.shape, W_q.shape, W_k.shape, W_v.shape, W_o.shape)


# %% nbgrader={"grade_id": "apply_self_attention", "solution": true}
def apply_self_attention(x, W_q, W_k, W_v, W_o):
    """Single-head scaled dot-product self-attention of x (T, d_model); returns (T, d_model)."""
    ### BEGIN SOLUTION
    Q, K, V = x @ W_q, x @ W_k, x @ W_v  # (T, d_qkv) each
    d_qkv = W_q.shape[1]
    alpha = softmax(Q @ K.T / np.sqrt(d_qkv), axis=-1)  # (T, T), rows sum to 1
    return alpha @ V @ W_o  # (T, d_model)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_apply_self_attention", "grade": true, "points": 4}
"""Check apply_self_attention on the example: shape, then the values in y.npy."""
_y = apply_self_attention(x, W_q, W_k, W_v, W_o)
assert np.shape(_y) == (32, 256), (
    f"The output must have one row per token and d_model = 256 columns, got {np.shape(_y)}. "
    "Did you project back with W_o?"
)
assert np.allclose(_y, y_expected, rtol=1e-4, atol=1e-5), (
    "Shape right, values wrong. Check: softmax over the keys (each query's row sums to 1), "
    "scaling by sqrt(d_qkv) = sqrt(32) (the width of a query, not of the model), and y = out W_o."
)
print("apply_self_attention: visible checks passed.")

# %% nbgrader={"grade_id": "test_apply_self_attention_hidden", "grade": true, "points": 6}
"""Hidden: random shapes (one token, d_qkv unlike d_model / heads) against torch's attention."""
assert apply_self_attention(x, W_q, W_k, W_v, W_o) is not None, (
    "apply_self_attention returned None."
)

# %% nbgrader={"grade_id": "test_apply_self_attention_large", "grade": true, "points": 2}
"""Hidden: attention scores of about 2000, where exp overflows (finite outputs, within 3e-3)."""
assert apply_self_attention(x, W_q, W_k, W_v, W_o) is not None, (
    "apply_self_attention returned None."
)

# %% [markdown]
# ### 3. Multi-head attention (12 points)
#
# A Transformer runs several attention heads side by side, each with its own projections. The
# weights of all heads are stacked into tensors: $W_q, W_k, W_v$ of shape
# `(n_heads, d_model, d_qkv)`, so `W_q[h]` is head $h$'s query matrix. Head $h$ computes
# $\mathrm{out}^{h} = \mathrm{softmax}\big(Q^h (K^h)^\top / \sqrt{d_{qkv}}\big) V^h$ exactly as in
# question 2 (without $W_o$), and the heads' outputs are **concatenated** along the feature axis
# in head order before one shared output projection
# $W_o \in \mathbb{R}^{(n_{heads} \cdot d_{qkv}) \times d_{model}}$:
#
# $$ y_i = \big[\mathrm{out}^{1}_i, \mathrm{out}^{2}_i, \dots, \mathrm{out}^{n_{heads}}_i\big]
#    \, W_o . $$
#
# Write `apply_multihead_attention(x, W_q, W_k, W_v, W_o)`. A loop over the heads earns the
# points, but try it without one: `np.einsum("td,hdk->htk", x, W_q)` gives all heads' queries
# at once as a `(n_heads, T, d_qkv)` tensor, and `np.einsum` can do the scores too. Careful at
# the end: the `(n_heads, T, d_qkv)` outputs must become `(T, n_heads * d_qkv)` with head 0's
# features first in each row; a plain `reshape` of that tensor mixes tokens and heads.

# %%
W_q_mh, W_k_mh, W_v_mh = np.load("W_q_mh.npy"), np.load("W_k_mh.npy"), np.load("W_v_mh.npy")
W_o_mh = np.load("W_o_mh.npy")  # (n_heads * d_qkv, d_model) = (256, 256)
y_mh_expected = np.load("y_mh.npy")  # (32, 256)
print(W_q_mh.shape, W_k_mh.shape, W_v_mh.shape, W_o_mh.shape)  # 8 heads


# %% nbgrader={"grade_id": "apply_multihead_attention", "solution": true}
def apply_multihead_attention(x, W_q, W_k, W_v, W_o):
    """Multi-head self-attention of x (T, d_model), heads stacked on axis 0; (T, d_model)."""
    ### BEGIN SOLUTION
    Q = np.einsum("td,hdk->htk", x, W_q)  # (H, T, d_qkv)
    K = np.einsum("td,hdk->htk", x, W_k)  # (H, T, d_qkv)
    V = np.einsum("td,hdk->htk", x, W_v)  # (H, T, d_qkv)
    d_qkv = W_q.shape[-1]
    alpha = softmax(np.einsum("hik,hjk->hij", Q, K) / np.sqrt(d_qkv), axis=-1)  # (H, T, T)
    out = np.einsum("hij,hjk->ihk", alpha, V)  # (T, H, d_qkv): token first, then heads
    return out.reshape(x.shape[0], -1) @ W_o  # (T, H * d_qkv) @ (H * d_qkv, d_model)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_apply_multihead_attention", "grade": true, "points": 4}
"""Check apply_multihead_attention on the 8-head example: shape, then the values in y_mh.npy."""
_y = apply_multihead_attention(x, W_q_mh, W_k_mh, W_v_mh, W_o_mh)
assert np.shape(_y) == (32, 256), f"Expected one row per token, (32, 256); got {np.shape(_y)}."
assert np.allclose(_y, y_mh_expected, rtol=1e-4, atol=1e-5), (
    "Shape right, values wrong. Check each head against question 2 (scale by sqrt(d_qkv), "
    "softmax over keys), and the concatenation: row i must be [head 0's out_i, head 1's out_i, "
    "...] before W_o."
)
print("apply_multihead_attention: visible checks passed.")

# %% nbgrader={"grade_id": "test_apply_multihead_attention_hidden", "grade": true, "points": 6}
"""Hidden: other numbers of heads and sizes, one token, against torch's attention per head."""
assert apply_multihead_attention(x, W_q_mh, W_k_mh, W_v_mh, W_o_mh) is not None, "returned None."

# %% nbgrader={"grade_id": "test_apply_multihead_attention_large", "grade": true, "points": 2}
"""Hidden: attention scores of about 2000 in every head (finite outputs, within 3e-3)."""
assert apply_multihead_attention(x, W_q_mh, W_k_mh, W_v_mh, W_o_mh) is not None, "returned None."

# %% [markdown]
# ## Part B · Attention in DistilBERT (35 points)
#
# DistilBERT ([Sanh et al., 2019](https://arxiv.org/abs/1910.01108)) is a 6-layer Transformer
# encoder with 768-dimensional hidden states, distilled from BERT. The next cell loads the
# pretrained `distilbert-base-uncased` and its tokenizer: online (Colab) this is exactly
# `DistilBertModel.from_pretrained("distilbert-base-uncased")`. Where the model hub cannot be
# reached, `nlpcourse` loads a local stand-in instead and says so: the same architecture and
# the same tokenizer vocabulary, but seeded random weights, so everything below computes the same
# way while the attention patterns mean nothing linguistically.

# %%
from nlpcourse.hub import load_model, load_tokenizer

tokenizer = load_tokenizer("distilbert-base-uncased")
model = load_model("distilbert-base-uncased")  # a DistilBertModel, in eval mode
print(type(model).__name__, model.config.n_layers, "layers,", model.config.n_heads, "heads")

# %% [markdown]
# Each layer's attention maps a $T \times D_x$ input $X$ to queries, keys and values with
# biases, $Q = X W_q + b_q$, $K = X W_k + b_k$, $V = X W_v + b_v$, computes the alignments
# $E = Q K^\top / \sqrt{D_q}$ and the attention weights $A = \mathrm{softmax}(E)$ (over the
# keys, row by row, as before), and outputs $Y = A V$.
#
# One catch: PyTorch's `nn.Linear` stores its weight as **(out_features, in_features)** and
# computes $X W^\top + b$. The cell below collects layer 5's `q_lin`, `k_lin` and `v_lin`
# parameters (the last of DistilBERT's six layers, numbered 0 to 5) as `W_q5`, `b_q5`, `W_k5`,
# `b_k5`, `W_v5`, `b_v5`; each `W` has shape `(768, 768)` = (out, in), each `b` has shape
# `(768,)`. (The names end in 5 so that Part A's `W_q`, `W_k`, `W_v` stay as they were: its test
# cells can be run again after this one.)

# %%
# loop through the parameters to grab layer 5's weights and biases
for name, param in model.named_parameters():
    if name.endswith("transformer.layer.5.attention.q_lin.weight"):
        W_q5 = param.detach()
    if name.endswith("transformer.layer.5.attention.q_lin.bias"):
        b_q5 = param.detach()
    if name.endswith("transformer.layer.5.attention.k_lin.weight"):
        W_k5 = param.detach()
    if name.endswith("transformer.layer.5.attention.k_lin.bias"):
        b_k5 = param.detach()
    if name.endswith("transformer.layer.5.attention.v_lin.weight"):
        W_v5 = param.detach()
    if name.endswith("transformer.layer.5.attention.v_lin.bias"):
        b_v5 = param.detach()
print(W_q5.shape, b_q5.shape)

# %% [markdown]
# ### 4a. The input of layer 5 (8 points)
#
# Tokenize `sentence` **the way the model was trained**: DistilBERT's tokenizer lowercases,
# splits into WordPiece tokens and wraps the sequence in `[CLS] … [SEP]`; calling
# `tokenizer(sentence, return_tensors="pt")` does all of it. Run the model on the result with
# `output_hidden_states=True` (inside `torch.no_grad()`). Its `hidden_states` is a tuple of
# seven `(1, T, 768)` tensors: index 0 is the embeddings (the input of layer 0), index $\ell$
# the input of layer $\ell$. Set
#
# - `tokens`: the list of token strings, `[CLS]` and `[SEP]` included
#   (`tokenizer.convert_ids_to_tokens`),
# - `X`: the input of layer 5, a `(T, 768)` tensor (drop the batch axis).

# %% nbgrader={"grade_id": "layer5_inputs", "solution": true}
sentence = "The quick brown fox jumps over the lazy dog"
### BEGIN SOLUTION
inputs = tokenizer(sentence, return_tensors="pt")  # input_ids (1, T) with [CLS] ... [SEP]
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
with torch.no_grad():
    outputs = model(**inputs, output_hidden_states=True)
X = outputs.hidden_states[5][0]  # (T, 768): the input of layer 5
### END SOLUTION
print(tokens, tuple(X.shape))

# %% nbgrader={"grade_id": "test_layer5_inputs", "grade": true, "points": 3}
"""Check tokens (with [CLS] and [SEP]) and the shape of X."""
assert list(tokens)[:2] == ["[CLS]", "the"] and list(tokens)[-1] == "[SEP]", (
    f"tokens = {tokens}: the model was trained on lowercased WordPiece tokens wrapped in "
    "[CLS] ... [SEP]; tokenizer(sentence) adds them (add_special_tokens=True is the default)."
)
assert len(tokens) == 11, (
    f"The sentence has 9 words, so 11 tokens with [CLS]/[SEP]; got {len(tokens)}."
)
assert tuple(X.shape) == (len(tokens), model.config.dim), (
    f"X must be (T, 768) = ({len(tokens)}, {model.config.dim}); got {tuple(X.shape)}. Drop the "
    "batch axis: hidden_states[5][0]."
)
print("tokens and X: visible checks passed.")

# %% nbgrader={"grade_id": "test_layer5_inputs_hidden", "grade": true, "points": 5}
"""Hidden: X equals the hidden state entering layer 5, recomputed here."""
assert X is not None, "X is None."

# %% [markdown]
# ### 4b. One head over all 768 dimensions (19 points)
#
# Write `single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v)` returning the pair `(A, Y)`:
# the $T \times T$ attention weights and the $T \times D_v$ outputs, for weights in PyTorch's
# `(out, in)` layout as collected above. As in the formulas, $D_q$ is the width of a query:
# here 768, taken from the weights' shape. Inputs are PyTorch tensors; return tensors or NumPy
# arrays, as you like. The hidden tests also call it with small random shapes, where $W_q$ is
# not square.
#
# (The real DistilBERT splits the 768 dimensions into 12 heads and scales each by
# $\sqrt{64}$; here you treat layer 5 as one big head, as the formulas above do. Part C does
# it the model's way.)


# %% nbgrader={"grade_id": "single_head_attention", "solution": true}
def single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v):
    """Attention weights A (T, T) and outputs Y (T, D_v) of X (T, D_x); W in (out, in) layout."""
    ### BEGIN SOLUTION
    Q = X @ W_q.T + b_q  # (T, D_q)
    K = X @ W_k.T + b_k  # (T, D_q)
    V = X @ W_v.T + b_v  # (T, D_v)
    D_q = W_q.shape[0]
    E = Q @ K.T / D_q**0.5  # (T, T)
    A = torch.softmax(E, dim=-1)  # (T, T): each query's weights over the keys sum to 1
    Y = A @ V  # (T, D_v)
    return A, Y
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_single_head_attention", "grade": true, "points": 4}
"""Check single_head_attention's shapes and that each row of A sums to 1, on a small example."""
_g = torch.Generator().manual_seed(0)
_Xs = torch.randn(4, 6, generator=_g)
_Wq, _Wk, _Wv = (
    torch.randn(5, 6, generator=_g),
    torch.randn(5, 6, generator=_g),
    torch.randn(3, 6, generator=_g),
)
_bq, _bk, _bv = (
    torch.randn(5, generator=_g),
    torch.randn(5, generator=_g),
    torch.randn(3, generator=_g),
)
_A, _Y = single_head_attention(_Xs, _Wq, _bq, _Wk, _bk, _Wv, _bv)
_A, _Y = torch.as_tensor(np.asarray(_A)), torch.as_tensor(np.asarray(_Y))
assert tuple(_A.shape) == (4, 4), f"A must be (T, T) = (4, 4), got {tuple(_A.shape)}."
assert tuple(_Y.shape) == (4, 3), (
    f"Y must be (T, D_v) = (4, 3), got {tuple(_Y.shape)}. Weights are (out, in): use X @ W.T."
)
assert torch.allclose(_A.sum(dim=1), torch.ones(4, dtype=_A.dtype)), (
    "Each row of A (one query) must sum to 1: take the softmax over the keys (the last axis)."
)
print("single_head_attention: visible checks passed.")

# %% nbgrader={"grade_id": "test_single_head_attention_hidden", "grade": true, "points": 8}
"""Hidden: random shapes, one token, large scores, against F.linear and scaled_dot_product_attention."""
assert single_head_attention(_Xs, _Wq, _bq, _Wk, _bk, _Wv, _bv) is not None, "returned None."

# %% [markdown]
# Now layer 5 of DistilBERT on the sentence:

# %%
A, Y = single_head_attention(X, W_q5, b_q5, W_k5, b_k5, W_v5, b_v5)
print("A:", tuple(A.shape), " Y:", tuple(Y.shape))

# %% nbgrader={"grade_id": "test_layer5_attention", "grade": true, "points": 7}
"""Check A for the sentence: one row per token, rows sum to 1; hidden: A and Y recomputed."""
_A5 = torch.as_tensor(np.asarray(A.detach() if torch.is_tensor(A) else A), dtype=torch.float64)
assert tuple(_A5.shape) == (len(tokens), len(tokens)), f"A must be (T, T), got {tuple(_A5.shape)}."
assert torch.allclose(_A5.sum(dim=1), torch.ones(len(tokens), dtype=torch.float64), atol=1e-5), (
    "Each row of A must sum to 1."
)

# %% [markdown]
# ### 5. A heatmap of the attention weights (8 points)
#
# Write `plot_attention(A, tokens)` that draws `A` as a heatmap with
# [`seaborn.heatmap`](https://seaborn.pydata.org/generated/seaborn.heatmap.html) and returns the
# matplotlib `Axes` it drew on. Row $i$ shows where token $i$ looks (its weights over all
# tokens), so one figure shows every token's attention: put the tokens on both axes (queries
# down the side, keys along the bottom; every token labelled, in order), label the two axes,
# and keep the colour bar. `A` may be a tensor or an array.
#
# A test checks the returned `Axes` (tick labels, the data drawn); a grader looks at the figure
# below it.
#
# **How it is marked (3).**
# - 1: every token readable on both axes, in order (rotated or small is fine; overlapping
#   labels that cannot be read, or labels on one axis only, are not).
# - 1: axis titles that say which axis is the query (the token attending) and which the key
#   (the token attended to); "x" and "y" or the tokens' names alone earn 0.
# - 1: a colour bar, so a colour can be read as a weight.


# %% nbgrader={"grade_id": "plot_attention", "solution": true, "grade": true, "points": 3}
def plot_attention(A, tokens):
    """Heatmap of attention weights A (T, T): queries down, keys across; returns the Axes."""
    ### BEGIN SOLUTION
    A = A.detach().cpu().numpy() if torch.is_tensor(A) else np.asarray(A)
    T = len(tokens)
    fig, ax = plt.subplots(figsize=(0.45 * T + 2.5, 0.45 * T + 1.5))
    sns.heatmap(
        A,
        xticklabels=tokens,
        yticklabels=tokens,
        cmap="viridis",
        square=True,
        cbar_kws={"label": "attention weight"},
        ax=ax,
    )
    ax.set_xlabel("key (token attended to)")
    ax.set_ylabel("query (token attending)")
    ax.tick_params(axis="x", labelrotation=60)
    ax.tick_params(axis="y", labelrotation=0)
    return ax
    ### END SOLUTION


# %% [markdown]
# DistilBERT's layer 5 on the sentence, with your function (each row sums to one):

# %% nbgrader={"grade_id": "plot_attention_demo", "locked": true}
ax = plot_attention(A, tokens)
ax.set_title("DistilBERT layer 5, one 768-dimensional head")
plt.show()

# %% nbgrader={"grade_id": "test_plot_attention", "grade": true, "points": 2}
"""Check the Axes plot_attention returns: tokens on both axes and a T x T heatmap."""
import matplotlib


def _heatmap_data(ax):
    """The array drawn on ax: seaborn's QuadMesh, or an imshow image."""
    arrays = [c.get_array() for c in ax.collections if c.get_array() is not None]
    arrays += [im.get_array() for im in ax.images]
    assert arrays, "No heatmap found on the returned Axes: draw with sns.heatmap(..., ax=ax)."
    return np.asarray(arrays[0], dtype=float)


_ax = plot_attention(A, tokens)
assert isinstance(_ax, matplotlib.axes.Axes), (
    f"plot_attention must return the matplotlib Axes it drew on, got {type(_ax)}."
)
assert [t.get_text() for t in _ax.get_xticklabels()] == list(tokens), (
    "Label every key token along the x axis, in order: sns.heatmap(..., xticklabels=tokens)."
)
assert [t.get_text() for t in _ax.get_yticklabels()] == list(tokens), (
    "Label every query token along the y axis, in order: sns.heatmap(..., yticklabels=tokens)."
)
assert _heatmap_data(_ax).size == len(tokens) ** 2, "The heatmap must show the T x T matrix A."
plt.close("all")
print("plot_attention: visible checks passed.")

# %% nbgrader={"grade_id": "test_plot_attention_hidden", "grade": true, "points": 3}
"""Hidden: another matrix and other tokens (tensor and array); the values drawn are A's, in order."""
assert plot_attention(np.eye(3), ["a", "b", "c"]) is not None, "plot_attention returned None."
plt.close("all")

# %% [markdown]
# ## Part C · DistilBERT's 12 heads (10 points)
#
# DistilBERT does not use one 768-wide head. Each layer splits its queries and keys into
# $H = 12$ heads of $d_{head} = 768 / 12 = 64$ dimensions: head $h$ owns features
# $64h, \dots, 64h + 63$ of $Q$ and of $K$, and its weights are
# $A^{h} = \mathrm{softmax}\big(Q^{h} (K^{h})^\top / \sqrt{64}\big)$.
#
# ### 6. `split_heads_attention` (10 points)
#
# Write `split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads)` returning the `(n_heads, T, T)`
# attention weights of every head, with $d_{head}$ = (width of a query) / `n_heads` and the scale
# $\sqrt{d_{head}}$. Projecting once and then cutting $Q$ `(T, 768)` into a
# `(T, n_heads, d_head)` view, with the head axis moved to the front, does the split. The visible
# test compares your heads with the weights DistilBERT reports itself
# (`output_attentions=True`): if it passes, your understanding of attention is the model's, to
# five decimals.


# %% nbgrader={"grade_id": "split_heads_attention", "solution": true}
def split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads):
    """Per-head attention weights (n_heads, T, T) of X (T, D_x); W in (out, in) layout."""
    ### BEGIN SOLUTION
    Q = X @ W_q.T + b_q  # (T, D_q)
    K = X @ W_k.T + b_k  # (T, D_q)
    T, D_q = Q.shape
    d_head = D_q // n_heads
    Qh = Q.reshape(T, n_heads, d_head).transpose(0, 1)  # (H, T, d_head)
    Kh = K.reshape(T, n_heads, d_head).transpose(0, 1)  # (H, T, d_head)
    E = Qh @ Kh.transpose(1, 2) / d_head**0.5  # (H, T, T)
    return torch.softmax(E, dim=-1)  # (H, T, T)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_split_heads_attention", "grade": true, "points": 4}
"""Check your 12 heads of layer 5 against DistilBERT's own output_attentions (within 1e-5)."""
_enc = tokenizer(sentence, return_tensors="pt")
with torch.no_grad():
    _out = model(**_enc, output_hidden_states=True, output_attentions=True)
_theirs = _out.attentions[5][0]  # (12, T, T): what the model computed
_mine = split_heads_attention(
    _out.hidden_states[5][0], W_q5, b_q5, W_k5, b_k5, model.config.n_heads
)
_mine = torch.as_tensor(
    np.asarray(_mine.detach() if torch.is_tensor(_mine) else _mine), dtype=torch.float32
)
assert tuple(_mine.shape) == tuple(_theirs.shape), (
    f"Expected (n_heads, T, T) = {tuple(_theirs.shape)}, got {tuple(_mine.shape)}."
)
_diff = (_mine - _theirs).abs().max().item()
assert _diff < 1e-5, (
    f"Your heads differ from the model's by up to {_diff:.2e}. Check the scale (sqrt(64) per "
    "head, not sqrt(768)) and the split: head h is features 64h..64h+63 of every token."
)
print(f"split_heads_attention: equal to DistilBERT's own attention (max difference {_diff:.1e}).")

# %% nbgrader={"grade_id": "test_split_heads_attention_hidden", "grade": true, "points": 6}
"""Hidden: other head counts and sizes against torch.nn.MultiheadAttention's per-head weights."""
assert split_heads_attention(_out.hidden_states[5][0], W_q5, b_q5, W_k5, b_k5, 12) is not None, (
    "returned None."
)
