"""nlpcourse.corpus: the Lee news corpus found in gensim's wheel, sentence splitting and
tokenising (on a tiny corpus the test writes, and on the real one), the vocabulary, and both
batchings (the folded LM stream, padded source-target bundles) against hand-made results,
with the errors for bad input."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from nlpcourse import corpus

TINY = (
    'Prices rose 3.5 per cent in 2001. It isn\'t over! "We will see," he said.\n'
    "Too short. A second story starts here and it goes on.\n"
    "\n"
)


@pytest.fixture(scope="module")
def sentences():
    return corpus.load_sentences()


@pytest.fixture
def tiny_corpus(monkeypatch, tmp_path):
    path = tmp_path / "lee_background.cor"
    path.write_text(TINY, encoding="utf-8")
    monkeypatch.setattr(corpus, "lee_corpus_path", lambda: path)
    return path


def test_tokenize_lowercases_and_keeps_numbers_contractions_and_punctuation():
    assert corpus.tokenize("Don't PANIC: 1,000.5 km/h (3:15).") == [
        "don't", "panic", ":", "1,000.5", "km", "/", "h", "(", "3:15", ")", ".",
    ]  # fmt: skip


def test_load_sentences_splits_cuts_and_filters(tiny_corpus):
    got = corpus.load_sentences()
    assert got == [
        ["prices", "rose", "3.5", "per", "cent", "in", "2001", "."],
        ["it", "isn't", "over", "!"],
        ['"', "we", "will", "see", ",", '"', "he", "said", "."],
        ["too", "short", "."],
        ["a", "second", "story", "starts", "here", "and", "it", "goes", "on", "."],
    ]
    shorter = corpus.load_sentences(max_len=6, min_len=4)  # cut at 6; "too short ." dropped
    assert shorter == [s[:6] for s in got if len(s) >= 4]


def test_the_lee_corpus_ships_with_gensim_and_is_missed_loudly(monkeypatch):
    path = corpus.lee_corpus_path()
    assert path.name == "lee_background.cor" and path.is_file()
    assert "gensim" in path.parts
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install gensim"):
        corpus.lee_corpus_path()


def test_corpus_loads_real_english_deterministically(sentences):
    again = corpus.load_sentences()
    assert again == sentences
    assert 2000 < len(sentences) < 4000
    assert all(3 <= len(s) <= 40 for s in sentences)
    assert sentences[0][:3] == ["hundreds", "of", "people"]
    v1, v2 = corpus.Vocab.build(sentences), corpus.Vocab.build(again)
    assert v1.itos == v2.itos and v1.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert v1.decode(v1.encode(["the", "qqqzzz"])) == ["the", "<unk>"]


def test_vocab_orders_by_frequency_then_alphabet_and_drops_rare_words():
    sents = [["b", "a", "b"], ["c", "a", "b"], ["d", "z", "y"], ["y", "z"]]
    v = corpus.Vocab.build(sents)  # b: 3; a, y, z: 2; c, d: 1 (below min_count=2)
    assert v.itos == ["<pad>", "<unk>", "<bos>", "<eos>", "b", "a", "y", "z"]
    assert len(v) == 8 and v.pad == 0 and v.stoi["z"] == 7
    assert v.encode(["a", "c", "z"]) == [5, 1, 7]
    assert v.decode(torch.tensor([4, 1, 3])) == ["b", "<unk>", "<eos>"]
    assert corpus.Vocab.build(sents, min_count=1).itos[-2:] == ["c", "d"]


def test_lm_stream_folds_the_text_into_columns_by_hand():
    v = corpus.Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c"])
    # a b <eos> c <eos> a c <eos>: 8 ids; 3 columns of 2, the last 2 ids dropped
    stream = corpus.lm_stream([["a", "b"], ["c"], ["a", "c"]], v, batch_size=3)
    assert stream.dtype == torch.long
    assert stream.tolist() == [[4, 3, 3], [5, 6, 4]]  # columns: a b | <eos> c | <eos> a
    assert corpus.lm_stream([["a", "b"], ["c"]], v, 1).tolist() == [[4], [5], [3], [6], [3]]


def test_lm_stream_columns_read_the_text_in_order(sentences):
    vocab = corpus.Vocab.build(sentences)
    stream = corpus.lm_stream(sentences, vocab, batch_size=7)
    t_long = stream.shape[0]
    assert stream.shape[1] == 7
    flat = [i for s in sentences for i in [*vocab.encode(s), vocab.stoi["<eos>"]]]
    assert t_long == len(flat) // 7
    for b in range(7):
        assert stream[:, b].tolist() == flat[b * t_long : (b + 1) * t_long]


@pytest.mark.parametrize("batch_size, message", [(0, "batch_size must be >= 1"),
                                                 (9, "9 columns .* only 5 tokens")])  # fmt: skip
def test_lm_stream_refuses_a_stream_without_two_rows(batch_size, message):
    v = corpus.Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c"])
    with pytest.raises(ValueError, match=message):
        corpus.lm_stream([["a", "b"], ["c"]], v, batch_size)
    assert corpus.lm_stream([["a", "b"], ["c"]], v, 2).shape == (2, 2)  # the least that works


def test_translation_batches_refuse_an_empty_batch_size():
    v = corpus.Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "a"])
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        corpus.translation_batches([["a"]], v, 0)


def test_make_bundle_pads_shifts_and_masks_by_hand():
    v = corpus.Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c"])
    b = corpus.make_bundle([(["a", "b"], ["c"]), (["c"], ["a", "x", "b"])], v)
    assert b.src.tolist() == [[4, 5], [6, 0]]
    assert b.src_mask.tolist() == [[True, True], [True, False]]
    assert b.tgt_in.tolist() == [[2, 6, 0, 0], [2, 4, 1, 5]]  # <bos> y_1 .. y_n, padded
    assert b.tgt_out.tolist() == [[6, 3, 0, 0], [4, 1, 5, 3]]  # y_1 .. y_n <eos>, padded
    assert all(t.dtype == torch.long for t in (b.src, b.tgt_in, b.tgt_out))


def test_translation_batches_are_seeded_padded_and_masked(sentences):
    vocab = corpus.Vocab.build(sentences)
    a = corpus.translation_batches(sentences[:200], vocab, 16, seed=1)
    b = corpus.translation_batches(sentences[:200], vocab, 16, seed=1)
    c = corpus.translation_batches(sentences[:200], vocab, 16, seed=2)
    assert all(torch.equal(x.src, y.src) for x, y in zip(a, b, strict=True))
    assert any(not torch.equal(x.src, y.src) for x, y in zip(a, c, strict=True))
    assert sum(x.src.shape[0] for x in a) == 200 and len(a) == 13
    rows = sorted(tuple(r[m].tolist()) for x in a for r, m in zip(x.src, x.src_mask, strict=True))
    assert rows == sorted(tuple(vocab.encode(s)) for s in sentences[:200])  # each sentence once
    for x in a:
        assert torch.equal(x.src_mask, x.src != vocab.pad)
        assert torch.equal(x.tgt_in[:, 0], torch.full_like(x.tgt_in[:, 0], vocab.stoi["<bos>"]))
        # target-in shifted by one is target-out; <eos> closes every row
        assert torch.equal(x.tgt_in[:, 1:][x.src_mask], x.src[x.src_mask])
        lengths = x.src_mask.sum(1)
        assert torch.equal(
            x.tgt_out[torch.arange(len(lengths)), lengths],
            torch.full_like(lengths, vocab.stoi["<eos>"]),
        )


def test_translation_batches_group_sentences_of_similar_length(sentences):
    """Sentences grouped by length: the batches' length ranges do not interleave."""
    vocab = corpus.Vocab.build(sentences)
    bundles = corpus.translation_batches(sentences[:300], vocab, 20, seed=0)
    ranges = sorted((int(x.src_mask.sum(1).min()), int(x.src_mask.sum(1).max())) for x in bundles)
    assert all(hi <= lo for (_, hi), (lo, _) in zip(ranges, ranges[1:], strict=False)), ranges
