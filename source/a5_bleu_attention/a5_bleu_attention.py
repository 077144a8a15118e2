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
# # A5 · BLEU, and an LSTM language model with input-feeding attention (60 points)
#
# First you score translations the way machine-translation papers do (corpus BLEU). Then you
# study three LSTM language models of growing power: a plain one, one that conditions on a
# source sentence, and one that *attends* to the source words (Luong et al., 2015), and you
# write the attention.
#
# | Question | What you hand in | Points | How it is checked |
# |---|---|---|---|
# | 1 | `get_ngram_counts(refs, hyp, n)` | 8 | tests |
# | 2 | `compute_bleu(reference_lists, hypotheses)` | 14 | tests; the autograder compares with `nltk` |
# | 3 | how the plain LM is trained (Markdown) | 6 | read by a grader with a mark scheme |
# | 4 | how the conditional LM is trained (Markdown) | 6 | read by a grader with a mark scheme |
# | 5 | `LuongAttention.score` | 8 | tests |
# | 6 | `LuongAttention.forward` | 10 | tests; the autograder adds padding and a small copy task |
# | 7 | `attention_example(...)` | 4 | tests |
# | 8 | your three perplexities; what the trained attention looks at (Markdown) | 4 | read by a grader with a mark scheme |
# | **Total** | | **60** | |
#
# **How you are graded.** Every question is followed by a test cell. The assertions you can
# see are a first check and tell you in plain words what is wrong. When you submit, the
# autograder checks your functions again from outside your notebook, on inputs drawn fresh for
# you (random corpora, other shapes, padding, edge cases), and your points come from those
# checks, part by part, with a message saying which part failed. A solution that only fits
# the visible examples loses points: write general code, not special cases. The autograder
# does not train the language models: it tests your functions on small inputs (and trains a
# tiny model with your attention on a copy task).
#
# **Rules.** Fill in the cells that say `YOUR CODE HERE` or `YOUR ANSWER HERE`, and nothing
# else: do not delete, copy or reorder cells. Before you submit, restart and run everything
# (Colab: *Runtime > Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run
# All Cells*) and check that no cell fails. The training cells take a few minutes on a CPU.

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook("a5_bleu_attention", gpu="optional")

# %%
import math
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

from nlpcourse import corpus, seq2seq
from nlpcourse.setup_cell import grading

# %% [markdown]
# ## Part A · BLEU (22 points)
#
# A sentence is a list of tokens. For a hypothesis $h$ (a system's translation) and references
# $r^{(1)}, \dots, r^{(M)}$ (human translations of the same sentence), let
# $\mathrm{NGRAMS}(h, n)$ be the list of all $n$-grams of $h$ (contiguous runs of $n$ tokens,
# as tuples; a sentence of length $L$ has $\max(0, L-n+1)$ of them), and $\#(g \mid r)$ the
# number of times the $n$-gram $g$ occurs in $r$.
#
# ### 1. `get_ngram_counts` (8 points)
#
# Return the pair of integers $(a_n, b_n)$ with $b_n = \max\{1, |\mathrm{NGRAMS}(h, n)|\}$ and
# the *clipped* match count
#
# $$ a_n = \sum_{(g, c)\, \in\, \mathrm{Counter}(\mathrm{NGRAMS}(h, n))}
#          \min\Big\{c,\ \max_{j=1}^{M} \#(g \mid r^{(j)})\Big\} $$
#
# where $(g, c)$ runs over the distinct $n$-grams $g$ of $h$ and their counts $c$. Clipping
# stops "the the the the" from scoring well against "the cat": an $n$-gram counts at most as
# often as it occurs in the one reference where it occurs most. `collections.Counter` helps.


# %% nbgrader={"grade_id": "get_ngram_counts", "solution": true}
def ngrams(tokens, n):
    """All n-grams of a token list, as tuples, in order."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def get_ngram_counts(refs, hyp, n):
    """(a_n, b_n): clipped n-gram matches of hyp against the references, and max(1, #n-grams)."""
    hyp_ngrams = ngrams(hyp, n)
    b_n = max(1, len(hyp_ngrams))
    ### BEGIN SOLUTION
    max_ref = Counter()
    for ref in refs:
        for g, k in Counter(ngrams(ref, n)).items():
            max_ref[g] = max(max_ref[g], k)
    a_n = sum(min(c, max_ref[g]) for g, c in Counter(hyp_ngrams).items())
    ### END SOLUTION
    return a_n, b_n


# %% nbgrader={"grade_id": "test_get_ngram_counts", "grade": true, "points": 3}
"""Check get_ngram_counts on two small examples you can count by hand."""
_refs = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]
_hyp = ["the", "the", "the", "cat"]
_got = get_ngram_counts(_refs, _hyp, 1)
assert tuple(_got) == (3, 4), (
    f"Unigrams of {_hyp}: 'the' occurs 3 times but at most 2 times in one reference, 'cat' once: "
    f"a_1 = 2 + 1 = 3, b_1 = 4. Got {_got}."
)
_got = get_ngram_counts(_refs, _hyp, 2)
assert tuple(_got) == (1, 3), (
    f"Bigrams: ('the','the') x2 never occurs in a reference, ('the','cat') once: (1, 3). Got {_got}."
)
print("get_ngram_counts: visible checks passed.")

# %% nbgrader={"grade_id": "test_get_ngram_counts_hidden", "grade": true, "points": 5}
"""Hidden: clipping by the maximum over several references, on random and hand-made cases."""
assert get_ngram_counts([["a", "b"]], ["a", "b"], 1) is not None, "get_ngram_counts returned None."

# %% [markdown]
# ### 2. `compute_bleu` (14 points)
#
# Corpus BLEU scores $N$ hypotheses at once: sentence $l$ has the hypothesis $h^{(l)}$ and the
# references $r^{(l,1)}, \dots, r^{(l,M_l)}$ ($M_l \ge 1$ may differ between sentences).
#
# $$ \mathrm{BLEU} = \min\Big\{1, \exp\Big(1 - \frac{R}{H}\Big)\Big\}
#    \times \Big(\prod_{n=1}^{4} p_n\Big)^{1/4}, \qquad
#    p_n = \frac{\sum_{l=1}^{N} a_n^{(l)}}{\sum_{l=1}^{N} b_n^{(l)}}, $$
#
# with $H = \sum_l |h^{(l)}|$ and $R = \sum_l |r^{(l, j^*_l)}|$, where $r^{(l, j^*_l)}$ is the
# reference whose length is **closest** to $|h^{(l)}|$:
# $j^*_l = \arg\min_j \big|\,|r^{(l,j)}| - |h^{(l)}|\,\big|$. When two references are equally
# close (one shorter, one longer), take the **shorter** one, as `nltk` does (the edge-case
# test checks this rule on its own; the random corpora of the other tests have no such tie).
#
# Mind three things: $p_n$ is a ratio of *sums over the corpus* (not an average of sentence
# scores); $n$-grams never cross from one sentence into the next; and when some $p_n = 0$
# BLEU is $0$: return `0.0` without an exception or a `log(0)` warning. You may assume
# $H > 0$.
#
# The autograder compares your BLEU with `nltk`'s `corpus_bleu` within an absolute `1e-10` on
# random corpora, and with the exact value within `1e-12` on its edge cases (a BLEU of 0 must
# be exactly `0.0`): any float64 formula passes, products or sums of logarithms.


# %% nbgrader={"grade_id": "compute_bleu", "solution": true}
def compute_bleu(reference_lists, hypotheses):
    """Corpus BLEU (4-grams, uniform weights, no smoothing) as a float in [0, 1]."""
    ### BEGIN SOLUTION
    a = [0] * 5
    b = [0] * 5
    R = H = 0
    for refs, hyp in zip(reference_lists, hypotheses, strict=True):
        for n in range(1, 5):
            a_n, b_n = get_ngram_counts(refs, hyp, n)
            a[n] += a_n
            b[n] += b_n
        H += len(hyp)
        R += min((len(r) for r in refs), key=lambda length: (abs(length - len(hyp)), length))
    if min(a[1:]) == 0:
        return 0.0
    log_precision = sum(math.log(a[n] / b[n]) for n in range(1, 5)) / 4
    return min(1.0, math.exp(1 - R / H)) * math.exp(log_precision)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_compute_bleu", "grade": true, "points": 4}
"""Check compute_bleu on a perfect match, a hypothesis with nothing in common, and one example."""
_s = "the quick brown fox jumps over the lazy dog".split()
_got = compute_bleu([[_s]], [_s])
assert abs(_got - 1.0) < 1e-12, f"A hypothesis equal to its reference scores 1.0, got {_got}."
_got = compute_bleu([[_s]], [["a", "b", "c", "d", "e"]])
assert _got == 0.0, f"No n-gram in common: BLEU must be exactly 0.0, got {_got}."
_refs = [[_s, "a quick brown fox leaps over a lazy dog".split()]]
_hyp = "the quick brown fox leaps over the dog".split()
# By hand: all 8 unigrams match; 6 of 7 bigrams ('the dog' is in no reference); 4 of 6
# trigrams; 3 of 5 4-grams (an n-gram may match in either reference). R = 9, H = 8.
_want = math.exp(1 - 9 / 8) * (8 / 8 * 6 / 7 * 4 / 6 * 3 / 5) ** 0.25
_got = compute_bleu(_refs, [_hyp])
assert abs(_got - _want) < 1e-12, (
    f"Expected p_1..p_4 = 8/8, 6/7, 4/6, 3/5 and the brevity penalty exp(1 - 9/8): "
    f"BLEU = {_want:.6f}; got {_got}."
)
print("compute_bleu: visible checks passed.")

# %% nbgrader={"grade_id": "test_compute_bleu_nltk", "grade": true, "points": 6}
"""Hidden: agreement with nltk's corpus_bleu to 1e-10 on many random corpora with 1-4 references."""
assert compute_bleu([[["a", "b", "c", "d"]]], [["a", "b", "c", "d"]]) is not None, (
    "compute_bleu returned None."
)

# %% nbgrader={"grade_id": "test_compute_bleu_edge_cases", "grade": true, "points": 4}
"""Hidden: no matches, short hypotheses, brevity penalty on and off, equally close references."""
assert compute_bleu([[["a", "b", "c", "d"]]], [["a", "b", "c", "d"]]) is not None, (
    "compute_bleu returned None."
)

# %% [markdown]
# Your BLEU on a small example (three sentences, the first with two references):

# %%
_example_refs = [
    ["the cat sat on the mat".split(), "there is a cat on the mat".split()],
    ["it is raining hard in the city today".split()],
    ["he read the book in one night".split()],
]
_example_hyps = [
    "the cat sat on a mat".split(),
    "it rains hard in the city today".split(),
    "he read the whole book in one night".split(),
]
print(f"BLEU = {compute_bleu(_example_refs, _example_hyps):.4f}")

# %% [markdown]
# ## Part B · Three language models (12 points, written)
#
# The models and their training code are in the course package: read
# [`nlpcourse/seq2seq.py`](nlpcourse/seq2seq.py)
# and [`nlpcourse/corpus.py`](nlpcourse/corpus.py)
# (or `seq2seq??` in a cell). The data is the Lee corpus, 299 English news stories that ship
# with the `gensim` package, so nothing is downloaded; to keep training to a few minutes on a
# CPU we use its first 1,000 sentences (cut at 30 tokens: about 23k tokens). As in
# the original assignment we **train and evaluate on the same sentences**, for speed: the
# perplexities below measure how well each model *fits* the data, never how it generalises;
# you would not report them in a paper.
#
# The cells below train when you run the notebook yourself (a few minutes on a CPU) and are
# skipped by the autograder.

# %%
SEED = 0
sentences = corpus.load_sentences(max_len=30)[:1000]
vocab = corpus.Vocab.build(sentences, min_count=2)
print(f"{len(sentences)} sentences, {sum(map(len, sentences))} tokens, vocabulary {len(vocab)}")
print(" ".join(sentences[1]))
EPOCHS, DIM, LR = 6, 128, 2e-3
perplexity = {}

# %% [markdown]
# **The unconditional LM.** All sentences, each followed by `<eos>`, form one long stream of
# tokens, folded into a matrix of $B$ parallel columns, $(T_{long} \times B)$:

# %%
stream = corpus.lm_stream(sentences, vocab, batch_size=32)  # (T_long, B)
print("stream:", tuple(stream.shape))
print("column 0 starts:", " ".join(vocab.decode(stream[:12, 0])))
print("column 1 starts:", " ".join(vocab.decode(stream[:12, 1])))
if not grading():
    torch.manual_seed(SEED)
    lm = seq2seq.LSTMLM(len(vocab), DIM).to(device)
    seq2seq.train(lm, stream, EPOCHS, lr=LR, bptt=35)
    perplexity["unconditional"] = seq2seq.perplexity(lm, stream, bptt=35)

# %% [markdown]
# ### 3. How the plain LM is trained (6 points, written)
#
# Track the computation in `seq2seq.train` and `seq2seq.lm_epoch` and explain, in a few
# sentences each: **(1)** what `bptt` (backpropagation through time) does; **(2)** in which
# function the loss is computed and the gradients are calculated; **(3)** how the model
# "carries over" the hidden state from the previous batch, and why it is detached.

# %% [markdown] nbgrader={"grade_id": "lm_training_answer", "solution": true, "grade": true, "points": 6}
# **Model answer.** (1) `bptt` is the window length of truncated backpropagation through time:
# `lm_epoch` cuts the $(T_{long} \times B)$ stream into consecutive slices of `bptt` rows
# (inputs `stream[i:i+bptt]`, targets shifted by one row), runs the LSTM over one slice at a
# time and back-propagates only through those `bptt` steps, so memory and time per update stay
# bounded however long the text is; dependencies longer than a window are still seen in the
# forward pass through the carried state but get no gradient. (2) In `seq2seq.lm_epoch`: the
# model returns logits, `F.cross_entropy` over all `bptt × B` positions gives the loss and
# `loss.backward()` computes the gradients (then clipping and `optimizer.step()`); `train` only
# calls it once per epoch. (3) `lm_epoch` keeps the `(h, c)` that the LSTM
# returns for the last row of a window and passes it as the initial state of the next window,
# which continues the same columns of text; `detach_hidden` cuts it from the graph first, so
# the values carry over but backpropagation stops at the window's edge (otherwise the graph
# and the gradient computation would grow to the whole stream).
#
# **Mark scheme (6).**
# - 2: (1) windows of `bptt` time steps over the stream, gradients only within a window
#   (truncation); 1 if only "the sequence length of a batch" without the truncation.
# - 2: (2) names `lm_epoch` (or the loop in it) with cross-entropy and `backward()`; 1 for
#   `train` alone or for naming the loss but not where gradients are computed.
# - 2: (3) the final `(h, c)` of one window becomes the initial state of the next (same
#   columns continue the text); detaching keeps the value but stops backpropagation. 1 without
#   the detach.

# %% [markdown]
# **The conditional LM.** Now each target sentence comes with a source sentence, here the very
# same sentence. Sentences of similar length are grouped into padded bundles:

# %%
bundles = corpus.translation_batches(sentences, vocab, batch_size=16, seed=SEED)
_b = bundles[0]
print(
    "src", tuple(_b.src.shape), "tgt_in", tuple(_b.tgt_in.shape), "tgt_out", tuple(_b.tgt_out.shape)
)
print("src[0]   :", " ".join(vocab.decode(_b.src[0])))
print("tgt_in[0]:", " ".join(vocab.decode(_b.tgt_in[0])))
if not grading():
    torch.manual_seed(SEED)
    cond = seq2seq.Seq2SeqLM(len(vocab), DIM, pad=vocab.pad).to(device)
    seq2seq.train(cond, bundles, EPOCHS, lr=LR)
    perplexity["conditional"] = seq2seq.perplexity(cond, bundles)

# %% [markdown]
# ### 4. How the conditional LM is trained (6 points, written)
#
# Explain: **(1)** why `bptt` is no longer used; **(2)** in which function the model encodes
# the source sentence; **(3)** in which function, and how, the decoder conditions on the final
# encoding of the source.

# %% [markdown] nbgrader={"grade_id": "cond_training_answer", "solution": true, "grade": true, "points": 6}
# **Model answer.** (1) Each bundle row is one whole (source, target) pair, padded to the
# longest sentence of the bundle, and the pairs are independent: nothing flows from one
# bundle to the next, so there is no endless stream to cut into windows or state to carry
# over. Sentences are short (at most 30 tokens here), so backpropagating through the whole
# sentence is affordable. (2) In `Seq2SeqLM.encode` (called from `forward`): the source
# embeddings are packed with their true lengths (`pack_padded_sequence`) and run through the
# encoder LSTM, which returns all encoder states and the final `(h, c)` of each source, taken
# at its last real token, not at padding. (3) In `Seq2SeqLM.forward`: the final encoder
# `(h, c)` is the initial state of the decoder LSTM (`self.decoder(emb, (h, c))`), so every
# target word is predicted from a state that starts with a summary of the source.
#
# **Mark scheme (6).**
# - 2: (1) independent padded sentence pairs, no state carried between batches, whole
#   sentences are short enough to backpropagate through. 1 for "the batches are sentences"
#   alone.
# - 2: (2) `encode` (packing by length is a plus, not required).
# - 2: (3) `forward`, the encoder's final state initialises the decoder. 1 if the function is
#   right but the mechanism is missing or wrong.

# %% [markdown]
# ## Part C · Input-feeding attention (26 points)
#
# Instead of squeezing the source into one final state, the decoder can look at every encoder
# state at every step. With queries $Q \in \mathbb{R}^{B \times T' \times d}$ (decoder states
# $h_t$) and keys $K \in \mathbb{R}^{B \times T \times d}$ (encoder states, which also serve as
# values), Luong's "general" score is
#
# $$ L[l]_{i,j} = (W Q[l]_{i,:})^\top K[l]_{j,:} \qquad l = 1 \dots B, $$
#
# where $W \in \mathbb{R}^{d \times d}$ is `self.linear_in.weight`: apply `self.linear_in` to
# the queries. The attention weights are a softmax over the **source positions**
# $j$, $\alpha[l]_{i,:} = \mathrm{softmax}(L[l]_{i,:})$, padded source positions get weight
# $0$, and the context is $c[l]_{i} = \sum_j \alpha[l]_{i,j} K[l]_{j,:}$. Eq. (5) of Luong et
# al. (2015) then gives the attentional state
#
# $$ \tilde h_t = \tanh\big(W_c\, [c_t; h_t]\big), $$
#
# with $W_c$ = `self.linear_out` ($2d \to d$, no bias) applied to the concatenation of the
# context **first** and the query second. `seq2seq.AttentionBase` creates both layers.
#
# ### 5. `score` (8 points)
#
# Return $L$ of shape $(B, T', T)$ with `self.linear_in` and `torch.bmm` (or `@`); no Python
# loops. `transpose` swaps two dimensions.
#
# ### 6. `forward` (10 points)
#
# `forward(queries, keys, mask=None)` with `queries` $(B, T', d)$, `keys` $(B, T, d)$ and
# `mask` a boolean $(B, T)$ tensor that is `True` at real source tokens and `False` at padding
# (or `None`: no padding). Return `(attn_h, weights)`: $\tilde h$ of shape $(B, T', d)$ and the
# attention weights $(B, T', T)$. Set the scores of padded keys to `-inf` before the softmax
# (`scores.masked_fill(~mask[:, None, :], float("-inf"))`); every row has at least one real key.
#
# The autograder sets the weights and compares with float64 references on several shapes:
# `score`'s values within `rtol = 1e-4, atol = 1e-5` and its gradients (to `linear_in`'s
# weight and to the queries) within `rtol = atol = 1e-4`; `forward`'s weights and `attn_h`
# within `rtol = 1e-4, atol = 1e-5`, padded keys' weights below `1e-6`, and other values at the
# padded keys changing `attn_h` by at most `1e-6`. Its copy task trains a small
# `Seq2SeqLM` (vocabulary 12, sentences of 7 tokens, some padded, width 32) with your attention
# for 250 Adam steps (batches of 32, learning rate 0.01) and passes when, on 200 new
# sentences, over 90% of the tokens are copied right, the attention peaks at the aligned
# source token over 80% of the time, and padded source positions get weights below `1e-6`.


# %% nbgrader={"grade_id": "luong_attention", "solution": true}
class LuongAttention(seq2seq.AttentionBase):
    """Luong et al. (2015) general attention with the attentional state of Eq. (5)."""

    def score(self, Q, K):
        """Q (B, T', d), K (B, T, d) -> scores (B, T', T)."""
        ### BEGIN SOLUTION
        return torch.bmm(self.linear_in(Q), K.transpose(1, 2))  # (B, T', T)
        ### END SOLUTION

    def forward(self, queries, keys, mask=None):
        """-> attn_h (B, T', d), weights (B, T', T)."""
        ### BEGIN SOLUTION
        scores = self.score(queries, keys)  # (B, T', T)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = F.softmax(scores, dim=-1)  # (B, T', T)
        context = torch.bmm(weights, keys)  # (B, T', d)
        attn_h = torch.tanh(self.linear_out(torch.cat([context, queries], dim=-1)))  # (B, T', d)
        return attn_h, weights
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_score", "grade": true, "points": 3}
"""Check score's shape with T' != T != d, and one value against the formula."""
torch.manual_seed(0)
_att = LuongAttention(4)
_Q, _K = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
_L = _att.score(_Q, _K)
assert tuple(_L.shape) == (2, 3, 5), (
    f"score must return (B, T', T) = (2, 3, 5), got {tuple(_L.shape)}."
)
_want = (_att.linear_in.weight @ _Q[1, 2]) @ _K[1, 4]
assert torch.allclose(_L[1, 2, 4], _want, atol=1e-5), (
    f"L[1][2, 4] should be (W q)^T k = {_want.item():.5f}, got {_L[1, 2, 4].item():.5f}. Did you "
    "apply self.linear_in to the queries?"
)
print("score: visible checks passed.")

# %% nbgrader={"grade_id": "test_score_hidden", "grade": true, "points": 5}
"""Hidden: score against an einsum reference on several shapes, and its gradient flow."""
assert LuongAttention(3).score(torch.randn(1, 2, 3), torch.randn(1, 4, 3)) is not None, (
    "score returned None."
)

# %% nbgrader={"grade_id": "test_forward", "grade": true, "points": 3}
"""Check forward's output shapes and that each weight row is a distribution over the keys."""
torch.manual_seed(0)
_att = LuongAttention(4)
_h, _w = _att(torch.randn(2, 3, 4), torch.randn(2, 5, 4))
assert tuple(_h.shape) == (2, 3, 4), (
    f"attn_h must be (B, T', d) = (2, 3, 4), got {tuple(_h.shape)}."
)
assert tuple(_w.shape) == (2, 3, 5), (
    f"weights must be (B, T', T) = (2, 3, 5), got {tuple(_w.shape)}."
)
assert torch.allclose(_w.sum(-1), torch.ones(2, 3), atol=1e-5), (
    "Each query's weights must sum to 1 over the T source positions: softmax over the last axis."
)
assert _h.abs().max() <= 1, "attn_h is the output of tanh, so it lies in [-1, 1]."
print("forward: visible checks passed.")

# %% nbgrader={"grade_id": "test_forward_hidden", "grade": true, "points": 4}
"""Hidden: forward against a reference computed with explicit loops, with and without padding."""
assert LuongAttention(3)(torch.randn(1, 2, 3), torch.randn(1, 4, 3)) is not None, (
    "forward returned None."
)

# %% nbgrader={"grade_id": "test_copy_task", "grade": true, "points": 3}
"""Hidden: a small model with your attention learns to copy; it must look at the aligned token."""
assert LuongAttention(3)(torch.randn(1, 2, 3), torch.randn(1, 4, 3)) is not None, (
    "forward returned None."
)

# %% [markdown]
# **The attention model.** The same conditional model, now with your `LuongAttention` plugged
# into its decoder (`seq2seq.Seq2SeqLM(..., attention=LuongAttention(DIM))`). At each step the
# decoder reads the previous word and the previous attentional state $\tilde h_{t-1}$ (input
# feeding), and predicts from $\tilde h_t$. All three models train with the same seed, size and
# number of epochs; the perplexities must come out in the order attention < conditional <
# unconditional.

# %%
if not grading():
    torch.manual_seed(SEED)
    attn = seq2seq.Seq2SeqLM(len(vocab), DIM, attention=LuongAttention(DIM), pad=vocab.pad).to(
        device
    )
    seq2seq.train(attn, bundles, EPOCHS, lr=LR)
    perplexity["attention"] = seq2seq.perplexity(attn, bundles)
    for _name, _ppl in perplexity.items():
        print(f"{_name:>13}: perplexity {_ppl:7.2f} after {EPOCHS} epochs (seed {SEED})")

# %% [markdown]
# ### 7. `attention_example` (4 points)
#
# Write `attention_example(model, vocab, sentence, step)` for a trained attention model and
# a tokenised sentence (source = target, as in training). Encode the sentence with
# `vocab.encode`, build the decoder input `[<bos>] + sentence ids` (`vocab.stoi["<bos>"]`), get
# the attention matrix with `model.attention_weights(src_ids, tgt_in_ids)` (shape
# $(T', T)$: decoder steps × source tokens), and return the distribution at decoder step
# `step` (0-based; at that step the decoder has read `tgt_in[step]` and predicts
# `sentence[step]`) as a list of `(source_token, weight)` pairs, one per source token, weights
# as Python floats. The autograder compares them with the model's own attention matrix
# within an absolute `1e-6`, at every step of a sentence holding an unknown word.


# %% nbgrader={"grade_id": "attention_example", "solution": true}
def attention_example(model, vocab, sentence, step):
    """[(source token, attention weight)] at decoder step `step` for one sentence."""
    ### BEGIN SOLUTION
    src = vocab.encode(sentence)
    tgt_in = [vocab.stoi[corpus.BOS], *src]
    weights = model.attention_weights(src, tgt_in)  # (T', T)
    return [(tok, float(w)) for tok, w in zip(sentence, weights[step], strict=True)]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_attention_example", "grade": true, "points": 4}
"""Check attention_example on a small untrained model: one pair per source token, summing to 1."""
torch.manual_seed(0)
_voc = corpus.Vocab.build([["a", "b", "c", "d"]], min_count=1)
_mdl = seq2seq.Seq2SeqLM(len(_voc), 8, attention=LuongAttention(8), pad=_voc.pad)
_ex = attention_example(_mdl, _voc, ["a", "b", "c"], 1)
assert len(_ex) == 3 and [t for t, _ in _ex] == ["a", "b", "c"], (
    f"Return one (token, weight) pair per source token, in order; got {_ex}."
)
assert abs(sum(w for _, w in _ex) - 1) < 1e-5, f"The weights must sum to 1, got {_ex}."

# %% [markdown]
# **A small attention model, trained to convergence.** To see what attention learns, the
# original assignment trains the attention model to convergence. On a CPU the model above
# stops after 6 epochs, far from converged (look at its perplexity). So here we scale the
# experiment down until it converges in under a minute: the same `Seq2SeqLM` with your
# `LuongAttention` (same width, learning rate and seed) on the first 600 sentences of the
# corpus cut at 10 tokens, with a vocabulary of their own, trained for 25 epochs until it
# reproduces its training sentences almost perfectly (perplexity close to 1).
# Then look at what it attends to. Each line reads `[a/0.1, b/0.5, c/0.4], [a, b, c], b`: the
# attention over the source words, the sentence, and the word the decoder has just read (it
# now predicts the next one). The heatmap shows the whole matrix for the same sentence.

# %%
if not grading():
    short_sentences = corpus.load_sentences(max_len=10)[:600]
    short_vocab = corpus.Vocab.build(short_sentences, min_count=1)
    short_bundles = corpus.translation_batches(short_sentences, short_vocab, 16, seed=SEED)
    torch.manual_seed(SEED)
    small = seq2seq.Seq2SeqLM(
        len(short_vocab), DIM, attention=LuongAttention(DIM), pad=short_vocab.pad
    ).to(device)
    seq2seq.train(small, short_bundles, 25, lr=LR, verbose=False)
    print(f"small model: perplexity {seq2seq.perplexity(small, short_bundles):.2f} after 25 epochs")
    _sent = short_sentences[1]
    for _step in [1, 4, 7]:
        _ex = attention_example(small, short_vocab, _sent, _step)
        _dist = ", ".join(f"{t}/{w:.2f}" for t, w in _ex)
        _read = "<bos>" if _step == 0 else _sent[_step - 1]
        print(f"[{_dist}], [{', '.join(_sent)}], {_read}")

    import matplotlib.pyplot as plt

    _ids = short_vocab.encode(_sent)
    _w = small.attention_weights(_ids, [short_vocab.stoi[corpus.BOS], *_ids])  # (T', T)
    _fig, _ax = plt.subplots(figsize=(4.5, 4.5))
    _ax.imshow(_w.numpy(), cmap="Greys", vmin=0, vmax=1)
    _ax.set_xticks(range(len(_sent)), _sent, rotation=90)
    _ax.set_yticks(range(len(_sent) + 1), ["<bos>", *_sent])
    _ax.set_xlabel("source word (key)")
    _ax.set_ylabel("word just read by the decoder")
    plt.show()

# %% [markdown]
# ### 8. What does the attention look at? (4 points, written)
#
# First, quote the three perplexities your run printed above (unconditional, conditional,
# attention) and say whether they came out in the expected order, attention < conditional <
# unconditional; if they did not, say what you think went differently. (The autograder does not
# train, so only your answer reports your run.)
#
# Then: do the attention weights of the small, converged model correspond to what you would
# expect for a model whose source is the target itself? Give one illustrative example from its
# output above in the `[a/0.1, b/0.5, c/0.4], [a, b, c], b` form, and explain it.

# %% [markdown] nbgrader={"grade_id": "attention_answer", "solution": true, "grade": true, "points": 4}
# **Model answer.** The seeded CPU run prints unconditional 137.74, conditional 65.67,
# attention 61.04 (docs/assignments.md): the expected order.
#
# Since the source is the target itself, the best the decoder can do when it
# has read word $t-1$ and must predict word $t$ is to look up word $t$ of the source: we expect
# most of the weight on the source token *one position after* the token just read (a shifted
# diagonal), sometimes shared with the token just read. The small converged model does this
# (seed 0 on a CPU), e.g. `[a/0.00, new/0.00, blaze/0.00, near/0.08, goulburn/0.92, ,/0.00, …],
# [a, new, blaze, near, goulburn, …], near`: having read "near" it attends to "goulburn", the
# word it must predict next; in the heatmap, each row's dark cell is the source word after
# the one read. This is why attention lowers the perplexity below that of the conditional model,
# which must squeeze the whole source into one vector.
#
# **Mark scheme (4).**
# - 1: three perplexities quoted from the student's run, with whether they are in the order
#   attention < conditional < unconditional. Numbers out of that order earn the point when the
#   student says so and gives a plausible reason (too few epochs, another seed or device); 0
#   for no numbers, or for claiming the order against the student's own numbers.
# - 1: a real example from the student's run (the small model's output), in the requested
#   form.
# - 2: the explanation: weight concentrates on the next word of the source (the word to
#   predict), i.e. a diagonal shifted by one; 1 for "it attends to the current word" without
#   relating it to the prediction. A run whose attention shows no shifted diagonal earns these
#   2 when the student says so from the example and argues why (e.g. the small model did not
#   converge in their run, or it looks at the current word, and what that means for the
#   prediction); 0 for describing the expected pattern the example does not show.
