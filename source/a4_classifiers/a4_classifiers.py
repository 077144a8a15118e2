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
# # A4 · Text classifiers in PyTorch, and fine-tuning BERT (56 points)
#
# Your first PyTorch training loops: a logistic regression on averaged word embeddings (given),
# a feed-forward network with one hidden layer (yours), and a classifier built on scaled
# dot-product self-attention over the words of a review (yours). Then four questions on how a
# pretrained BERT is fine-tuned for classification.
#
# | Question | What you hand in | Points | How it is checked |
# |---|---|---|---|
# | 1 | averaged embeddings vs bag of words (Markdown) | 6 | read by a grader with a mark scheme |
# | 2 | `FFNN` | 16 | tests; the autograder against a reference, and a short training run |
# | 3 | is this answer about self-attention correct? (Markdown) | 6 | read by a grader with a mark scheme |
# | 4 | `AttentionClassifier.forward` | 16 | tests; the autograder against a reference, and padding |
# | 5 | the classifier on top of BERT (Markdown) | 3 | read by a grader with a mark scheme |
# | 6 | the function that prepares text for BERT (Markdown) | 3 | read by a grader with a mark scheme |
# | 7 | `[CLS]` and `[SEP]` (Markdown) | 3 | read by a grader with a mark scheme |
# | 8 | why pretraining helps (Markdown) | 3 | read by a grader with a mark scheme |
# | **Total** | | **56** | |
#
# **How you are graded.** Every question is followed by a test cell. The assertions you can
# see are a first check and tell you in plain words what is wrong. When you submit, the
# autograder checks your classes again from outside your notebook, on inputs drawn fresh for
# you (other sizes, fixed weights, padding), and your points come from those checks, part by
# part, with a message saying which part failed. A solution that only fits the visible
# examples loses points: write general code, not special cases. The autograder does not train
# your models on the reviews (only a small FFNN for a few steps); the dev accuracies you see
# are for you.
#
# **Rules.** Fill in the cells that say `YOUR CODE HERE` or `YOUR ANSWER HERE`, and nothing
# else: do not delete, copy or reorder cells. Before you submit, restart and run everything
# (Colab: *Runtime > Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run
# All Cells*) and check that no cell fails. The whole notebook runs in a few minutes on a CPU.

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook("a4_classifiers", gpu="optional")

# %%
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from nlpcourse import hub, reviews
from nlpcourse.setup_cell import grading

torch.set_num_threads(1)  # these models are small: one CPU thread is the fastest
SEED = 0

# %% [markdown]
# ## Part A · Classifiers on word embeddings (44 points)
#
# ### The data
#
# Each example is a snippet of a movie review labelled *negative* (0) or *positive* (1): the
# sentence polarity data set of Pang & Lee (2005), about 10,000 snippets, split 80/20 into
# train and dev with a fixed seed. Each word is represented by its 50-dimensional GloVe vector
# (Pennington et al., 2014); words without a vector are skipped.
#
# `reviews.load()` downloads both once through their usual cached loaders (`nltk` and
# `gensim`). Where nothing can be downloaded (the autograder, CI, `NLPCOURSE_OFFLINE=1`) it
# generates an **offline set** with the same layout instead: synthetic reviews and vectors,
# announced as such in the output below. The code you write is the same for both.

# %%
data = reviews.load(seed=SEED)
emb = data.embeddings
print(data.describe())
for tokens, label in zip(data.train.tokens[:3], data.train.labels[:3]):
    print(f"  {reviews.LABELS[label]:>8}: {' '.join(tokens)}")

# %% [markdown]
# Every review becomes one row of a padded matrix of word ids (`0` is padding) with a mask that
# is `True` at real words. `reviews.average` turns a review into the **average of its word
# vectors**, one vector of size 50; `reviews.embed` keeps all of them, a $T \times 50$ matrix
# per review. Both are built in one vectorised step: creating a tensor from a Python list of
# NumPy arrays is very slow, and PyTorch warns about it.

# %%
train_enc = reviews.encode(data.train, emb, max_len=50)
dev_enc = reviews.encode(data.dev, emb, max_len=50)
X_train, X_dev = reviews.average(train_enc, emb), reviews.average(dev_enc, emb)  # (N, 50)
y_train, y_dev = train_enc.labels, dev_enc.labels  # (N,)
print("ids", tuple(train_enc.ids.shape), "mask", tuple(train_enc.mask.shape))
print("averaged embeddings: train", tuple(X_train.shape), "dev", tuple(X_dev.shape))
dev_accuracy = {}

# %% [markdown]
# ### Demo: logistic regression (given, not graded)
#
# The model is one linear layer from the averaged embedding to one score per class. Its
# `forward` returns these scores as **logits** (unnormalised, any real number):
# `nn.CrossEntropyLoss` applies the log-softmax itself and then the negative log-likelihood
# (`nn.LogSoftmax` + `nn.NLLLoss`), so a model must *not* apply a softmax before it. Every
# model in this notebook follows that contract.


# %%
class LogisticRegression(nn.Module):
    """Multinomial logistic regression: one linear layer to class logits."""

    def __init__(self, input_dim, output_dim):
        super().__init__()
        self.linear = nn.Linear(input_dim, output_dim)

    def forward(self, x):
        return self.linear(x)  # (B, C) logits


# %% [markdown]
# A complete training loop, to study rather than to change: mini-batches in a seeded random
# order, the Adam optimiser, and **early stopping**: after each epoch the model is scored on
# the dev set, the best weights so far are kept, and training stops when the dev accuracy has
# not improved for `patience` epochs. `train` works for any model whose `forward` takes the
# tensors in `inputs` and returns logits.


# %%
def accuracy(model, inputs, labels, batch_size=1024):
    """Share of the examples whose highest logit is the right class."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(labels), batch_size):
            logits = model(*(t[i : i + batch_size].to(device) for t in inputs))  # (B, C)
            correct += (logits.argmax(-1).cpu() == labels[i : i + batch_size]).sum().item()
    return correct / len(labels)


def train(
    model, inputs, labels, dev_inputs, dev_labels, lr=1e-2, batch_size=64, max_epochs=50, patience=5
):
    """Adam on the cross-entropy loss with early stopping on dev accuracy; keeps the best."""
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()  # expects logits
    order_rng = torch.Generator().manual_seed(SEED)
    best, best_state, since_best = -1.0, None, 0
    bar = tqdm(range(max_epochs), desc=type(model).__name__)
    for epoch in bar:
        epochs_run = epoch + 1
        model.train()
        order = torch.randperm(len(labels), generator=order_rng)
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            logits = model(*(t[idx].to(device) for t in inputs))  # (B, C)
            loss = loss_fn(logits, labels[idx].to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        dev_acc = accuracy(model, dev_inputs, dev_labels)
        bar.set_postfix(loss=f"{loss.item():.3f}", dev_acc=f"{dev_acc:.3f}")
        if dev_acc > best:
            best, best_state, since_best = dev_acc, copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            if since_best >= patience:
                break
    bar.close()
    model.load_state_dict(best_state)
    print(
        f"{type(model).__name__}: best dev accuracy {best:.3f} ({epochs_run} epochs, seed {SEED})"
    )
    return best


# %%
if not grading():
    torch.manual_seed(SEED)
    logreg = LogisticRegression(emb.dim, 2)
    dev_accuracy["logistic regression"] = train(logreg, (X_train,), y_train, (X_dev,), y_dev)

# %% [markdown]
# ### 1. Averaged embeddings vs bag of words (6 points, written)
#
# The input of this model is the average of the GloVe vectors of a review's words. What is the
# difference between this representation and a bag of words (one dimension per vocabulary
# word, holding its count)? Give at least one advantage and one disadvantage of each.
# **At most 100 words.**

# %% [markdown] nbgrader={"grade_id": "averaged_vs_bow", "solution": true, "grade": true, "points": 6}
# **Model answer.** A bag of words is a sparse vector of vocabulary size counting each word
# type; all words are unrelated. The averaged embedding is a dense 50-d vector in which similar
# words have similar vectors. Averaging generalises to words never seen with a label in
# training (*superb* ≈ *excellent*) and is compact, but it dilutes a few strong words among
# many neutral ones and loses counts. Bag of words keeps each word's identity, is
# interpretable (one weight per word) and strong with much data, but is large, sparse and
# blind to similarity. Both ignore word order ("not good").
#
# **Mark scheme (6).**
# - 2: the difference: sparse, vocabulary-sized counts vs dense, low-dimensional average of
#   pretrained vectors.
# - 2: an advantage and a disadvantage of averaged embeddings (similarity/generalisation,
#   compactness; dilution, information lost by averaging).
# - 2: an advantage and a disadvantage of bag of words (word identity, interpretability;
#   size, sparsity, no notion of similarity). Over 100 words: at most 4 in total.

# %% [markdown]
# ### 2. A feed-forward network (16 points)
#
# Add one hidden layer to the logistic regression: the two-layer network of J&M (SLP3)
# section 7.3, with an output bias $c$ added,
#
# $$ h = g(W x + b), \qquad z = U h + c, $$
#
# with the non-linearity $g = \tanh$, `hidden_dim` hidden units ($20$ unless told otherwise),
# **biases in both layers** (this pack's choice, `nn.Linear`'s default; the autograder checks
# both), and $z$ the logits (no softmax: `nn.CrossEntropyLoss` applies
# it). Use two `nn.Linear` layers, as attributes or inside an `nn.Sequential`, in the layout
# PyTorch uses: `nn.Linear(input_dim, hidden_dim)` then `nn.Linear(hidden_dim, output_dim)`.
# J&M count this as a "two-layer" network: one hidden layer.
#
# What the autograder checks, with every bound it uses: the parameter shapes exactly, for
# several sizes; with weights it sets, the logits against $\tanh(x W^\top + b)\,U^\top + c$
# computed in float64, within `rtol = atol = 1e-4` (float32, PyTorch's default, is well
# inside); and a short training run: `FFNN(2, 2)` as your `__init__` makes it, 120 full-batch
# Adam steps (learning rate 0.08, cross-entropy) on 400 points drawn uniformly from
# $[-2, 2]^2$, labelled by whether they lie inside the circle of radius 1.2. It passes with a
# training accuracy above 95% and a cross-entropy below 0.2 (logits reach it; probabilities
# cannot go below 0.31).


# %% nbgrader={"grade_id": "ffnn", "solution": true}
class FFNN(nn.Module):
    """One tanh hidden layer of hidden_dim units, then a linear layer to class logits."""

    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        ### BEGIN SOLUTION
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, output_dim)
        ### END SOLUTION

    def forward(self, x):
        """x (B, input_dim) -> logits (B, output_dim)."""
        ### BEGIN SOLUTION
        h = torch.tanh(self.hidden(x))  # (B, hidden_dim)
        return self.output(h)  # (B, output_dim)
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_ffnn", "grade": true, "points": 4}
"""Check FFNN's output shape, that it returns logits, and that gradients reach every weight."""
torch.manual_seed(0)
_model = FFNN(7, 3)
_x = torch.randn(5, 7)
_z = _model(_x)
assert tuple(_z.shape) == (5, 3), (
    f"FFNN(7, 3) on a (5, 7) batch must give (5, 3), got {tuple(_z.shape)}."
)
assert not torch.allclose(_z.sum(-1), torch.ones(5), atol=1e-4), (
    "Each row of the output sums to 1: these are probabilities. Return the logits z; "
    "nn.CrossEntropyLoss applies the softmax itself."
)
_z.sum().backward()
_params = list(_model.parameters())
assert _params and all(p.grad is not None for p in _params), (
    "Some parameters get no gradient: create the layers in __init__ and use them in forward."
)
print("FFNN: visible checks passed.")

# %% nbgrader={"grade_id": "test_ffnn_architecture", "grade": true, "points": 4}
"""Hidden: the parameter shapes for several sizes (hidden_dim 20 by default, both biases)."""
assert FFNN(4, 2) is not None, "FFNN could not be created."

# %% nbgrader={"grade_id": "test_ffnn_forward", "grade": true, "points": 5}
"""Hidden: forward with fixed weights against tanh(W x + b) U^T + c, computed independently."""
assert FFNN(4, 2)(torch.randn(3, 4)) is not None, "FFNN.forward returned None."

# %% nbgrader={"grade_id": "test_ffnn_trains", "grade": true, "points": 3}
"""Hidden: 120 Adam steps on a set no linear model separates: accuracy > 95%, loss < 0.2."""
assert FFNN(2, 2)(torch.randn(3, 2)) is not None, "FFNN.forward returned None."

# %% [markdown]
# Train it with the same loop and compare with the logistic regression:

# %%
if not grading():
    torch.manual_seed(SEED)
    ffnn = FFNN(emb.dim, 2)
    dev_accuracy["FFNN (tanh, 20)"] = train(ffnn, (X_train,), y_train, (X_dev,), y_dev)

# %% [markdown]
# ### 3. Is this answer about self-attention correct? (6 points, written)
#
# Work through SLP3 §10.1 (self-attention) first. A student asked a chatbot *"Why do we need
# the self-attention mechanism in NLP?"* and got this answer:
#
# > Self-attention is a mechanism in deep learning models for processing sequences, where each
# > element in a sequence attends to all other elements in a weight-based manner to compute its
# > representation. This enables the model to dynamically weigh the importance of different
# > elements in the sequence for the current task, and allows for more context-aware
# > representations compared to traditional recurrent neural networks.
#
# Is this correct? What is right, what is missing or imprecise? Substantiate your reasoning in
# **at most 100 words**. (Whatever tool wrote it: judge the text, not the tool.)

# %% [markdown] nbgrader={"grade_id": "self_attention_critique", "solution": true, "grade": true, "points": 6}
# **Model answer.** Broadly correct but vague, and it misses the main reasons. Right: each
# position's new representation is a weighted sum over the sequence, with input-dependent
# weights, so it is contextual. Imprecise: the weights are a softmax of scaled query-key dot
# products, mixing value vectors; a position attends to itself too, in a decoder only to
# earlier ones. Missing: why it beats RNNs: any two positions are one step apart (no long
# recurrent path for long-range dependencies), and all positions are computed in parallel.
# RNN states are context-aware too.
#
# **Mark scheme (6).**
# - 2: a verdict with reasons: partly right/vague, not simply "correct" or "wrong".
# - 2: states precisely what is right or imprecise (query-key scores, softmax weights, values;
#   self included; causal masking in decoders): 1 per correct precise point, at most 2.
# - 2: names what is missing vs RNNs: parallel computation and/or constant path length for
#   long-range dependencies (1 each). Over 100 words: at most 4 in total.

# %% [markdown]
# ### 4. A self-attention classifier (16 points)
#
# Now the model sees every word vector of a review, not just their average. The input is a
# padded batch $X \in \mathbb{R}^{B \times T \times d}$ ($d = 50$) with a boolean mask
# $M \in \{0, 1\}^{B \times T}$ that is `True` at real words and `False` at padding. For one
# review $x_1, \dots, x_n$ (its real words):
#
# 1. queries, keys and values from learned projections (`self.query`, `self.key`,
#    `self.value`, given): $q_i = W^Q x_i$, $k_j = W^K x_j$ (size $d_k$ = `self.qk_dim`),
#    $v_j = W^V x_j$ (size $d$);
# 2. scaled dot-product self-attention: $\alpha_{ij} = \mathrm{softmax}_j\big(q_i^\top k_j /
#    \sqrt{d_k}\big)$, a distribution over the **keys** $j$ for each query $i$, and
#    $a_i = \sum_j \alpha_{ij} v_j$;
# 3. the review vector is the mean $\bar a = \frac{1}{n} \sum_{i=1}^{n} a_i$ over the real
#    words, and the logits are `self.out`$(\bar a)$.
#
# **Padding must change nothing**: a padded position is never a key that receives weight (set
# its score to `-inf` before the softmax, e.g. `scores.masked_fill(~mask[:, None, :],
# float("-inf"))`), and it does not count in the mean. So a review gets the same logits alone
# and in a batch padded to any length. Every review has at least one real word. Write
# `forward` with batched operations (`@`, `transpose`, or `F.scaled_dot_product_attention`
# with a boolean `attn_mask`); no Python loop over the batch. Return logits, as before.
#
# The autograder sets the weights itself and checks, with these bounds: the logits of reviews
# with and without padding against a per-review computation in float64 (`rtol = atol = 1e-4`);
# each review's logits alone equal to its logits in a padded batch (`atol = 1e-5`, `rtol =
# 1e-5`); more pad positions, holding zeros or large random vectors, changing no logit
# (`atol = 1e-4`, `rtol = 1e-5`); and that `forward` is batched: on 16 reviews it records no
# more autograd operations than on one (a loop over the reviews records a set per review, and
# a forward that records none, under `torch.no_grad`, could not be trained). The operations
# are counted inside your notebook: the autograder checks this rule but cannot enforce it
# against code written to get around it.


# %% nbgrader={"grade_id": "attention_classifier", "solution": true}
class AttentionClassifier(nn.Module):
    """Scaled dot-product self-attention over a padded review, masked mean, linear layer."""

    def __init__(self, emb_dim=50, num_classes=2, qk_dim=32):
        super().__init__()
        self.qk_dim = qk_dim
        self.query = nn.Linear(emb_dim, qk_dim, bias=False)
        self.key = nn.Linear(emb_dim, qk_dim, bias=False)
        self.value = nn.Linear(emb_dim, emb_dim, bias=False)
        self.out = nn.Linear(emb_dim, num_classes)

    def forward(self, x, mask):
        """x (B, T, d) word vectors, mask (B, T) True at real words -> logits (B, C)."""
        ### BEGIN SOLUTION
        q, k, v = self.query(x), self.key(x), self.value(x)  # (B, T, dk), (B, T, dk), (B, T, d)
        scores = q @ k.transpose(1, 2) / self.qk_dim**0.5  # (B, T, T): query i, key j
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = F.softmax(scores, dim=-1)  # (B, T, T), each row sums to 1 over the keys
        a = weights @ v  # (B, T, d)
        m = mask.unsqueeze(-1).to(a.dtype)  # (B, T, 1)
        mean = (a * m).sum(1) / m.sum(1)  # (B, d), padded rows left out
        return self.out(mean)  # (B, C)
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_attention_classifier", "grade": true, "points": 4}
"""Check the output shape and a one-word review, whose attention output is its value vector."""
torch.manual_seed(0)
_model = AttentionClassifier(emb_dim=6, num_classes=3, qk_dim=4)
_x = torch.randn(2, 5, 6)
_mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
_z = _model(_x, _mask)
assert tuple(_z.shape) == (2, 3), f"Logits must be (B, C) = (2, 3), got {tuple(_z.shape)}."
assert torch.isfinite(_z).all(), "The logits contain nan or inf: check the masking and the mean."
# With a single word, attention can only return that word's value vector.
_one = torch.randn(1, 1, 6)
_got = _model(_one, torch.ones(1, 1, dtype=torch.bool))
_want = _model.out(_model.value(_one[0, 0]))
assert torch.allclose(_got[0], _want, atol=1e-5), (
    f"For a one-word review the logits are out(value(x)) = {_want.tolist()}, got "
    f"{_got[0].tolist()}. Are you returning logits of self.out applied to the mean of the "
    "attention outputs?"
)
print("AttentionClassifier: visible checks passed.")

# %% nbgrader={"grade_id": "test_attention_reference", "grade": true, "points": 6}
"""Hidden: logits against a per-review reference (scaled scores, softmax over keys, mean)."""
assert (
    AttentionClassifier(4, 2, 3)(torch.randn(1, 2, 4), torch.ones(1, 2, dtype=torch.bool))
    is not None
), "forward returned None."

# %% nbgrader={"grade_id": "test_attention_padding", "grade": true, "points": 6}
"""Hidden: extra pad positions (holding any values) change no prediction, batched or alone."""
assert (
    AttentionClassifier(4, 2, 3)(torch.randn(1, 2, 4), torch.ones(1, 2, dtype=torch.bool))
    is not None
), "forward returned None."

# %% [markdown]
# Train it on the padded reviews: `reviews.embed` gives their $(N, T, 50)$ word vectors. Mind
# the learning rate: attention needs a smaller one than the models on averages.

# %%
X_train_seq, X_dev_seq = reviews.embed(train_enc, emb), reviews.embed(dev_enc, emb)  # (N, T, 50)
print("padded reviews: train", tuple(X_train_seq.shape), "dev", tuple(X_dev_seq.shape))
if not grading():
    torch.manual_seed(SEED)
    attn = AttentionClassifier(emb.dim, 2)
    dev_accuracy["self-attention"] = train(
        attn, (X_train_seq, train_enc.mask), y_train, (X_dev_seq, dev_enc.mask), y_dev, lr=5e-3
    )

# %% [markdown]
# The three models on the same data, seed and loop:

# %%
print(f"dev accuracy on {data.name}:")
for name, acc in dev_accuracy.items():
    print(f"  {name:>20}: {acc:.3f}")

# %% [markdown]
# ## Part B · Fine-tuning BERT for classification (12 points, written)
#
# A pretrained BERT (here its smaller sibling DistilBERT) becomes a text classifier by adding a
# small network on top and training everything on labelled examples. The usual recipe, as in
# the widely copied Hugging Face fine-tuning tutorials, reads:
#
# ```python
# tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
# batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
#
# class BertClassifier(nn.Module):
#     def __init__(self, num_classes):
#         super().__init__()
#         self.bert = AutoModel.from_pretrained("distilbert-base-uncased")
#         self.pre_classifier = nn.Linear(768, 768)
#         self.dropout = nn.Dropout(0.3)
#         self.classifier = nn.Linear(768, num_classes)
#
#     def forward(self, input_ids, attention_mask):
#         h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
#         cls = h[:, 0]  # (B, 768): the vector at the [CLS] position
#         return self.classifier(self.dropout(torch.relu(self.pre_classifier(cls))))
#
# # then the same loop as in Part A: Adam(W) with a small learning rate (e.g. 2e-5),
# # nn.CrossEntropyLoss on the logits, a few epochs over all of BERT's weights and the head.
# ```
#
# Here is what the tokenizer makes of a sentence (offline, the pack's stand-in model has the
# real uncased WordPiece vocabulary, so the tokens are the real ones):

# %%
if not grading():
    tokenizer = hub.load_tokenizer("distilbert-base-uncased")
    enc = tokenizer(
        ["The film was not good.", "A gripping, superbly acted thriller!"], padding=True
    )
    for ids, att in zip(enc["input_ids"], enc["attention_mask"]):
        print(tokenizer.convert_ids_to_tokens(ids))
        print("  input_ids     ", ids)
        print("  attention_mask", att)

# %% [markdown]
# ### 5. The classifier on top of BERT (3 points, written)
#
# What architecture sits on top of BERT as the final classifier, what is its input, and which
# weights are trained during fine-tuning?

# %% [markdown] nbgrader={"grade_id": "bert_classifier_head", "solution": true, "grade": true, "points": 3}
# **Model answer.** A small feed-forward network: a linear layer 768 → 768 with ReLU and
# dropout, then a linear layer 768 → number of classes giving the logits (softmax inside the
# cross-entropy loss). Its input is BERT's final hidden vector at the first position, the
# `[CLS]` token, a 768-dimensional summary of the whole input. Fine-tuning trains the head
# (from random initialisation) *and* all of BERT's pretrained weights, with a small learning
# rate.
#
# **Mark scheme (3).**
# - 1: a feed-forward/linear head (one or two linear layers) producing class logits.
# - 1: its input is the final hidden state of `[CLS]` (position 0).
# - 1: the whole network is updated, not only the head. "A Transformer" as the head: 0 overall.

# %% [markdown]
# ### 6. Preparing text for BERT (3 points, written)
#
# Which function prepares text to be fed into BERT, and what does it return? Use the output
# above.

# %% [markdown] nbgrader={"grade_id": "bert_tokenizer", "solution": true, "grade": true, "points": 3}
# **Model answer.** The tokenizer, called as a function (`tokenizer(texts, ...)`, made by
# `AutoTokenizer.from_pretrained`, i.e. `DistilBertTokenizer` here). It lower-cases, splits
# the text into WordPiece subword tokens from BERT's fixed vocabulary (rare words become
# several pieces marked `##`), adds `[CLS]` and `[SEP]`, pads or truncates to a common length
# and returns `input_ids` (the token ids) and an `attention_mask` (1 at real tokens, 0 at
# padding), as tensors with `return_tensors="pt"`.
#
# **Mark scheme (3).**
# - 1: the tokenizer (`tokenizer(...)`, `encode_plus`, or `from_pretrained` of it).
# - 1: subword (WordPiece) tokenisation into ids from a fixed vocabulary.
# - 1: the outputs: `input_ids` and `attention_mask` (padding/truncation, special tokens).

# %% [markdown]
# ### 7. `[CLS]` and `[SEP]` (3 points, written)
#
# What are the roles of the special tokens `[CLS]` and `[SEP]` in BERT's input?

# %% [markdown] nbgrader={"grade_id": "bert_special_tokens", "solution": true, "grade": true, "points": 3}
# **Model answer.** `[CLS]` is prepended to every input. It is no word, so through
# self-attention its final hidden state becomes a summary of the whole sequence; in
# pretraining it feeds the next-sentence prediction, in fine-tuning the classifier head. `[SEP]`
# marks the end of a segment: it separates the two sentences of a pair (question/passage,
# premise/hypothesis; with segment embeddings telling them apart) and ends the input.
#
# **Mark scheme (3).**
# - 2: `[CLS]`: its final vector represents the whole sequence and is what classifiers use
#   (1 for "marks the start" alone).
# - 1: `[SEP]`: separates segments / ends the sequence.

# %% [markdown]
# ### 8. Why pretraining helps (3 points, written)
#
# What is your intuition for why pretraining improves performance on downstream tasks such as
# review classification?

# %% [markdown] nbgrader={"grade_id": "bert_pretraining", "solution": true, "grade": true, "points": 3}
# **Model answer.** Masked-language-model pretraining on billions of words forces the network
# to learn what a labelled data set of a few thousand reviews could never teach: word meanings
# and their similarities, syntax, negation, how context changes a word ("not good"). Fine-tuning
# starts from these contextual representations, so the task only has to learn a small mapping
# from them to labels: it needs far fewer labelled examples, generalises to words and phrasings
# absent from the training set, and converges in a few epochs (transfer learning). The GloVe
# vectors of Part A are the same idea, one level down: pretrained word vectors, but without
# context.
#
# **Mark scheme (3).**
# - 1: pretraining on large unlabelled text learns general knowledge of language (meaning,
#   syntax, context).
# - 1: so the downstream task needs less labelled data / generalises better (transfer).
# - 1: a concrete mechanism or example (contextual representations, negation, rare words,
#   faster convergence). "It reduces training time" alone: 1 in total.
