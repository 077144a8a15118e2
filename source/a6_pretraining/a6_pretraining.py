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
# # A6 · Attention exploration, and pretraining a GPT for knowledge access (76 points)
#
# Part 1 studies what a single attention head can and cannot do, on paper and numerically.
# Part 2 pretrains a small GPT on biographies and finetunes it to answer "Where was X born?"
# about people it never saw in the finetuning data: the answer must come from pretraining.
#
# | Question | What you hand in | Points | How it is checked |
# |---|---|---|---|
# | 1 | copying in attention, 1a–1d (Markdown) | 6 | read by a grader with a mark scheme |
# | 2 | `copy_query(keys, j, beta)` | 4 | tests |
# | 3 | `extract_matrix(a_basis)` | 4 | tests |
# | 4 | `average_query(keys, a, b, beta)` | 4 | tests, incl. keys sampled as in 6a |
# | 5 | why `average_query` works (Markdown) | 3 | read by a grader with a mark scheme |
# | 6 | drawbacks of a single head, 6a–6b (Markdown) | 5 | read by a grader with a mark scheme |
# | 7 | `two_head_queries(means, a, b, beta)` | 5 | tests, incl. keys sampled as in 8b |
# | 8 | benefits of two heads, 8a–8b (Markdown) | 4 | read by a grader with a mark scheme |
# | 9 | `span_corruption(document, block_size, rng)` | 14 | tests, some statistical |
# | 10 | `NameDataset` | 8 | tests |
# | 11 | `evaluate_places(true_places, predicted_places)` | 4 | tests |
# | 12 | `predict_place(model, vocab, name, device)` | 5 | tests with a scripted model |
# | 13 | `finetune(model, pairs, vocab, settings)` | 5 | tests on a tiny model |
# | 14 | your three accuracies, explained (Markdown) | 5 | read by a grader with a mark scheme |
# | **Total** | | **76** | |
#
# **How you are graded.** Every question is followed by a test cell. The assertions you can
# see are a first check and tell you in plain words what is wrong. When you submit, the
# autograder checks your functions again from outside your notebook, on inputs drawn fresh for
# you (random keys and documents, other sizes, statistics over many random draws, scripted
# models), and your points come from those checks, part by part, with a message saying which
# part failed. A solution that only fits the visible examples loses points: write general
# code, not special cases. **The autograder never trains a model**: it tests your functions on
# small inputs (`finetune` runs a few steps of a tiny one).
#
# **Rules.** Fill in the cells that say `YOUR CODE HERE` or `YOUR ANSWER HERE`, and nothing
# else: do not delete, copy or reorder cells. Before you submit, restart and run everything
# (Colab: *Runtime > Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run
# All Cells*) and check that no cell fails. Part 2 opens with a short warm-up demo (a tiny character GPT,
# under a minute, not graded), then trains three models: with a GPU it uses the CS224n sizes;
# on a CPU it runs a scaled-down configuration (about 5 minutes on 2 cores).

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook(
    "a6_pretraining",
    gpu="recommended",
    cpu_note="Part 2 trains a GPT of 2 layers x 128 on blocks of 48 characters (4,000 "
    "pretraining steps of batch 32) instead of CS224n's 4 layers x 256 on blocks of 128 (batch "
    "128): about 5 minutes on 2 cores (nobody has measured this pack's GPU configuration).",
)

# %%
import math
import random
import time

import torch
import torch.nn.functional as F

from nlpcourse import birthplaces, gpt, knowledge
from nlpcourse.gpt import MASK_CHAR, PAD_CHAR
from nlpcourse.setup_cell import grading

# %% [markdown]
# ## Part 1 · Attention exploration (35 points)
#
# Attention is an operation on a *query* $q \in \mathbb{R}^d$, *keys*
# $k_1, \dots, k_n \in \mathbb{R}^d$ and *values* $v_1, \dots, v_n \in \mathbb{R}^d$:
#
# $$ c = \sum_{i=1}^n \alpha_i v_i, \qquad
#    \alpha_i = \frac{\exp(k_i^\top q)}{\sum_{j=1}^n \exp(k_j^\top q)}, $$
#
# with $\alpha = (\alpha_1, \dots, \alpha_n)$ the *attention weights*. The output $c$ is an
# average of the values weighted by $\alpha$. In code, keys and values are the rows of
# $(n, d)$ tensors, and one attention head is this (run it, you will use it):


# %%
def attend(q, keys, values):
    """Single-head attention of one query q (d,) over keys, values (n, d) -> c (d,), alpha (n,)."""
    alpha = torch.softmax(keys @ q, dim=0)  # (n,)
    return alpha @ values, alpha  # (d,), (n,)


def orthonormal_rows(n, d, generator=None):
    """n random orthonormal vectors in R^d as the rows of an (n, d) float64 tensor (n <= d)."""
    Q, _ = torch.linalg.qr(torch.randn(d, n, dtype=torch.float64, generator=generator))  # (d, n)
    return Q.T.contiguous()  # (n, d)


# %% [markdown]
# ### 1. Copying in attention (6 points, written)
#
# **a.** Explain why $\alpha$ can be interpreted as a categorical probability distribution.
#
# **b.** The distribution $\alpha$ is typically "diffuse": its mass is spread over many
# $\alpha_i$. Describe (in one sentence) under what conditions $\alpha$ puts almost all of its
# weight on some $\alpha_j$ ($\alpha_j \gg \sum_{i \ne j} \alpha_i$). What must be true about
# the query $q$ and/or the keys?
#
# **c.** Under the conditions you gave in (b), describe the output $c$.
#
# **d.** Explain (in two sentences or fewer) what your answers to (b) and (c) mean intuitively.

# %% [markdown] nbgrader={"grade_id": "copying_answer", "solution": true, "grade": true, "points": 6}
# **Model answer.** (a) Each $\alpha_i = \exp(k_i^\top q)/\sum_j \exp(k_j^\top q)$ is positive
# (an exponential over a positive sum), and the $n$ weights sum to 1 by construction (softmax):
# non-negative numbers summing to 1 over $n$ outcomes are a categorical distribution.
# (b) When the score of one key is much larger than all the others,
# $k_j^\top q \gg k_i^\top q$ for every $i \ne j$ (by several units, since softmax compares
# exponentials): e.g. $q$ points along $k_j$, nearly orthogonal to the other keys, and has a
# large norm. (c) $c \approx v_j$: the other values get almost no weight. (d) Attention can
# "copy" (look up) one value into its output by choosing a query that matches one key far
# better than the rest, like a soft dictionary lookup.
#
# **Mark scheme (6).**
# - 1: (a) weights are non-negative **and** sum to 1 (both needed).
# - 2: (b) one dot product $k_j^\top q$ much larger than all others; 1 for "large key $k_j$"
#   or "large $q$" without the comparison to the other scores.
# - 1: (c) $c \approx v_j$.
# - 2: (d) attention can copy/select a single value by matching its key; 1 if vague.

# %% [markdown]
# ### 2. `copy_query` (4 points)
#
# Make (b) concrete: for keys that are orthogonal with norm 1 (the rows of `keys`, shape
# $(n, d)$), return a query $q$ of shape $(d,)$, built from the keys and a scale `beta`
# $= \beta > 0$, for which $\alpha_j \ge \frac{e^{\beta}}{e^{\beta} + n - 1}$, i.e. $\alpha_j$
# tends to 1 as $\beta$ grows, so that $c \approx v_j$. The tests check this bound (up to
# $10^{-6}$ for rounding) for every $j$, for $n$ from 2 to 30 keys and $\beta$ from 1 to 40.


# %% nbgrader={"grade_id": "copy_query", "solution": true}
def copy_query(keys, j, beta):
    """A query (d,) whose attention puts almost all weight on key j when beta is large."""
    ### BEGIN SOLUTION
    return beta * keys[j]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_copy_query", "grade": true, "points": 2}
"""Check copy_query on 6 orthonormal keys in R^8: alpha_j > 0.99 and c close to v_j at beta = 20."""
_g = torch.Generator().manual_seed(0)
_K = orthonormal_rows(6, 8, _g)  # (6, 8)
_V = torch.randn(6, 8, dtype=torch.float64, generator=_g)  # (6, 8)
_q = copy_query(_K, 2, 20.0)
assert tuple(_q.shape) == (8,), f"The query must have shape (d,) = (8,), got {tuple(_q.shape)}."
_c, _alpha = attend(_q, _K, _V)
assert _alpha[2] > 0.99, (
    f"alpha_2 = {_alpha[2]:.3f}: the query must score key 2 far above the others (by about beta)."
)
assert torch.allclose(_c, _V[2], atol=1e-3 * _V.abs().max()), "c should be close to v_2."
print("copy_query: visible checks passed.")

# %% nbgrader={"grade_id": "test_copy_query_hidden", "grade": true, "points": 2}
"""Hidden: every j, other sizes, and alpha_j at least e^beta / (e^beta + n - 1) for several beta."""
assert copy_query(torch.eye(3, dtype=torch.float64), 0, 5.0) is not None, (
    "copy_query returned None."
)

# %% [markdown]
# ### 3. `extract_matrix`: an average of two (4 points)
#
# Instead of one value, a Transformer may want to combine **two**, $v_a$ and $v_b$, e.g. as
# their average $c = \frac12 (v_a + v_b)$. It seems hard to get $v_a$ and $v_b$ back from the
# sum, but sometimes one can. Suppose $v_a$ lies in a subspace $A$ spanned by orthonormal
# vectors $a_1, \dots, a_m$, and $v_b$ in a subspace $B$ spanned by orthonormal
# $b_1, \dots, b_p$, with every $a_i$ orthogonal to every $b_k$. Construct from the $a_i$ a
# matrix $M$ with $M s = v_a$ for **any** $v_a \in A$, $v_b \in B$ and $s = v_a + v_b$.
#
# `a_basis` holds $a_1, \dots, a_m$ as the rows of an $(m, d)$ tensor; return $M$, $(d, d)$.
# The tests compare $M (v_a + v_b)$ with $v_a$ for random subspaces and vectors, to within
# $10^{-5}$ of the largest entry of $v_a + v_b$ (float32 rounding passes).


# %% nbgrader={"grade_id": "extract_matrix", "solution": true}
def extract_matrix(a_basis):
    """M (d, d) with M @ (v_a + v_b) == v_a for v_a in span(a_basis) and v_b orthogonal to it."""
    ### BEGIN SOLUTION
    return a_basis.T @ a_basis  # (d, d): the orthogonal projector onto A
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_extract_matrix", "grade": true, "points": 2}
"""Check extract_matrix in R^5 with A = span(e1, e2) and B = span(e3, e4)."""
_E = torch.eye(5, dtype=torch.float64)
_M = extract_matrix(_E[:2])
assert tuple(_M.shape) == (5, 5), f"M must be (d, d) = (5, 5), got {tuple(_M.shape)}."
_va = 2 * _E[0] - 3 * _E[1]
_vb = 7 * _E[2] + _E[3]
assert torch.allclose(_M @ (_va + _vb), _va), (
    f"M (v_a + v_b) should be v_a = {_va.tolist()}, got {(_M @ (_va + _vb)).tolist()}."
)
print("extract_matrix: visible checks passed.")

# %% nbgrader={"grade_id": "test_extract_matrix_hidden", "grade": true, "points": 2}
"""Hidden: random orthonormal subspaces of several sizes, random v_a and v_b."""
assert extract_matrix(torch.eye(3, dtype=torch.float64)[:1]) is not None, "returned None."

# %% [markdown]
# ### 4. `average_query` (4 points)
#
# Let $v_a, v_b$ be two values with keys $k_a, k_b$, and assume all keys are orthogonal with
# norm 1. Return a query $q$ (from the keys and a scale $\beta > 0$) with
# $c \approx \frac12 (v_a + v_b)$, the approximation becoming exact as $\beta \to \infty$.
# The tests check that $\alpha_a = \alpha_b$ (to within $10^{-3}$), that the weight left on the
# other keys shrinks as $\beta$ grows and vanishes (below $10^{-9}$) at $\beta = 3000$, and that
# from $\beta = 20$ on $\alpha_a$ and $\alpha_b$ are within $10^{-3}$ of $\frac12$. With keys
# sampled as in 6a (the means plus noise of size $10^{-4}$) and your query built from the means at
# $\beta = 30$, $c$ must be within 2% of $\|v_a - v_b\|$ of $\frac12(v_a + v_b)$ in each of
# 300 samples.


# %% nbgrader={"grade_id": "average_query", "solution": true}
def average_query(keys, a, b, beta):
    """A query (d,) whose attention output is about (v_a + v_b) / 2 when beta is large."""
    ### BEGIN SOLUTION
    return beta * (keys[a] + keys[b])
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_average_query", "grade": true, "points": 2}
"""Check average_query on 6 orthonormal keys: alpha_a = alpha_b close to 1/2 at beta = 20."""
_g = torch.Generator().manual_seed(0)
_K = orthonormal_rows(6, 8, _g)
_V = torch.randn(6, 8, dtype=torch.float64, generator=_g)
_c, _alpha = attend(average_query(_K, 1, 4, 20.0), _K, _V)
assert abs(_alpha[1] - 0.5) < 1e-3 and abs(_alpha[4] - 0.5) < 1e-3, (
    f"alpha_a = {_alpha[1]:.3f}, alpha_b = {_alpha[4]:.3f}: both should be about 1/2, which "
    "needs k_a^T q = k_b^T q, both much larger than the other scores."
)
assert torch.allclose(_c, (_V[1] + _V[4]) / 2, atol=1e-2), "c should be about (v_a + v_b) / 2."
print("average_query: visible checks passed.")

# %% nbgrader={"grade_id": "test_average_query_hidden", "grade": true, "points": 2}
"""Hidden: other sizes and pairs, and keys sampled around orthonormal means as in 6a."""
assert average_query(torch.eye(3, dtype=torch.float64), 0, 1, 5.0) is not None, "returned None."

# %% [markdown]
# ### 5. Why `average_query` works (3 points, written)
#
# Give your query as a formula and justify it: compute $k_i^\top q$ for $i = a$, $i = b$ and
# the other keys, then $\alpha_a$ and $\alpha_b$, and say what happens as $\beta$ grows.

# %% [markdown] nbgrader={"grade_id": "average_answer", "solution": true, "grade": true, "points": 3}
# **Model answer.** $q = \beta (k_a + k_b)$ with $\beta \gg 0$. Since the keys are orthonormal,
# $k_a^\top q = k_b^\top q = \beta$ and $k_i^\top q = 0$ for $i \notin \{a, b\}$, so
# $\alpha_a = \alpha_b = \frac{e^{\beta}}{2 e^{\beta} + (n - 2)} \to \frac12$ and the other
# $\alpha_i = \frac{1}{2e^\beta + n - 2} \to 0$ as $\beta \to \infty$; hence
# $c \to \frac12 (v_a + v_b)$. The two scores must be *equal* (same coefficient on $k_a$ and
# $k_b$) for the weights to split evenly, and *large* to drown the others.
#
# **Mark scheme (3).**
# - 1: $q = \beta(k_a + k_b)$ (or any equal, large multiple of both keys).
# - 1: the scores: $\beta$ for $a$ and $b$, 0 for the rest, using orthonormality.
# - 1: $\alpha_a = \alpha_b \to \frac12$, the rest $\to 0$ as $\beta$ grows.

# %% [markdown]
# ### 6. Drawbacks of single-headed attention (5 points, written)
#
# Now the keys are random, $k_i \sim \mathcal{N}(\mu_i, \Sigma_i)$: the means $\mu_i$ are known
# to you, orthogonal and of norm 1, but the covariances $\Sigma_i$ are unknown.
#
# **a.** Let $\Sigma_i = \alpha I$ for all $i$, with $\alpha$ vanishingly small. Design a query
# $q$ in terms of the $\mu_i$ such that as before $c \approx \frac12 (v_a + v_b)$, and argue
# briefly why it works.
#
# **b.** Now let $\Sigma_a = \alpha I + \frac12 \mu_a \mu_a^\top$ for vanishingly small
# $\alpha$, and $\Sigma_i = \alpha I$ for $i \ne a$: $k_a$ points roughly along $\mu_a$ but
# its *length* varies a lot. Sample the keys many times and use your $q$ from (a): what does $c$
# look like qualitatively across samples? How does it differ from (a), and what happens to the
# variance of $c$?
#
# The cell below samples the keys of (b) and prints $\alpha_a$ and $\alpha_b$ for a few samples,
# with your `average_query` built from the means.

# %%
_g = torch.Generator().manual_seed(6)
mu = orthonormal_rows(6, 8, _g)  # (n, d) means
q_single = average_query(mu, 0, 1, 30.0)
for _sample in range(6):
    gamma = 1 + torch.randn((), dtype=torch.float64, generator=_g) / 2**0.5  # k_a = gamma mu_a
    keys = mu + 1e-4 * torch.randn(6, 8, dtype=torch.float64, generator=_g)
    keys[0] = gamma * mu[0] + 1e-4 * torch.randn(8, dtype=torch.float64, generator=_g)
    alpha = torch.softmax(keys @ q_single, 0)
    print(f"|k_a| = {gamma:5.2f}   alpha_a = {alpha[0]:.3f}   alpha_b = {alpha[1]:.3f}")

# %% [markdown] nbgrader={"grade_id": "single_head_answer", "solution": true, "grade": true, "points": 5}
# **Model answer.** (a) $q = \beta(\mu_a + \mu_b)$ with $\beta \gg 0$. With vanishing
# covariance every $k_i \approx \mu_i$, so the keys are (almost) orthonormal and the argument of
# question 5 applies: $k_a^\top q \approx k_b^\top q \approx \beta$, the other scores are
# $\approx 0$, and $c \approx \frac12(v_a + v_b)$.
# (b) Now $k_a \approx \gamma \mu_a$ with $\gamma \sim \mathcal{N}(1, \frac12)$ (the extra
# covariance acts only along $\mu_a$), so $k_a^\top q \approx \gamma\beta$ while
# $k_b^\top q \approx \beta$. Then
# $\alpha_a \approx \frac{1}{1 + e^{\beta(1 - \gamma)}}$ and $\alpha_b = 1 - \alpha_a$: because
# $\beta$ is large, any $\gamma > 1$ gives $\alpha_a \approx 1$ ($c \approx v_a$), any
# $\gamma < 1$ gives $\alpha_b \approx 1$ ($c \approx v_b$). Across samples $c$ jumps between
# (nearly) $v_a$ and $v_b$, about half of the time each, instead of staying at
# $\frac12(v_a + v_b)$: its mean is still about the average but its variance is large (about
# $\frac14 \|v_a - v_b\|^2$), where in (a) it was nearly 0.
#
# **Mark scheme (5).**
# - 2: (a) $q = \beta(\mu_a + \mu_b)$, $\beta$ large, with the reason (keys ≈ means, which are
#   orthonormal, so question 5 applies). 1 without a reason.
# - 2: (b) scores $\gamma\beta$ vs $\beta$: a small change in $\|k_a\|$ is multiplied by a large
#   $\beta$, so the softmax saturates towards $a$ or towards $b$.
# - 1: (b) $c$ flips between $\approx v_a$ and $\approx v_b$ across samples: high variance,
#   unlike (a).

# %% [markdown]
# ### 7. `two_head_queries`: benefits of multi-headed attention (5 points)
#
# Two heads with queries $q_1, q_2$ give $c_1$ and $c_2$ (single-head attention each, same keys
# and values), and the output is their average $c = \frac12 (c_1 + c_2)$. With the keys and
# means of question 6 (and $\Sigma_i = \alpha I$, $\alpha$ vanishingly small), return two
# **different** queries, built from the means and $\beta$, such that
# $c \approx \frac12(v_a + v_b)$. The hidden test samples the keys as in 8b below ($\beta = 30$,
# noise of size $10^{-3}$, samples with $|k_a|$'s factor $\gamma \le 0$ left out): $c$ must be
# within 5% of $\|v_a - v_b\|$ of $\frac12(v_a + v_b)$ in more than 85% of the samples, and
# its variance across samples below $0.05 \|v_a - v_b\|^2$ and below a quarter of the single
# head's, $q = \beta(\mu_a + \mu_b)$.


# %% nbgrader={"grade_id": "two_head_queries", "solution": true}
def two_head_queries(means, a, b, beta):
    """Queries (q1, q2), each (d,), whose two heads average to about (v_a + v_b) / 2."""
    ### BEGIN SOLUTION
    return beta * means[a], beta * means[b]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_two_head_queries", "grade": true, "points": 2}
"""Check two_head_queries with keys equal to the means: c = (c1 + c2)/2 is about (v_a + v_b)/2."""
_g = torch.Generator().manual_seed(0)
_mu = orthonormal_rows(6, 8, _g)
_V = torch.randn(6, 8, dtype=torch.float64, generator=_g)
_q1, _q2 = two_head_queries(_mu, 1, 4, 20.0)
assert not torch.allclose(_q1, _q2), "q1 and q2 must differ: each head should do its own part."
_c = (attend(_q1, _mu, _V)[0] + attend(_q2, _mu, _V)[0]) / 2
assert torch.allclose(_c, (_V[1] + _V[4]) / 2, atol=1e-2), (
    "(c1 + c2) / 2 should be about (v_a + v_b) / 2 when the keys equal the means."
)
print("two_head_queries: visible checks passed.")

# %% nbgrader={"grade_id": "test_two_head_queries_hidden", "grade": true, "points": 3}
"""Hidden: keys sampled as in 8b (|k_a| varies): c stays near (v_a + v_b)/2 with a small variance."""
assert two_head_queries(torch.eye(3, dtype=torch.float64), 0, 1, 5.0) is not None, "returned None."

# %% [markdown]
# ### 8. Benefits of multi-headed attention (4 points, written)
#
# **a.** With $\Sigma_i = \alpha I$ ($\alpha$ vanishingly small), give your $q_1, q_2$ as
# formulas and explain why $c \approx \frac12 (v_a + v_b)$.
#
# **b.** With $\Sigma_a = \alpha I + \frac12 \mu_a\mu_a^\top$ and $\Sigma_i = \alpha I$ for
# $i \ne a$, take the same $q_1$ and $q_2$. What do you expect $c$ to look like across samples
# of the keys? Explain briefly in terms of the variance of $c_1$ and $c_2$ (ignore samples with
# $k_a^\top q_i < 0$). The cell below shows it numerically.

# %%
q1, q2 = two_head_queries(mu, 0, 1, 30.0)
_g = torch.Generator().manual_seed(8)
for _sample in range(6):
    gamma = 1 + torch.randn((), dtype=torch.float64, generator=_g) / 2**0.5
    keys = mu + 1e-4 * torch.randn(6, 8, dtype=torch.float64, generator=_g)
    keys[0] = gamma * mu[0] + 1e-4 * torch.randn(8, dtype=torch.float64, generator=_g)
    a1, a2 = torch.softmax(keys @ q1, 0), torch.softmax(keys @ q2, 0)
    print(f"|k_a| = {gamma:5.2f}   head 1: alpha_a = {a1[0]:.3f}   head 2: alpha_b = {a2[1]:.3f}")

# %% [markdown] nbgrader={"grade_id": "multi_head_answer", "solution": true, "grade": true, "points": 4}
# **Model answer.** (a) $q_1 = \beta\mu_a$, $q_2 = \beta\mu_b$, $\beta \gg 0$. Each head copies
# one value (question 1): $k_a^\top q_1 \approx \beta$ while every other score of head 1 is
# $\approx 0$, so $c_1 \approx v_a$; likewise $c_2 \approx v_b$; hence
# $c = \frac12(c_1 + c_2) \approx \frac12(v_a + v_b)$.
# (b) $k_a \approx \gamma\mu_a$ changes only head 1's score of $a$, to $\gamma\beta$, which is
# still far above the other scores of head 1 ($\approx 0$) for any $\gamma$ that is not close to
# 0: $c_1 \approx v_a$ in (almost) every sample. Head 2 never looks at $k_a$ (its score is
# $\gamma\beta\,\mu_a^\top\mu_b \approx 0$), so $c_2 \approx v_b$. Both $c_1$ and $c_2$ have
# (almost) no variance, so $c \approx \frac12(v_a + v_b)$ in every sample, unlike the single
# head of question 6b, whose output flipped between $v_a$ and $v_b$.
#
# **Mark scheme (4).**
# - 2: (a) $q_1 = \beta\mu_a$, $q_2 = \beta\mu_b$ (large $\beta$), each head copying one value.
# - 2: (b) the norm of $k_a$ no longer competes with $k_b$ inside one softmax: $c_1 \approx v_a$
#   and $c_2 \approx v_b$ with little variance, so $c$ is stable. 1 if the conclusion is right
#   but not explained through $c_1$, $c_2$.

# %% [markdown]
# ## Part 2 · Pretraining and knowledge access (41 points)
#
# Can a language model store facts read in pretraining, and can a finetuned model *use* them?
# The task is a very simple form of question answering:
#
# > Q: Where was [person] born?
# > A: [place]
#
# The model is a small character-level GPT, written like Karpathy's
# [minGPT](https://github.com/karpathy/minGPT): read
# [`nlpcourse/gpt.py`](nlpcourse/gpt.py) (or
# `gpt??` in a cell): `GPTConfig` (a comment per field), `CausalSelfAttention` (with shape
# comments), `GPT`, and a `Trainer` with a progress bar and `device="auto"`. Its loss ignores
# the padding character `PAD_CHAR` (□, id 0) in the **targets**: a dataset marks the positions
# that must not be learned by putting PAD there.
#
# **The data.** CS224n uses Wikipedia biographies, which cannot be downloaded everywhere, so
# [`nlpcourse/birthplaces.py`](nlpcourse/birthplaces.py)
# *generates* a corpus of the same shape from a seed: fictional people with real birthplaces
# (a few cities are common, most rare). Pretraining reads short biographies of **everyone**,
# four per person, each worded differently (several wordings of a fact are what lets a model
# later *extract* it for a question: Allen-Zhu & Li, *Physics of Language Models 3.1*, 2023);
# finetuning sees "Where was X born?" pairs for some people only; we evaluate on the **others**,
# whose birthplace appears only in their biographies. (`birthplaces.read_documents` and
# `birthplaces.read_pairs` read CS224n's original `wiki.txt` and `birth_*.tsv` files, if you have
# them.)
#
# On a CPU the configuration is scaled down (a shorter block, a smaller model, smaller
# batches; the same people and the same number of steps); with a GPU it uses the CS224n model
# size and block size. Both configurations are `knowledge.CONFIGS` in
# [`nlpcourse/knowledge.py`](nlpcourse/knowledge.py),
# with the few helpers that run the experiment below (building a model, the trainer's settings,
# the held-out accuracy).

# %%
RUN = knowledge.run_name(device)  # "gpu" on CUDA, else "cpu"
cfg = dict(knowledge.CONFIGS[RUN])  # a copy: change a value here to try another setting
SEED = 0
data = birthplaces.generate(cfg["n_people"], cfg["n_finetune"], cfg["n_places"], seed=SEED)
vocab = gpt.CharVocab.from_texts(
    data.pretrain + [f"Where was {name} born?" for name, _ in data.finetune + data.evaluate]
)
print(f"configuration {RUN!r}: {cfg}")
print(
    f"{len(data.pretrain)} biographies, {len(data.finetune)} finetuning pairs, "
    f"{len(data.evaluate)} held-out pairs, {len(vocab)} characters"
)
for doc in data.pretrain[:3]:
    print("  ", doc)
print("finetuning pairs:", data.finetune[:3])

# %% [markdown]
# ### Warm-up: a character GPT on the biographies (not graded)
#
# Before your own work, see the model and its trainer on the plainest objective, as in minGPT's
# character demo (CS224n runs it on Shakespeare; here, on the biographies above): predict every
# next character of the text. `knowledge.TextWindows` cuts the joined biographies into windows
# of 32 characters; a GPT of 2 layers x 64 (111k parameters) trains for 600 steps of batch 32,
# then continues "X was born in" greedily for three held-out people (20 to 40 s on a CPU; the
# autograder skips this cell).
#
# What it shows: in a few hundred steps the loss falls from about $\ln V \approx 4.2$ (a
# uniform guess over the characters) to about 0.5, and the model writes well-spelled
# biographies in the corpus's wordings. But the birthplace it writes is not the person's: it is
# the same city for everyone, a guess. A short language-modelling run learns the *form* of the
# text, not the facts in it; storing the facts takes the long pretraining below, and getting
# them out for a question takes finetuning.

# %%
if not grading():
    demo_started = time.perf_counter()
    demo = knowledge.new_model(
        len(vocab), dict(block_size=32, n_layer=2, n_head=4, n_embd=64, dropout=0.0), seed=SEED
    )
    demo_losses = gpt.Trainer(
        demo,
        knowledge.TextWindows(" ".join(data.pretrain), vocab, 32),
        gpt.TrainerConfig(**knowledge.trainer_settings(600, 3e-3, 32, device="cpu")),
    ).train()
    print(
        f"next-character loss: {demo_losses[0]:.2f} at the first step, {demo_losses[-1]:.2f} "
        f"at the last ({time.perf_counter() - demo_started:.0f} s)"
    )
    for name, place in data.evaluate[:3]:
        x = vocab.encode(f"{name} was born in")[None, :]  # (1, T)
        sample = vocab.decode(gpt.generate(demo, x, 60)[0])  # T + 60 characters
        print(f"  {sample!r}   (born in {place})")

# %% [markdown]
# ### 9. `span_corruption` (14 points)
#
# Pretraining uses a *span corruption* objective (as in T5 and CS224n): hide a span of the
# document and learn to reconstruct it. Given a `document` (a string of at least 4 characters),
# `block_size` and a `random.Random` instance `rng`, return one corrupted training string:
#
# 1. **Truncate**: draw a length $\ell$ uniformly from the integers in
#    $[4, \lfloor \tfrac78 \cdot \text{block\_size} \rfloor]$ (`int(block_size * 7 / 8)`) and keep
#    the first $\ell$ characters, `t = document[:ℓ]` (all of it if the document is shorter).
#    The draw does not depend on the document: do not cap $\ell$ at `len(document)`, or a
#    short document is kept whole too rarely (the autograder checks this on a short one).
# 2. **Pick the masked span**: split `t` into `prefix + masked + suffix`, where `masked` is
#    non-empty and its length is random, **on average about a quarter** of `len(t)`
#    (e.g. uniform in $[1, \lfloor \text{len(t)}/2 \rfloor - 1]$, at least 1), and its start
#    is random too (uniform over the positions where it fits).
# 3. **Rearrange**: `prefix + MASK_CHAR + suffix + MASK_CHAR + masked`.
# 4. **Pad** with `PAD_CHAR` to exactly `block_size + 1` characters.
#
# Use only `rng` for randomness (so that the same seed gives the same strings, and 20 seeds more
# than 15 different ones). The dataset
# `birthplaces.SpanCorruptionDataset` turns the string `s` into the example
# `(x, y) = (s[:-1], s[1:])`: the model learns to continue `prefix ⁇ suffix ⁇` with the masked
# content, and its loss skips the padding. For instance, with `block_size = 24`,
#
# `"Kofi Torres was born in Lima."` → ℓ = 17 → `"Kofi Torres was b"` → masked `"res w"` →
# `"Kofi Tor⁇as b⁇res w□□□□□□"` (25 characters).
#
# **How the randomness is tested** (4,000 draws for each rule; a correct answer fails each
# with a probability of about $10^{-6}$): the truncated lengths reach both 4 and
# $\lfloor \tfrac78 \cdot \text{block\_size} \rfloor$ and pass a Kolmogorov-Smirnov test
# against the uniform distribution ($\sqrt{N} D < 2.7$); on a document shorter than that, the
# share of draws that keep it whole is within 5 standard deviations of its probability; the
# masked length is on average between 18% and 32% of `len(t)` and varies for a given
# `len(t)`; and the masked span's start passes the same Kolmogorov-Smirnov test against the
# uniform distribution over the positions where it fits.


# %% nbgrader={"grade_id": "span_corruption", "solution": true}
def span_corruption(document, block_size, rng):
    """prefix ⁇ suffix ⁇ masked, padded with PAD_CHAR to block_size + 1 characters."""
    ### BEGIN SOLUTION
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    n_masked = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - n_masked)
    prefix, masked, suffix = t[:start], t[start : start + n_masked], t[start + n_masked :]
    s = prefix + MASK_CHAR + suffix + MASK_CHAR + masked
    return s + PAD_CHAR * (block_size + 1 - len(s))
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_span_corruption", "grade": true, "points": 4}
"""Check span_corruption's structure on one document and 200 draws at block_size = 32."""
_doc = "Kofi Torres was born in Lima in 1950. He worked as a poet in Oslo."
for _i in range(200):
    _s = span_corruption(_doc, 32, random.Random(_i))
    assert isinstance(_s, str) and len(_s) == 33, (
        f"Return a string of block_size + 1 = 33 characters (padded with PAD_CHAR), got "
        f"{len(_s)}: {_s!r}"
    )
    assert _s.count(MASK_CHAR) == 2, f"Exactly two MASK_CHAR markers expected: {_s!r}"
    _prefix, _suffix, _rest = _s.split(MASK_CHAR)
    _masked = _rest.rstrip(PAD_CHAR)
    assert PAD_CHAR not in _prefix + _suffix + _masked, f"PAD_CHAR only at the end: {_s!r}"
    assert len(_masked) >= 1, f"The masked span must not be empty: {_s!r}"
    _t = _prefix + _masked + _suffix
    assert _doc.startswith(_t), (
        f"prefix + masked + suffix must be the truncated document (the start of it): from "
        f"{_s!r} we get {_t!r}. Is the span removed from its place, and are the markers in the "
        "order prefix ⁇ suffix ⁇ masked?"
    )
    assert 4 <= len(_t) <= 28, f"Truncated length must lie in [4, 28], got {len(_t)}: {_s!r}"
print("span_corruption: visible checks passed.")
print(span_corruption("Kofi Torres was born in Lima.", 24, random.Random(0)))

# %% nbgrader={"grade_id": "test_span_corruption_hidden", "grade": true, "points": 5}
"""Hidden: structure on random documents and block sizes, short documents, seeded randomness."""
assert span_corruption("abcdefgh", 16, random.Random(0)) is not None, "returned None."

# %% nbgrader={"grade_id": "test_span_corruption_statistics", "grade": true, "points": 5}
"""Hidden: over 4000 draws, the distributions (not only the means) of the truncation length,
on a long and on a short document, and of the masked span's length and start."""
assert span_corruption("abcdefgh", 16, random.Random(0)) is not None, "returned None."

# %% [markdown]
# ### 10. `NameDataset` (8 points)
#
# The finetuning examples. Item `i` of `NameDataset(pairs, vocab, block_size)` for the pair
# `(name, place)` is built from the question `q = f"Where was {name} born?"`:
#
# - the string `s = q + MASK_CHAR + place + MASK_CHAR`, padded with `PAD_CHAR` to
#   `block_size + 1` characters;
# - `x = s[:-1]`, and the targets `y = s[1:]` **with every position that predicts a character
#   of the question replaced by `PAD_CHAR`**: the model must learn to answer, not to ask. So
#   `y` starts with `len(q) - 1` PADs, then `MASK_CHAR + place + MASK_CHAR`, then PADs.
#
# Return `(vocab.encode(x), vocab.encode(y))`, two `LongTensor`s of shape `(block_size,)`. The
# finetuned model will then answer a question by continuing `q + MASK_CHAR` up to the next ⁇.


# %% nbgrader={"grade_id": "name_dataset", "solution": true}
class NameDataset(torch.utils.data.Dataset):
    """'Where was X born?⁇place⁇' examples; the loss only sees the answer part."""

    def __init__(self, pairs, vocab, block_size):
        self.pairs = list(pairs)
        self.vocab = vocab
        self.block_size = block_size

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        ### BEGIN SOLUTION
        name, place = self.pairs[i]
        question = f"Where was {name} born?"
        full = question + MASK_CHAR + place + MASK_CHAR
        full += PAD_CHAR * (self.block_size + 1 - len(full))
        x = full[:-1]
        y = PAD_CHAR * (len(question) - 1) + full[len(question) :]
        return self.vocab.encode(x), self.vocab.encode(y)
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_name_dataset", "grade": true, "points": 3}
"""Check NameDataset on one pair with block_size = 40."""
_voc = gpt.CharVocab.from_texts(["Where was Ada Okafor born?", "Lima"])
_ds = NameDataset([("Ada Okafor", "Lima")], _voc, 40)
assert len(_ds) == 1, f"len(NameDataset) is the number of pairs, got {len(_ds)}."
_x, _y = _ds[0]
assert tuple(_x.shape) == (40,) and tuple(_y.shape) == (40,), (
    f"x and y must have shape (block_size,) = (40,), got {tuple(_x.shape)}, {tuple(_y.shape)}."
)
_want_x = "Where was Ada Okafor born?⁇Lima⁇" + "□" * 8
assert _voc.decode(_x) == _want_x, f"x should be {_want_x!r}, got {_voc.decode(_x)!r}"
_want_y = "□" * 25 + "⁇Lima⁇" + "□" * 9
assert _voc.decode(_y) == _want_y, (
    f"y should be {_want_y!r}, got {_voc.decode(_y)!r}: the targets of the question's positions "
    "must be PAD, so that the loss only counts the answer."
)
print("NameDataset: visible checks passed.")

# %% nbgrader={"grade_id": "test_name_dataset_hidden", "grade": true, "points": 5}
"""Hidden: many random pairs and block sizes, dtypes, and the loss counts only the answer."""
_voc = gpt.CharVocab.from_texts(["Where was Ada Okafor born?", "Lima"])
assert NameDataset([("Ada Okafor", "Lima")], _voc, 40)[0] is not None, "returned None."

# %% [markdown]
# ### 11. `evaluate_places` (4 points)
#
# Given the true places and the predicted ones (two lists of strings of the same length),
# return `(total, correct)`: the number of pairs and the number of correct predictions. A
# prediction is correct when it equals the true place **ignoring case and surrounding
# whitespace** (`" lima"` is right for `"Lima"`). Raise a `ValueError` that says so when the two
# lists differ in length.


# %% nbgrader={"grade_id": "evaluate_places", "solution": true}
def evaluate_places(true_places, predicted_places):
    """(total, correct), comparing places case-insensitively after stripping whitespace."""
    ### BEGIN SOLUTION
    if len(true_places) != len(predicted_places):
        raise ValueError(
            f"{len(true_places)} true places but {len(predicted_places)} predictions: "
            "predict one place per person"
        )
    correct = sum(
        t.strip().lower() == p.strip().lower()
        for t, p in zip(true_places, predicted_places, strict=True)
    )
    return len(true_places), correct
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_evaluate_places", "grade": true, "points": 2}
"""Check evaluate_places on four predictions, two of which differ only in case or spaces."""
_got = evaluate_places(["Lima", "Oslo", "Paris", "Cairo"], ["Lima", "oslo ", "Rome", "Cai"])
assert tuple(_got) == (4, 2), (
    f"Expected (total, correct) = (4, 2): 'oslo ' counts as 'Oslo'; got {_got}."
)
print("evaluate_places: visible checks passed.")

# %% nbgrader={"grade_id": "test_evaluate_places_hidden", "grade": true, "points": 2}
"""Hidden: random cases, case and whitespace variants, empty lists, and a length mismatch."""
assert evaluate_places(["Lima"], ["Lima"]) is not None, "evaluate_places returned None."

# %% [markdown]
# ### 12. `predict_place` (5 points)
#
# Ask the model: encode the prompt `f"Where was {name} born?" + MASK_CHAR`, move it to
# `device`, continue it greedily (`gpt.generate(model, x, steps, stop_id=...)` does this for a
# `(1, T)` batch; at most `model.block_size - len(prompt)` new characters), and return the text
# the model wrote **after the prompt and before the next `MASK_CHAR`** (all of it if no ⁇ comes).


# %% nbgrader={"grade_id": "predict_place", "solution": true}
def predict_place(model, vocab, name, device):
    """The model's answer (str) to 'Where was {name} born?'."""
    ### BEGIN SOLUTION
    x = vocab.encode(f"Where was {name} born?{MASK_CHAR}")[None, :].to(device)  # (1, T)
    steps = model.block_size - x.shape[1]
    out = gpt.generate(model, x, steps, stop_id=vocab.stoi[MASK_CHAR])  # (1, T + steps)
    return vocab.decode(out[0, x.shape[1] :]).split(MASK_CHAR)[0]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_predict_place", "grade": true, "points": 2}
"""Check predict_place with a scripted model that answers 'Lima' to the right prompt only."""
_voc = gpt.CharVocab.from_texts(["Where was Ada Okafor born?", "Lima Oslo X"])


class _Scripted(torch.nn.Module):
    """Answers `answer` + ⁇ after the exact prompt; anything else makes it say 'X' forever."""

    def __init__(self, vocab, name, answer, block_size=64):
        super().__init__()
        self.vocab, self.block_size = vocab, block_size
        self.prompt = f"Where was {name} born?" + MASK_CHAR
        self.answer = answer + MASK_CHAR + "XXXX"
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx, targets=None):
        B, T = idx.shape  # (B, T)
        logits = torch.zeros(B, T, len(self.vocab))  # (B, T, V)
        for b in range(B):
            text = self.vocab.decode(idx[b])
            k = len(text) - len(self.prompt)
            ok = text.startswith(self.prompt) and 0 <= k < len(self.answer)
            logits[b, -1, self.vocab.stoi[self.answer[k] if ok else "X"]] = 10.0
        return logits, None


_got = predict_place(_Scripted(_voc, "Ada Okafor", "Lima"), _voc, "Ada Okafor", "cpu")
assert _got == "Lima", (
    f"Expected 'Lima', got {_got!r}. The prompt must be 'Where was Ada Okafor born?⁇' and the "
    "answer is what the model writes after it, up to the next ⁇ (not included)."
)
print("predict_place: visible checks passed.")

# %% nbgrader={"grade_id": "test_predict_place_hidden", "grade": true, "points": 3}
"""Hidden: other names and answers, an answer without a closing marker, and the step limit."""
assert predict_place(_Scripted(_voc, "Ada Okafor", "Oslo"), _voc, "Ada Okafor", "cpu") is not None

# %% [markdown]
# ### 13. `finetune` (5 points)
#
# Write `finetune(model, pairs, vocab, settings)`: build a `NameDataset` of the pairs with the
# model's block size (`model.block_size`), train the model on it with
# `gpt.Trainer(model, dataset, gpt.TrainerConfig(**settings))`, and return the list of
# losses that `Trainer.train()` returns. (The same `Trainer` with a `SpanCorruptionDataset`
# pretrains; you will see it below.) The hidden test runs it with learning rate 0 and checks
# that each loss you return is the cross-entropy of the answer characters (⁇ place ⁇) alone,
# to within $10^{-4}$.


# %% nbgrader={"grade_id": "finetune", "solution": true}
def finetune(model, pairs, vocab, settings):
    """Train model on NameDataset(pairs) with gpt.Trainer; return the losses."""
    ### BEGIN SOLUTION
    dataset = NameDataset(pairs, vocab, model.block_size)
    trainer = gpt.Trainer(model, dataset, gpt.TrainerConfig(**settings))
    return trainer.train()
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_finetune", "grade": true, "points": 2}
"""Check finetune on a tiny model for 3 steps: 3 losses, and the weights change."""
_voc = gpt.CharVocab.from_texts(["Where was Ada Okafor born?", "Lima Bo Li Oslo"])
torch.manual_seed(0)
_m = gpt.GPT(gpt.GPTConfig(len(_voc), 40, n_layer=1, n_head=2, n_embd=16, dropout=0.0))
_before = [p.detach().clone() for p in _m.parameters()]
_settings = dict(max_iters=3, batch_size=2, learning_rate=1e-2, progress=False, device="cpu")
_losses = finetune(_m, [("Ada Okafor", "Lima"), ("Bo Li", "Oslo")], _voc, _settings)
assert len(_losses) == 3, f"Return the 3 losses of Trainer.train(), got {_losses!r}."
assert any(not torch.equal(_a, _b) for _a, _b in zip(_before, _m.parameters())), (
    "The model's weights did not change: train it with gpt.Trainer."
)
print("finetune: visible checks passed.")

# %% nbgrader={"grade_id": "test_finetune_hidden", "grade": true, "points": 3}
"""Hidden: with learning rate 0, the loss finetune reports is the loss on the answer tokens only."""
assert _losses is not None, "finetune returned None."

# %% [markdown]
# ## Training: three accuracies
#
# All three are measured on the **held-out** people, whose birthplaces the finetuning data
# never mentions:
#
# 1. **Baseline**: always answer the most frequent birthplace of the finetuning pairs;
# 2. **No pretraining**: a fresh GPT finetuned on the question pairs only;
# 3. **Pretraining + finetuning**: the same GPT first pretrained with your span corruption on
#    all biographies, then finetuned exactly as in 2.
#
# The autograder skips these cells. On a CPU they take about 5 minutes in all on 2 cores
# (the progress bars show the steps; 4,000 pretraining steps are most of it); with a GPU they
# use the larger configuration. With a correct `span_corruption`, (3) answers about a fifth of
# the held-out people on the CPU configuration, against a few percent for (1) and (2).


# %%
# Finetuning is gentle: 50 steps of 32 pairs (about 10 passes over the 150 pairs) at a low
# learning rate. Longer or harder finetuning fits the finetuning pairs better but can overwrite
# what pretraining stored: try 150 steps at 1e-3 and compare the held-out accuracy.
FINETUNE = knowledge.trainer_settings(
    cfg["finetune_iters"], cfg["finetune_lr"], cfg["finetune_batch_size"]
)


accuracy = {}
if not grading():
    started, cpu_started = time.perf_counter(), time.process_time()
    baseline = data.most_frequent_place()
    _, hits = evaluate_places([p for _, p in data.evaluate], [baseline] * len(data.evaluate))
    accuracy["(i) baseline"] = hits / len(data.evaluate)
    print(f"(i) always {baseline!r}: {accuracy['(i) baseline']:.1%}")

    scratch = knowledge.new_model(len(vocab), cfg, SEED)
    print(f"GPT with {gpt.count_parameters(scratch):,} parameters on {device}")
    finetune(scratch, data.finetune, vocab, FINETUNE)
    # your predict_place on every held-out person, scored by your evaluate_places
    accuracy["(ii) no pretraining"], examples = knowledge.held_out_accuracy(
        scratch, vocab, data.evaluate, predict_place, evaluate_places, device
    )
    print(f"(ii) finetuned without pretraining: {accuracy['(ii) no pretraining']:.1%}", examples)

# %%
if not grading():
    model = knowledge.new_model(len(vocab), cfg, SEED)
    pretrain_data = birthplaces.SpanCorruptionDataset(
        data.pretrain, vocab, cfg["block_size"], span_corruption, seed=SEED
    )
    print("a pretraining example:", vocab.decode(pretrain_data[0][0]))
    gpt.Trainer(
        model,
        pretrain_data,
        gpt.TrainerConfig(
            **knowledge.trainer_settings(
                cfg["pretrain_iters"], cfg["pretrain_lr"], cfg["batch_size"]
            )
        ),
    ).train()
    finetune(model, data.finetune, vocab, FINETUNE)
    accuracy["(iii) pretraining + finetuning"], examples = knowledge.held_out_accuracy(
        model, vocab, data.evaluate, predict_place, evaluate_places, device
    )
    print("examples (name, predicted):", examples)
    for what, acc in accuracy.items():
        print(f"{what:>32}: {acc:.1%}")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"configuration {RUN!r}, seed {SEED}: {wall:.0f} s wall clock, {cpu:.0f} s CPU time")

# %% [markdown]
# ### 14. Your three accuracies, explained (5 points, written)
#
# Report your three accuracies. Then explain: **(a)** why the model finetuned without
# pretraining does no better than (or even worse than) the baseline on the held-out people;
# **(b)** where the pretrained model's knowledge comes from, and why it can answer questions
# about people absent from the finetuning data; **(c)** one reason why it is still far from
# 100%.

# %% [markdown] nbgrader={"grade_id": "results_answer", "solution": true, "grade": true, "points": 5}
# **Model answer.** (The CPU run with seed 0 gives (i) 3.3%, (ii) 0.0% and (iii) 21.1% on the
# 90 held-out people. Any run's own numbers are fine.) (a) Finetuning alone teaches the
# question format and the mapping from the *finetuning* names to places; a held-out name was
# never seen with its place, so the best the model can do is guess from the name's characters,
# which carry no information about the birthplace here (names and places are drawn
# independently): it guesses a frequent place at best, and often an unlikely one, so it is at
# or below the baseline.
# (b) Pretraining on the biographies makes the model predict the masked text, including the
# birthplace after "… was born in", from the name: the association name → place is stored in
# its weights for **every** person, held-out ones included. Finetuning only has to connect the
# question format to this stored association, which it learns from the finetuning people and
# which then transfers to the others. (c) The small model and short CPU training memorise only
# part of the biographies; a truncated or masked span often cuts off the name or the place, so
# each fact is seen only a few times; the place is in a different position and wording in each
# template; and finetuning may overwrite some of the pretrained knowledge. (Measured on the
# seed-0 CPU run: after pretraining, completing "X was born in" names the right city for
# about two thirds of the held-out people, so most of the loss is in *extracting* the stored
# fact through a question format never seen in pretraining, not in storing it.)
#
# **Mark scheme (5).**
# - 1: the three accuracies from the student's run, with (iii) clearly above (i) and (ii); or,
#   when the student's (iii) is not above them, the numbers reported as they are with an argued
#   reason (e.g. too few pretraining steps, a bug found and named): an honest negative result
#   earns this point, numbers bent to fit the expectation do not.
# - 1: (a) held-out names were never paired with a place in the data seen; the model can only
#   guess (names carry no information about places).
# - 2: (b) the fact is learnt from the biographies in pretraining (the span corruption objective
#   predicts the place from the name), for everyone; finetuning teaches the format / how to
#   retrieve it. 1 for "pretraining helps" without the mechanism.
# - 1: (c) any sound reason (capacity, few exposures per fact, truncation/masking, forgetting
#   during finetuning, exact-match scoring).
