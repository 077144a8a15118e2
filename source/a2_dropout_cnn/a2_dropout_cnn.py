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
# # A2 · Dropout and 1-D convolutions (65 points)
#
# Two building blocks of neural NLP models, each first on paper and then in code.
#
# | Question | What you hand in | Points | How it is checked |
# |---|---|---|---|
# | 1a | derivation of the dropout scale γ (Markdown) | 15 | read by a grader with a mark scheme |
# | 1b | `dropout_scale(p_drop)` | 8 | tests |
# | 1c | `dropout(a, p_drop, rng, train=True)` | 12 | tests, some statistical |
# | 2a | `conv_maxpool_concat(Z, W, S)` | 22 | tests against `torch.nn.functional.conv1d` |
# | 2b | `windows` and `grad_Z`: where each entry of $Z'$ of the example comes from | 8 | tests |
# | **Total** | | **65** | |
#
# **How you are graded.** Every question is followed by a test cell. The assertions you can
# see are a first check and tell you in plain words what is wrong. When you submit, the
# autograder checks your functions again from outside your notebook, on inputs drawn fresh for
# you (random shapes, edge cases), and your points come from those checks, part by part, with
# a message saying which part failed. A solution that only fits the visible examples loses
# points: write general code, not special cases.
#
# **Rules.** Fill in the cells that say `YOUR CODE HERE` or `YOUR ANSWER HERE`, and nothing
# else: do not delete, copy or reorder cells. Before you submit, restart and run everything
# (Colab: *Runtime > Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run
# All Cells*) and check that no cell fails.

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook("a2_dropout_cnn", gpu="optional")

# %%
import numpy as np

# %% [markdown]
# ## 1. Dropout (35 points)
#
# Dropout regularises a network by silencing random units during training. For an activation
# vector $a \in \mathbb{R}^{D}$ it draws a mask $m \in \{0, 1\}^D$ with independent entries
#
# $$ m_i = \begin{cases} 0 & \text{with probability } p_{do} \\ 1 & \text{with probability } 1 - p_{do} \end{cases} $$
#
# and passes on $a' = \gamma \, m \odot a$, where $\odot$ is the element-wise product and
# $\gamma$ a constant. Dropout is only used while training. The next layer computes
#
# $$ z_i^{(l+1)} = W_i^{(l+1)} \cdot a'^{(l)} \;\; \text{(training)}, \qquad
#    z_i^{(l+1)} = W_i^{(l+1)} \cdot a^{(l)} \;\; \text{(inference)}, $$
#
# with $W_i^{(l+1)} \in \mathbb{R}^D$. With $\gamma = 1$ the weighted sum seen in training is,
# on average, pulled toward 0 (a fraction $p_{drop}$ of its terms is missing): smaller in
# magnitude than the one seen at inference, whatever its sign, so the next layer meets inputs
# from another distribution once dropout is switched off. The scale $\gamma$ fixes this.
#
# ### 1a. Derive γ (15 points, written)
#
# Find the constant $\gamma$ that makes the training-time pre-activation equal, in
# expectation over the mask, to the inference-time one:
#
# $$ \mathbb{E}_m\Big[\sum_{j=0}^{D-1} W_{i,j}^{(l+1)}\, a_j'^{(l)}\Big]
#    = \sum_{j=0}^{D-1} W_{i,j}^{(l+1)}\, a_j^{(l)} . $$
#
# Show each step (what is $\mathbb{E}[m_j]$? what lets you move the expectation inside the
# sum?) and say for which values of $p_{do}$ your $\gamma$ exists. Write your answer in the
# cell below, with LaTeX between `$ … $` if you like.

# %% [markdown] nbgrader={"grade_id": "gamma_derivation", "solution": true, "grade": true, "points": 15}
# **Model answer.** Each mask entry is a Bernoulli variable with $\mathbb{E}[m_j] = 0 \cdot
# p_{do} + 1 \cdot (1 - p_{do}) = 1 - p_{do}$. The weights and the activations are fixed
# while we average over the mask, and expectation is linear, so
#
# $$ \mathbb{E}\Big[\sum_j W_{i,j}\, \gamma m_j a_j\Big] = \gamma \sum_j W_{i,j}\, a_j\,
#    \mathbb{E}[m_j] = \gamma (1 - p_{do}) \sum_j W_{i,j}\, a_j . $$
#
# This equals $\sum_j W_{i,j} a_j$ for every $W$ and $a$ exactly when
# $\gamma (1 - p_{do}) = 1$, i.e. $\gamma = \dfrac{1}{1 - p_{do}}$, defined for
# $0 \le p_{do} < 1$ (at $p_{do} = 1$ every unit is dropped and no scale can help). Scaling at
# training time ("inverted dropout") leaves the inference-time network untouched.
#
# **Mark scheme (15).**
# - 4: $\mathbb{E}[m_j] = 1 - p_{do}$, with a reason (Bernoulli mean). Saying only "$1-p$"
#   with no reason: 2.
# - 5: moves the expectation through the sum and the constants (linearity; $W$, $a$ fixed),
#   reaching $\gamma(1-p_{do})\sum_j W_{i,j}a_j$. A correct argument through the law of large
#   numbers for large $D$ instead of exact expectation: 3.
# - 4: $\gamma = 1/(1-p_{do})$. $\gamma = 1 - p_{do}$ or $\gamma = p_{do}$: 0 for this line.
# - 2: states the domain ($p_{do} < 1$) or why scaling happens at training, not inference.

# %% [markdown]
# ### 1b. `dropout_scale` (8 points)
#
# Write `dropout_scale(p_drop)` returning your $\gamma$ as a Python `float`. Raise a
# `ValueError` whose message names the bad value when `p_drop` is outside $[0, 1)$. The
# autograder compares your $\gamma$ with the exact value to a relative $10^{-9}$ (at
# `p_drop` = 0 exactly, at 0.5 to within $10^{-12}$, as the visible test does).


# %% nbgrader={"grade_id": "dropout_scale", "solution": true}
def dropout_scale(p_drop):
    """The inverted-dropout scale gamma for drop probability p_drop in [0, 1)."""
    ### BEGIN SOLUTION
    if not 0.0 <= p_drop < 1.0:
        raise ValueError(f"p_drop must be in [0, 1), got {p_drop}")
    return 1.0 / (1.0 - p_drop)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_dropout_scale", "grade": true, "points": 3}
"""Check dropout_scale at p_drop = 0 and 0.5, and that p_drop = 1 is refused."""
assert dropout_scale(0.0) == 1.0, (
    f"With p_drop = 0 nothing is dropped, so the scale must be 1.0; got {dropout_scale(0.0)}."
)
assert abs(dropout_scale(0.5) - 2.0) < 1e-12, (
    f"With p_drop = 0.5 half of the units survive; got {dropout_scale(0.5)}. Check your "
    "derivation in 1a."
)
try:
    dropout_scale(1.0)
except ValueError:
    pass
else:
    raise AssertionError("dropout_scale(1.0) must raise ValueError: no scale exists at p_drop = 1.")
print("dropout_scale: visible checks passed.")

# %% nbgrader={"grade_id": "test_dropout_scale_hidden", "grade": true, "points": 5}
"""Hidden: dropout_scale on other values of p_drop, and the ValueError for each bad value."""
assert dropout_scale(0.3) is not None, "dropout_scale returned None: did you forget `return`?"

# %% [markdown]
# ### 1c. `dropout` (12 points)
#
# Write `dropout(a, p_drop, rng, train=True)` for a NumPy array `a` of any shape:
#
# - with `train=True`, draw the mask from the NumPy random generator `rng`
#   (`np.random.Generator`, e.g. `rng.random(a.shape)`) and return $\gamma\, m \odot a$;
# - with `train=False` (inference), return the activations unchanged;
# - return an array of the same shape and dtype as `a`; raise `ValueError` for a `p_drop`
#   outside $[0, 1)$ (your `dropout_scale` already does).
#
# Any correct way is fine, including `torch.nn.functional.dropout` on a tensor converted
# from and back to NumPy.
#
# The autograder compares the kept units with $\gamma a$ to a relative $10^{-6}$; with
# `train=False`, and in training with `p_drop = 0`, the output must equal `a` exactly. Its
# statistical tests, on units drawn fresh for you: on 50,000 units the share dropped is
# `p_drop` within 6 standard deviations of a binomial share; the number of units dropped per
# row, per column and per call varies as independent draws per unit would (its variance
# between 0.5 and 2 times $n\,p_{do}(1 - p_{do})$); and over 800 calls the mean of
# $w \cdot$ `dropout(x)` is $w \cdot x$ within 6 standard deviations. A correct `dropout` fails
# them with a probability below $10^{-8}$.


# %% nbgrader={"grade_id": "dropout", "solution": true}
def dropout(a, p_drop, rng, train=True):
    """Inverted dropout of the activations a (any shape) with drop probability p_drop."""
    ### BEGIN SOLUTION
    gamma = dropout_scale(p_drop)
    if not train:
        return a
    keep = rng.random(a.shape) >= p_drop  # True with probability 1 - p_drop
    return (a * keep * gamma).astype(a.dtype, copy=False)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_dropout", "grade": true, "points": 4}
"""Check dropout's shape, dtype, the kept units' scale, and inference mode on a small input."""
_rng = np.random.default_rng(0)
_a = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
_out = dropout(_a, 0.25, _rng)
assert isinstance(_out, np.ndarray), f"dropout must return a NumPy array, got {type(_out)}."
assert _out.shape == _a.shape, f"Output shape {_out.shape} differs from the input's {_a.shape}."
assert _out.dtype == _a.dtype, f"Output dtype {_out.dtype} differs from the input's {_a.dtype}."
_kept = _out != 0
assert np.allclose(_out[_kept], _a[_kept] / 0.75), (
    "Units that survive must be multiplied by the scale from 1b (here 1 / 0.75)."
)
assert np.array_equal(dropout(_a, 0.25, _rng, train=False), _a), (
    "With train=False dropout must return the activations unchanged: no mask, no scaling."
)
print("dropout: visible checks passed.")

# %% nbgrader={"grade_id": "test_dropout_hidden", "grade": true, "points": 8}
"""Hidden: drop rate, expectation invariance (statistical, seeded), inference, dtypes, errors."""
assert dropout(np.ones(3), 0.5, np.random.default_rng(0)) is not None, "dropout returned None."

# %% [markdown]
# ## 2. Convolutions over a sequence (30 points)
#
# A sequence of $T$ token embeddings is a matrix $Z \in \mathbb{R}^{T \times D}$. Here
# $D = 3$ and $T = 7$:

# %%
Z = np.array(
    [
        [1.3, 0.4, -0.2],
        [-3.1, 1.1, 2.1],
        [0.9, 2.8, -1.5],
        [1.3, 2.4, 0.1],
        [1.0, 1.0, 0.5],
        [3.0, -1.4, -0.2],
        [-0.7, 1.8, 1.3],
    ]
)
w1 = np.ones((2, 3))  # width s1 = 2
w2 = 2 * np.ones((3, 3))  # width s2 = 3
W = [w1, w2]
S = [2, 3]

# %% [markdown]
# A bank of $N_F$ filters $w^{(n)} \in \mathbb{R}^{s^{(n)} \times D}$ with widths
# $s^{(n)}$ maps $Z$ to one vector $Z' \in \mathbb{R}^{N_F D}$ in three steps:
#
# 1. **Convolution.** Each filter slides along the sequence, one column (feature) at a time:
#    $$ B^{(n)}_{t,j} = \sum_{t'=1}^{s^{(n)}} w^{(n)}_{t',j}\, Z_{t+t'-1,\,j},
#       \qquad t = 1, \dots, T - s^{(n)} + 1, $$
#    giving a feature map $B^{(n)} \in \mathbb{R}^{(T - s^{(n)} + 1) \times D}$. The filter is
#    *not* flipped: row $t'$ of the filter meets row $t + t' - 1$ of $Z$.
# 2. **Max pooling** over the sequence: $B^{(n)}_{\max, j} = \max_t B^{(n)}_{t,j}$, a vector in
#    $\mathbb{R}^D$ (the maximum of each column of $B^{(n)}$).
# 3. **Concatenation** in filter order:
#    $Z' = [B^{(1)}_{\max}, \dots, B^{(N_F)}_{\max}] \in \mathbb{R}^{N_F D}$.
#
# ### 2a. `conv_maxpool_concat` (22 points)
#
# Write `conv_maxpool_concat(Z, W, S)` for any $T$, $D$ and $N_F$ (a list `W` of $N_F$ arrays
# of shape $(s^{(n)}, D)$ and the list `S` of their widths, with $s^{(n)} \le T$). Return a 1-D
# NumPy array of length $N_F D$. Loops or vectorised NumPy are both fine. The autograder
# compares your output with torch's depthwise `conv1d` and with an explicit loop to within a
# relative $10^{-5}$ plus an absolute $10^{-6}$ (float32 arithmetic meets it).


# %% nbgrader={"grade_id": "conv_maxpool_concat", "solution": true}
def conv_maxpool_concat(Z, W, S):
    """Depth-wise 1-D convolution with each filter, max over time, concatenated in order."""
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=float)  # (T, D)
    pooled = []
    for w, s in zip(W, S):
        w = np.asarray(w, dtype=float)  # (s, D)
        windows = np.lib.stride_tricks.sliding_window_view(Z, s, axis=0)  # (T-s+1, D, s)
        B = np.einsum("tjk,kj->tj", windows, w)  # (T-s+1, D)
        pooled.append(B.max(axis=0))  # (D,)
    return np.concatenate(pooled)  # (N_F * D,)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_conv_maxpool_concat", "grade": true, "points": 6}
"""Check the output's shape and one case you can do by hand: width-1 filters of ones."""
_out = conv_maxpool_concat(Z, W, S)
assert isinstance(_out, np.ndarray) and _out.ndim == 1, (
    f"Return a 1-D NumPy array (the concatenation), got {type(_out)} "
    f"with shape {getattr(_out, 'shape', None)}."
)
assert _out.shape == (6,), f"Two filters on D = 3 features give 6 numbers, got shape {_out.shape}."
# A width-1 filter of ones leaves Z as it is, so max pooling gives the column maxima of Z.
_one = conv_maxpool_concat(Z, [np.ones((1, 3))], [1])
assert np.allclose(_one, Z.max(axis=0)), (
    f"A width-1 filter of ones must give the column maxima of Z, {Z.max(axis=0)}; got {_one}. "
    "Is the max taken over the sequence axis (axis 0)?"
)
print("conv_maxpool_concat: visible checks passed.")

# %% nbgrader={"grade_id": "test_conv_vs_torch", "grade": true, "points": 10}
"""Hidden: random shapes and non-symmetric filters, compared with torch's depthwise conv1d."""
assert conv_maxpool_concat(Z, W, S) is not None, "conv_maxpool_concat returned None."

# %% nbgrader={"grade_id": "test_conv_edge_cases", "grade": true, "points": 6}
"""Hidden: T equal to the filter width, one feature, integer inputs, and fixed hidden cases."""
assert conv_maxpool_concat(Z, W, S) is not None, "conv_maxpool_concat returned None."

# %% [markdown]
# ### 2b. Where each entry of Z′ comes from (8 points)
#
# Your function returns only the maxima. Max pooling keeps, for each filter $n$ and feature
# $j$, one window: the position $t$ at which $B^{(n)}_{t,j}$ is largest. Only the rows of $Z$
# in that window affect that entry of $Z'$, so in backpropagation only they receive its
# gradient, through the filter's weights. Work both out for the example above yourself, by
# hand or with a few lines of NumPy of your own (2a's function does not give them):
#
# - `windows`: a list of the $N_F D = 6$ window positions $t$, in the order of the entries of
#   $Z'$ (filter 1's three features, then filter 2's), numbered from 1 as in the formula, so
#   $1 \le t \le T - s^{(n)} + 1$ (`np.argmax` counts from 0). No column of a $B^{(n)}$ has a
#   tie here.
# - `grad_Z`: the gradient $\partial \big(\sum_k Z'_k\big) / \partial Z$, a NumPy array of
#   shape $(T, D) = (7, 3)$: entry $(r, j)$ says by how much the sum of the entries of $Z'$
#   changes per unit change of $Z_{r,j}$ (a change small enough that no maximum moves to
#   another window).
#
# The autograder compares `windows` exactly and `grad_Z` entry by entry to within $10^{-6}$,
# with a reference of its own (windows: an explicit loop; gradient: torch autograd). Points:
# 3 for the windows, 2 for which entries of `grad_Z` are non-zero, 3 for its values.

# %% nbgrader={"grade_id": "z_prime", "solution": true}
### BEGIN SOLUTION
windows = []
grad_Z = np.zeros_like(Z)  # (T, D)
for w, s in zip(W, S):
    B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])  # (T-s+1, D)
    best = B.argmax(axis=0)  # (D,) the winning window of each feature, counted from 0
    windows += [int(t) + 1 for t in best]
    for j, t in enumerate(best):
        grad_Z[t : t + s, j] += w[:, j]  # (s,) only the winning window's rows, by the weights
### END SOLUTION
print(windows)
print(grad_Z)

# %% nbgrader={"grade_id": "test_z_prime", "grade": true, "points": 8}
"""Check the form of windows and grad_Z and a sum they must meet; their values are hidden."""
assert len(windows) == 6, f"windows must hold 6 positions, one per entry of Z'; got {len(windows)}."
for _k, _t in enumerate(windows):
    _n, _j = divmod(_k, 3)
    _last = len(Z) - S[_n] + 1
    assert float(_t).is_integer() and 1 <= _t <= _last, (
        f"windows[{_k}] (filter {_n + 1}, feature {_j + 1}) is {_t}: a window position is a "
        f"whole number from 1 (the first window) to T - s + 1 = {_last}."
    )
assert np.shape(grad_Z) == Z.shape, f"grad_Z must have Z's shape {Z.shape}, got {np.shape(grad_Z)}."
# Each entry of Z' takes one window of each filter, so column j of grad_Z adds up to the sum of
# column j over all the filters' weights.
_want = sum(w.sum(axis=0) for w in W)
assert np.allclose(np.sum(grad_Z, axis=0), _want), (
    f"The columns of grad_Z add up to {np.sum(grad_Z, axis=0)}; each entry of Z' gets its "
    f"gradient from one window per filter, through the weights, so they must add up to {_want}."
)
print("windows and grad_Z: visible checks passed.")
