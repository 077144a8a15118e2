"""LSTM language models for a5: unconditional, conditional, and with input-feeding attention.

* :class:`LSTMLM` reads a ``(T, B)`` slice of the long stream of :func:`corpus.lm_stream`;
  :func:`lm_epoch` is one pass over that stream. :func:`train` (Adam, one :func:`lm_epoch` or
  :func:`seq2seq_epoch` per epoch) and :func:`perplexity` take either the stream or a list of
  bundles.
* :class:`Seq2SeqLM` reads a padded source with one LSTM and predicts the target with another.
  Given an ``attention`` module it becomes Luong et al.'s (2015) input-feeding model: at step
  t the decoder reads ``[embedding(y_{t-1}); h~_{t-1}]`` and predicts from
  ``h~_t = attention(h_t, encoder states)``.

a5's written questions 3 and 4 ask how these models are trained and conditioned: the answers
are in the code, which is short; these docstrings say what each function is, not how.

The attention module is the student's: any ``nn.Module`` subclassing :class:`AttentionBase`,
whose ``forward(queries, keys, mask)`` returns ``(attn_h, weights)``. Nothing here implements
the attention itself.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from nlpcourse.corpus import Bundle


class AttentionBase(nn.Module):
    """The parameters of Luong's "general" attention; subclasses write score and forward.

    ``linear_in`` is the d x d matrix W of the score q^T W k (applied to the queries);
    ``linear_out`` is W_c of Eq. (5), applied to the concatenation ``[c_t; h_t]`` (2d -> d):
    its first d input columns multiply the context c_t, the last d the query h_t.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim
        self.linear_in = nn.Linear(dim, dim, bias=False)
        self.linear_out = nn.Linear(2 * dim, dim, bias=False)

    def score(self, Q: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
        """(B, T', d), (B, T, d) -> (B, T', T)."""
        raise NotImplementedError

    def forward(self, queries, keys, mask=None):
        """(B, T', d), (B, T, d), (B, T) bool -> attn_h (B, T', d), weights (B, T', T)."""
        raise NotImplementedError


class LSTMLM(nn.Module):
    """Embedding -> LSTM -> linear over the vocabulary, time-major like the stream."""

    def __init__(self, vocab_size: int, dim: int = 128, layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(dim, dim, layers, dropout=dropout if layers > 1 else 0.0)
        self.out = nn.Linear(dim, vocab_size)

    def forward(self, x: torch.Tensor, hidden=None):
        emb = self.drop(self.embed(x))  # (T, B, d)
        h, hidden = self.lstm(emb, hidden)  # (T, B, d), 2 x (layers, B, d)
        return self.out(self.drop(h)), hidden  # (T, B, V)


class Seq2SeqLM(nn.Module):
    """Conditional LM: an encoder LSTM over the source, a decoder LSTM over the target.

    With ``attention`` (an :class:`AttentionBase` of size ``dim``) the decoder is Luong's
    input-feeding decoder and padded source positions are masked out of the attention.
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int = 128,
        attention: nn.Module | None = None,
        dropout: float = 0.0,
        pad: int = 0,
    ):
        super().__init__()
        self.dim, self.pad = dim, pad
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=pad)
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.LSTM(dim, dim, batch_first=True)
        self.attention = attention
        if attention is None:
            self.decoder = nn.LSTM(dim, dim, batch_first=True)
        else:
            self.decoder_cell = nn.LSTMCell(2 * dim, dim)  # reads [emb(y_{t-1}); h~_{t-1}]
        self.out = nn.Linear(dim, vocab_size)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor):
        """Source (B, S) -> encoder states (B, S, d) and the final (h, c), each (1, B, d)."""
        lengths = src_mask.sum(1).cpu()  # (B,)
        emb = self.drop(self.embed(src))  # (B, S, d)
        packed = nn.utils.rnn.pack_padded_sequence(
            emb, lengths, batch_first=True, enforce_sorted=False
        )
        states, final = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(
            states, batch_first=True, total_length=src.size(1)
        )  # (B, S, d), zeros at padding
        return states, final

    def forward(self, src, src_mask, tgt_in, return_attention: bool = False):
        """Logits (B, T, V) for the next target tokens (and the attention, (B, T, S))."""
        states, (h, c) = self.encode(src, src_mask)  # (B, S, d), (1, B, d)
        emb = self.drop(self.embed(tgt_in))  # (B, T, d)
        if self.attention is None:
            dec, _ = self.decoder(emb, (h, c))  # (B, T, d)
            logits = self.out(self.drop(dec))  # (B, T, V)
            return (logits, None) if return_attention else logits
        h, c = h[0], c[0]  # (B, d)
        feed = emb.new_zeros(emb.size(0), self.dim)  # h~_0 = 0, (B, d)
        outs, weights = [], []
        for t in range(emb.size(1)):
            h, c = self.decoder_cell(torch.cat([emb[:, t], feed], dim=1), (h, c))  # (B, d)
            attn_h, w = self.attention(h[:, None], states, src_mask)  # (B, 1, d), (B, 1, S)
            feed = attn_h[:, 0]  # (B, d)
            outs.append(feed)
            weights.append(w[:, 0])
        dec = torch.stack(outs, dim=1)  # (B, T, d)
        logits = self.out(self.drop(dec))  # (B, T, V)
        if return_attention:
            return logits, torch.stack(weights, dim=1)  # (B, T, S)
        return logits

    @torch.no_grad()
    def attention_weights(self, src: list[int], tgt_in: list[int]) -> torch.Tensor:
        """Attention of one (source ids, decoder input ids) pair: (len(tgt_in), len(src))."""
        was = self.training
        self.eval()
        s = torch.tensor([src], dtype=torch.long, device=self.out.weight.device)
        t = torch.tensor([tgt_in], dtype=torch.long, device=self.out.weight.device)
        _, w = self(s, s != self.pad, t, return_attention=True)
        self.train(was)
        return w[0].cpu()  # (T, S)


# ----------------------------------------------------------------------------- training


def detach_hidden(hidden):
    """``hidden`` (an LSTM's ``(h, c)``, or None) cut from the autograd graph."""
    if hidden is None:
        return None
    return tuple(h.detach() for h in hidden)


def lm_epoch(model, stream, bptt, optimizer=None, clip=1.0, progress=None):
    """One pass over the (T_long, B) stream, training with an ``optimizer`` (else only
    evaluating); the mean loss per token."""
    device = next(model.parameters()).device
    model.train(optimizer is not None)
    hidden, total, count = None, 0.0, 0
    starts = range(0, stream.size(0) - 1, bptt)
    with torch.set_grad_enabled(optimizer is not None):
        for i in tqdm(starts, desc=progress, leave=False, disable=progress is None):
            seq = min(bptt, stream.size(0) - 1 - i)
            x = stream[i : i + seq].to(device)  # (bptt, B) inputs
            y = stream[i + 1 : i + 1 + seq].to(device)  # (bptt, B) next tokens
            hidden = detach_hidden(hidden)
            logits, hidden = model(x, hidden)  # (bptt, B, V)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), clip)
                optimizer.step()
            total += loss.item() * y.numel()
            count += y.numel()
    return total / count


def seq2seq_loss(model, b: Bundle):
    """Summed cross-entropy over real target tokens (padding ignored), and their number."""
    device = next(model.parameters()).device
    src, mask = b.src.to(device), b.src_mask.to(device)
    tgt_in, tgt_out = b.tgt_in.to(device), b.tgt_out.to(device)
    logits = model(src, mask, tgt_in)  # (B, T, V)
    loss = F.cross_entropy(
        logits.reshape(-1, logits.size(-1)),
        tgt_out.reshape(-1),
        ignore_index=model.pad,
        reduction="sum",
    )
    return loss, int((tgt_out != model.pad).sum())


def seq2seq_epoch(model, bundles, optimizer=None, clip=1.0, progress=None):
    """One pass over the bundles (training with an ``optimizer``); mean loss per token."""
    model.train(optimizer is not None)
    total, count = 0.0, 0
    with torch.set_grad_enabled(optimizer is not None):
        for b in tqdm(bundles, desc=progress, leave=False, disable=progress is None):
            loss, n = seq2seq_loss(model, b)
            if optimizer is not None:
                optimizer.zero_grad()
                (loss / n).backward()
                nn.utils.clip_grad_norm_(model.parameters(), clip)
                optimizer.step()
            total += loss.item()
            count += n
    return total / count


def train(model, data, epochs, lr=2e-3, bptt=None, verbose=True):
    """Train with Adam for ``epochs``; returns the per-epoch training perplexities.

    ``data`` is a (T_long, B) stream (then ``bptt`` is required) or a list of bundles. An
    epoch's perplexity is that of its own training pass (the running mean loss while the
    weights move); :func:`perplexity` measures a model after training, in eval mode.
    """
    if isinstance(data, torch.Tensor) and bptt is None:
        raise ValueError("train on a (T_long, B) stream needs bptt=, e.g. bptt=35")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(1, epochs + 1):
        bar = f"epoch {epoch}/{epochs}" if verbose else None
        if isinstance(data, torch.Tensor):
            loss = lm_epoch(model, data, bptt, optimizer, progress=bar)
        else:
            loss = seq2seq_epoch(model, data, optimizer, progress=bar)
        history.append(math.exp(loss))
        if verbose:
            print(f"epoch {epoch:2d}  training perplexity {history[-1]:8.2f}")
    return history


def perplexity(model, data, bptt=None) -> float:
    """exp(mean loss per token) of ``model`` on ``data`` in eval mode, no weight updates.

    The seed assignment trains and evaluates on the same sentences: this measures how well a
    model *fits* the data, not how it generalises.
    """
    if isinstance(data, torch.Tensor):
        if bptt is None:
            raise ValueError("perplexity on a (T_long, B) stream needs bptt=, e.g. bptt=35")
        return math.exp(lm_epoch(model, data, bptt))
    return math.exp(seq2seq_epoch(model, data))
