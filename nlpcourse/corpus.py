"""English text for the language-model assignments, available offline, and its batching.

The text is the Lee news corpus (``lee_background.cor``: 299 Australian news stories,
~60k words) that ships inside the gensim wheel's test data, so nothing is downloaded at run
time. :func:`load_sentences` splits it into lower-cased, tokenised sentences.

Two ways of batching the same sentences, as in the seed assignment's starter kit:

* :func:`lm_stream`: every sentence (with ``<eos>``) concatenated into one long stream, cut
  into ``B`` parallel columns, a ``(T_long, B)`` matrix that truncated BPTT walks through;
* :func:`translation_batches`: padded ``(source, target)`` bundles, one sentence per row, for
  a conditional language model. Here the source side *is* the target side (the seed's setup).
"""

from __future__ import annotations

import importlib.util
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+(?:[.,:][0-9]+)*|[^\sa-z0-9]")
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def lee_corpus_path() -> Path:
    """Where the gensim wheel keeps ``lee_background.cor`` (gensim is imported lazily: never)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "The Lee news corpus ships with gensim's wheel: `pip install gensim` (it is a "
            "dependency of nlpcourse; on Colab the setup cell installs it)."
        )
    path = Path(spec.submodule_search_locations[0]) / "test" / "test_data" / "lee_background.cor"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from this gensim install")
    return path


def tokenize(text: str) -> list[str]:
    """Lower-cased word, number and punctuation tokens."""
    return _TOKEN.findall(text.lower())


def load_sentences(max_len: int = 40, min_len: int = 3) -> list[list[str]]:
    """The Lee corpus as tokenised sentences of ``min_len``..``max_len`` tokens, in file order.

    Longer sentences are cut at ``max_len`` (keeps the decoder loops short on a CPU).
    """
    out = []
    for line in lee_corpus_path().read_text(encoding="utf-8").splitlines():
        for sent in _SENT_END.split(line.strip()):
            toks = tokenize(sent)[:max_len]
            if len(toks) >= min_len:
                out.append(toks)
    return out


@dataclass
class Vocab:
    """Token <-> id. Ids 0..3 are ``<pad> <unk> <bos> <eos>``; the rest by frequency."""

    itos: list[str]

    def __post_init__(self):
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(cls, sentences: list[list[str]], min_count: int = 2) -> Vocab:
        counts = Counter(t for s in sentences for t in s)
        words = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        return cls([PAD, UNK, BOS, EOS, *words])

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def pad(self) -> int:
        return self.stoi[PAD]

    def encode(self, tokens: list[str]) -> list[int]:
        unk = self.stoi[UNK]
        return [self.stoi.get(t, unk) for t in tokens]

    def decode(self, ids) -> list[str]:
        return [self.itos[int(i)] for i in ids]


def lm_stream(sentences: list[list[str]], vocab: Vocab, batch_size: int) -> torch.Tensor:
    """All sentences (each followed by ``<eos>``) as one stream, folded into ``B`` columns.

    Returns a LongTensor ``(T_long, B)``: column b is the b-th contiguous slice of the stream,
    so reading down a column reads the text in order. The remainder that does not fill a whole
    row is dropped. Each column needs at least 2 tokens (an input and its next token).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    eos = vocab.stoi[EOS]
    ids = [i for s in sentences for i in [*vocab.encode(s), eos]]
    t_long = len(ids) // batch_size
    if t_long < 2:
        raise ValueError(
            f"{batch_size} columns of at least 2 tokens each, but the sentences give only "
            f"{len(ids)} tokens (with <eos>): use a smaller batch_size or more sentences"
        )
    data = torch.tensor(ids[: t_long * batch_size], dtype=torch.long)  # (T_long * B,)
    return data.view(batch_size, t_long).t().contiguous()  # (T_long, B)


@dataclass
class Bundle:
    """One batch of padded source-target pairs (batch-major)."""

    src: torch.Tensor  # (B, S) source ids, padded with <pad>
    src_mask: torch.Tensor  # (B, S) True at real source tokens
    tgt_in: torch.Tensor  # (B, T) <bos> y_1 .. y_{n}, padded
    tgt_out: torch.Tensor  # (B, T) y_1 .. y_n <eos>, padded (the decoder's targets)


def _pad(rows: list[list[int]], pad: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([r + [pad] * (width - len(r)) for r in rows], dtype=torch.long)


def make_bundle(pairs: list[tuple[list[str], list[str]]], vocab: Vocab) -> Bundle:
    """Pad a list of (source tokens, target tokens) pairs into one :class:`Bundle`."""
    bos, eos, pad = vocab.stoi[BOS], vocab.stoi[EOS], vocab.pad
    src = _pad([vocab.encode(s) for s, _ in pairs], pad)  # (B, S)
    tgt = [vocab.encode(t) for _, t in pairs]
    return Bundle(
        src=src,
        src_mask=src != pad,
        tgt_in=_pad([[bos, *t] for t in tgt], pad),  # (B, T)
        tgt_out=_pad([[*t, eos] for t in tgt], pad),  # (B, T)
    )


def translation_batches(
    sentences: list[list[str]], vocab: Vocab, batch_size: int, seed: int = 0
) -> list[Bundle]:
    """Source = target bundles: sentences grouped by length (little padding), batches in a
    seeded random order. The same seed gives the same batches."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(sentences)), key=lambda i: (len(sentences[i]), i))
    groups = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    random.Random(seed).shuffle(groups)
    return [make_bundle([(sentences[i], sentences[i]) for i in g], vocab) for g in groups]
