"""Package code of a5: the Lee corpus loader and batching, and the LSTM language models."""

import pytest
import torch
import torch.nn.functional as F

from nlpcourse import corpus, seq2seq


class _Attention(seq2seq.AttentionBase):
    """A test-only Luong attention (the package has none: students write it)."""

    def score(self, Q, K):
        return self.linear_in(Q) @ K.transpose(1, 2)

    def forward(self, queries, keys, mask=None):
        s = self.score(queries, keys)
        if mask is not None:
            s = s.masked_fill(~mask[:, None, :], float("-inf"))
        w = F.softmax(s, -1)
        return torch.tanh(self.linear_out(torch.cat([w @ keys, queries], -1))), w


@pytest.fixture(scope="module")
def sentences():
    return corpus.load_sentences()


def test_corpus_loads_real_english_deterministically(sentences):
    again = corpus.load_sentences()
    assert again == sentences
    assert 2000 < len(sentences) < 4000
    assert all(3 <= len(s) <= 40 for s in sentences)
    assert sentences[0][:3] == ["hundreds", "of", "people"]
    v1, v2 = corpus.Vocab.build(sentences), corpus.Vocab.build(again)
    assert v1.itos == v2.itos and v1.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert v1.decode(v1.encode(["the", "qqqzzz"])) == ["the", "<unk>"]


def test_lm_stream_columns_read_the_text_in_order(sentences):
    vocab = corpus.Vocab.build(sentences)
    stream = corpus.lm_stream(sentences, vocab, batch_size=7)
    t_long = stream.shape[0]
    assert stream.shape[1] == 7
    flat = [i for s in sentences for i in [*vocab.encode(s), vocab.stoi["<eos>"]]]
    assert stream[:, 2].tolist() == flat[2 * t_long : 3 * t_long]


def test_translation_batches_are_seeded_padded_and_masked(sentences):
    vocab = corpus.Vocab.build(sentences)
    a = corpus.translation_batches(sentences[:200], vocab, 16, seed=1)
    b = corpus.translation_batches(sentences[:200], vocab, 16, seed=1)
    c = corpus.translation_batches(sentences[:200], vocab, 16, seed=2)
    assert all(torch.equal(x.src, y.src) for x, y in zip(a, b, strict=True))
    assert any(not torch.equal(x.src, y.src) for x, y in zip(a, c, strict=True))
    assert sum(x.src.shape[0] for x in a) == 200
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


def _bundle():
    vocab = corpus.Vocab.build([list("abcdefgh")], min_count=1)
    pairs = [(list("abcde"), list("abcde")), (list("fg"), list("fg"))]
    return vocab, corpus.make_bundle(pairs, vocab)


@pytest.mark.parametrize("attention", [False, True])
def test_seq2seq_shapes(attention):
    torch.manual_seed(0)
    vocab, b = _bundle()
    model = seq2seq.Seq2SeqLM(len(vocab), 8, attention=_Attention(8) if attention else None)
    logits, w = model(b.src, b.src_mask, b.tgt_in, return_attention=True)
    assert logits.shape == (2, 6, len(vocab))
    if attention:
        assert w.shape == (2, 6, 5)
        assert torch.allclose(w.sum(-1), torch.ones(2, 6), atol=1e-6)
        assert model.attention_weights(vocab.encode(list("abc")), [2, 4, 5, 6]).shape == (4, 3)
    else:
        assert w is None


def test_padding_changes_nothing():
    """A sentence scores the same alone and padded in a bundle with a longer one."""
    torch.manual_seed(0)
    vocab, b = _bundle()
    for att in [None, _Attention(8)]:
        model = seq2seq.Seq2SeqLM(len(vocab), 8, attention=att).eval()
        _, w = model(b.src, b.src_mask, b.tgt_in, return_attention=True)
        if att is not None:
            assert float(w[1, :, 2:].detach().abs().max()) == 0.0  # padded keys get no weight
        alone = corpus.make_bundle([(list("fg"), list("fg"))], vocab)
        full = model(b.src, b.src_mask, b.tgt_in)[1, :3]
        single = model(alone.src, alone.src_mask, alone.tgt_in)[0]
        assert torch.allclose(full, single, atol=1e-5)


def test_lstm_lm_shapes_and_hidden_carry():
    model = seq2seq.LSTMLM(11, 6)
    x = torch.randint(0, 11, (5, 3))
    logits, hidden = model(x)
    assert logits.shape == (5, 3, 11) and hidden[0].shape == (1, 3, 6)
    assert all(not h.requires_grad for h in seq2seq.detach_hidden(hidden))


def test_a_few_training_steps_lower_the_loss(sentences):
    torch.manual_seed(0)
    vocab = corpus.Vocab.build(sentences[:60], min_count=1)
    stream = corpus.lm_stream(sentences[:60], vocab, 4)
    lm = seq2seq.LSTMLM(len(vocab), 16)
    opt = torch.optim.Adam(lm.parameters(), lr=1e-2)
    before = seq2seq.lm_epoch(lm, stream, 20)
    for _ in range(3):
        seq2seq.lm_epoch(lm, stream, 20, opt)
    assert seq2seq.lm_epoch(lm, stream, 20) < before
    bundles = corpus.translation_batches(sentences[:40], vocab, 8)
    model = seq2seq.Seq2SeqLM(len(vocab), 16, attention=_Attention(16))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = seq2seq.seq2seq_epoch(model, bundles)
    for _ in range(2):
        seq2seq.seq2seq_epoch(model, bundles, opt)
    assert seq2seq.seq2seq_epoch(model, bundles) < before


def test_base_attention_leaves_score_and_forward_to_students():
    att = seq2seq.AttentionBase(4)
    assert att.linear_in.weight.shape == (4, 4) and att.linear_in.bias is None
    assert att.linear_out.weight.shape == (4, 8) and att.linear_out.bias is None
    with pytest.raises(NotImplementedError):
        att.score(torch.zeros(1, 1, 4), torch.zeros(1, 1, 4))
