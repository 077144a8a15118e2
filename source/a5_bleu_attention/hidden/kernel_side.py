"""What a5's checks ask the student's kernel to run: it gathers the student's outputs, nothing more.

``checks.py`` sends this file's text with a request; the kernel ``exec``s it in a fresh
namespace and calls one function with the student's class or function and inputs that the
grader drew. Nothing here holds an expected value, a reference or a tolerance: each function
only builds the student's objects (with the grader's weights where the grader needs to know
them), calls the student's code and returns what it produced. The grader compares.
"""

import warnings

import torch
import torch.nn.functional as F

from nlpcourse import corpus, seq2seq


def with_warnings(fn, cases):
    """``fn(*case)`` for each case, with the warnings it raised (as "Type: message" strings)."""
    out = []
    for case in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn(*case)
        out.append((value, [f"{type(w.message).__name__}: {w.message}" for w in caught]))
    return out


def attention(cls, d, w_in=None, w_out=None):
    """The student's attention of size ``d`` with the grader's weights (float32)."""
    att = cls(d)
    with torch.no_grad():
        if w_in is not None:
            att.linear_in.weight.copy_(torch.as_tensor(w_in))
        if w_out is not None:
            att.linear_out.weight.copy_(torch.as_tensor(w_out))
    return att


def scores(cls, cases):
    """``score(Q, K)`` for each case (d, W_in, Q, K)."""
    with torch.no_grad():
        return [
            attention(cls, d, w).score(torch.as_tensor(Q), torch.as_tensor(K))
            for d, w, Q, K in cases
        ]


def score_gradients(cls, cases):
    """For each case (d, W_in, Q, K, G): the gradients of sum(G * score(Q, K)) with respect to
    linear_in's weight and to Q (None where no gradient reached them)."""
    out = []
    for d, w, Q, K, G in cases:
        att = attention(cls, d, w)
        q = torch.tensor(Q, requires_grad=True)
        att.score(q, torch.as_tensor(K)).backward(torch.as_tensor(G))
        out.append((att.linear_in.weight.grad, q.grad))
    return out


def forwards(cls, cases):
    """``forward(Q, K, mask)`` for each case (d, W_in, W_out, Q, K, mask or None)."""
    out = []
    with torch.no_grad():
        for d, w_in, w_out, Q, K, mask in cases:
            att = attention(cls, d, w_in, w_out)
            m = None if mask is None else torch.as_tensor(mask)
            out.append(att(torch.as_tensor(Q), torch.as_tensor(K), m))
    return out


def copy_task(cls, seed, vocab_size, dim, lr, train_src, test_src):
    """Train Seq2SeqLM with the student's attention to copy ``train_src`` (steps, B, T; id 0 is
    padding, 1 is <bos>), then return its logits and attention on ``test_src`` (eval mode)."""
    torch.set_num_threads(1)  # tiny tensors: one thread is fastest, and kind to a shared grader
    torch.manual_seed(seed)
    model = seq2seq.Seq2SeqLM(vocab_size, dim, attention=cls(dim), pad=0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def batch(src):
        src = torch.as_tensor(src, dtype=torch.long)  # (n, T)
        bos = torch.ones(src.size(0), 1, dtype=torch.long)
        return src, src != 0, torch.cat([bos, src[:, :-1]], 1)  # decoder input (n, T)

    for src in train_src:
        src, mask, tgt_in = batch(src)
        logits = model(src, mask, tgt_in)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), src.reshape(-1), ignore_index=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        src, mask, tgt_in = batch(test_src)
        return model(src, mask, tgt_in, return_attention=True)  # (n, T, V), (n, T, T)


def attention_examples(fn, cls, seed, itos, dim, sentence, steps, src, tgt_in):
    """On an untrained Seq2SeqLM with the student's attention and the vocabulary ``itos``: the
    student's ``attention_example`` at each step, and the model's attention matrix for the
    grader's own ids (src, tgt_in), from the package's forward."""
    torch.manual_seed(seed)
    vocab = corpus.Vocab(list(itos))
    model = seq2seq.Seq2SeqLM(len(vocab), dim, attention=cls(dim), pad=vocab.pad)
    model.eval()
    examples = [fn(model, vocab, list(sentence), s) for s in steps]
    with torch.no_grad():
        s = torch.tensor([list(src)], dtype=torch.long)
        t = torch.tensor([list(tgt_in)], dtype=torch.long)
        _, w = model(s, s != vocab.pad, t, return_attention=True)  # (1, T', T)
    return examples, w[0]
