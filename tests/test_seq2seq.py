"""nlpcourse.seq2seq: the LSTM language models against hand-written LSTM equations (the
conditional model with and without Luong input-feeding attention, padding included), the
epoch losses and perplexities against a whole-stream / per-token hand computation, training,
and the errors for a stream without bptt."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import luong_general_attention

from nlpcourse import corpus, seq2seq

_Attention = luong_general_attention()


def _vocab():
    return corpus.Vocab.build([list("abcdefgh")], min_count=1)


def _bundle():
    vocab = _vocab()
    pairs = [(list("abcde"), list("abcde")), (list("fg"), list("fg"))]
    return vocab, corpus.make_bundle(pairs, vocab)


def _perturbed(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return model.eval()


# -- a reference written from the equations -----------------------------------------------------


def _lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step from its equations (gates in torch's order i, f, g, o)."""
    i, f, g, o = (w_ih @ x + b_ih + w_hh @ h + b_hh).chunk(4)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _reference_logits(model, src, tgt_in):
    """Logits (T, V) of one unpadded (source ids, decoder input ids) pair, step by step."""
    E, d = model.embed.weight, model.dim
    enc = [
        getattr(model.encoder, f"{n}_l0") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]
    h = c = torch.zeros(d, dtype=E.dtype)
    states = []
    for tok in src:
        h, c = _lstm_step(E[tok], h, c, *enc)
        states.append(h)
    H = torch.stack(states)  # (S, d)
    out = []
    if model.attention is None:
        dec = [
            getattr(model.decoder, f"{n}_l0")
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]
        for tok in tgt_in:
            h, c = _lstm_step(E[tok], h, c, *dec)
            out.append(model.out.weight @ h + model.out.bias)
        return torch.stack(out)
    cell = model.decoder_cell
    W, Wc = model.attention.linear_in.weight, model.attention.linear_out.weight
    feed = torch.zeros(d, dtype=E.dtype)  # h~_0 = 0
    for tok in tgt_in:
        x = torch.cat([E[tok], feed])  # [emb(y_{t-1}); h~_{t-1}]
        h, c = _lstm_step(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        a = torch.softmax(H @ (W @ h), 0)  # (S,): score(h_t, h_s) = (W h_t) . h_s
        feed = torch.tanh(Wc @ torch.cat([a @ H, h]))  # h~_t = tanh(W_c [c_t; h_t])
        out.append(model.out.weight @ feed + model.out.bias)
    return torch.stack(out)


@pytest.mark.parametrize("attention", [False, True])
def test_seq2seq_is_the_lstm_equations_step_by_step(attention):
    """Each row of a padded bundle, against the equations run on that row alone."""
    torch.manual_seed(0)
    vocab, b = _bundle()
    att = _Attention(8) if attention else None
    model = _perturbed(seq2seq.Seq2SeqLM(len(vocab), 8, attention=att).double())
    with torch.no_grad():
        logits = model(b.src, b.src_mask, b.tgt_in)
        for i in range(2):
            n = int(b.src_mask[i].sum())
            want = _reference_logits(model, b.src[i, :n].tolist(), b.tgt_in[i, : n + 1].tolist())
            torch.testing.assert_close(logits[i, : n + 1], want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("attention", [False, True])
def test_seq2seq_shapes(attention):
    torch.manual_seed(0)
    vocab, b = _bundle()
    model = seq2seq.Seq2SeqLM(len(vocab), 8, attention=_Attention(8) if attention else None)
    logits, w = model(b.src, b.src_mask, b.tgt_in, return_attention=True)
    assert logits.shape == (2, 6, len(vocab))
    assert torch.equal(model(b.src, b.src_mask, b.tgt_in), logits)
    if attention:
        assert w.shape == (2, 6, 5)
        assert torch.allclose(w.sum(-1), torch.ones(2, 6, dtype=w.dtype), atol=1e-6)
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


def test_attention_weights_of_one_pair_are_the_forward_passs():
    torch.manual_seed(0)
    vocab = _vocab()
    model = seq2seq.Seq2SeqLM(len(vocab), 8, attention=_Attention(8), dropout=0.5).train()
    src, tgt_in = vocab.encode(list("abc")), [2, *vocab.encode(list("de"))]
    w = model.attention_weights(src, tgt_in)
    assert w.shape == (3, 3) and w.device.type == "cpu" and not w.requires_grad
    assert model.training, "attention_weights must leave the model in the mode it found"
    model.eval()
    with torch.no_grad():
        _, want = model(torch.tensor([src]), torch.ones(1, 3, dtype=torch.bool),
                        torch.tensor([tgt_in]), return_attention=True)  # fmt: skip
    torch.testing.assert_close(w, want[0])


def test_lstm_lm_is_time_major_and_carries_its_state():
    torch.manual_seed(0)
    model = seq2seq.LSTMLM(11, 6).eval()
    x = torch.randint(0, 11, (5, 3))
    logits, hidden = model(x)
    assert logits.shape == (5, 3, 11) and hidden[0].shape == hidden[1].shape == (1, 3, 6)
    first, carried = model(x[:2])
    rest, _ = model(x[2:], carried)
    torch.testing.assert_close(torch.cat([first, rest]), logits)  # two slices = one pass
    assert not torch.allclose(model(x[2:])[0], rest)  # and the state mattered
    cut = seq2seq.detach_hidden(hidden)
    assert all(not h.requires_grad for h in cut) and seq2seq.detach_hidden(None) is None
    assert all(torch.equal(a, b) for a, b in zip(cut, hidden, strict=True))


def test_base_attention_leaves_score_and_forward_to_students():
    att = seq2seq.AttentionBase(4)
    assert att.linear_in.weight.shape == (4, 4) and att.linear_in.bias is None
    assert att.linear_out.weight.shape == (4, 8) and att.linear_out.bias is None
    with pytest.raises(NotImplementedError):
        att.score(torch.zeros(1, 1, 4), torch.zeros(1, 1, 4))
    with pytest.raises(NotImplementedError):
        att(torch.zeros(1, 1, 4), torch.zeros(1, 1, 4))


# -- losses, epochs, perplexity ----------------------------------------------------------------


def _stream(T=11, B=3, V=9, seed=0):
    return torch.randint(0, V, (T, B), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("bptt", [1, 4, 10, 50])
def test_lm_epoch_is_the_whole_streams_mean_loss(bptt):
    """Evaluating in bptt slices, state carried over, is one pass over the whole stream."""
    torch.manual_seed(0)
    model = seq2seq.LSTMLM(9, 5).double()
    stream = _stream()
    with torch.no_grad():
        logits, _ = model.eval()(stream[:-1])  # (10, 3, V)
        want = -torch.log_softmax(logits, -1).gather(-1, stream[1:, :, None]).mean()
    assert seq2seq.lm_epoch(model, stream, bptt) == pytest.approx(float(want), rel=1e-10)
    assert seq2seq.perplexity(model, stream, bptt=bptt) == pytest.approx(
        math.exp(float(want)), rel=1e-10
    )


def test_seq2seq_loss_sums_over_real_target_tokens():
    torch.manual_seed(0)
    vocab, b = _bundle()
    model = seq2seq.Seq2SeqLM(len(vocab), 8, attention=_Attention(8)).double().eval()
    loss, n = seq2seq.seq2seq_loss(model, b)
    assert n == 6 + 3  # "abcde" + <eos>, "fg" + <eos>
    with torch.no_grad():
        logp = torch.log_softmax(model(b.src, b.src_mask, b.tgt_in), -1)
    want = -sum(
        logp[i, t, b.tgt_out[i, t]] for i in range(2) for t in range(6) if b.tgt_out[i, t] != 0
    )
    assert loss.item() == pytest.approx(float(want), rel=1e-10)
    halves = [corpus.make_bundle([(list(s), list(s))], vocab) for s in ("abcde", "fg")]
    per = [seq2seq.seq2seq_loss(model, h) for h in halves]
    mean = sum(x.item() for x, _ in per) / sum(k for _, k in per)
    assert seq2seq.seq2seq_epoch(model, halves) == pytest.approx(mean, rel=1e-10)
    assert seq2seq.perplexity(model, halves) == pytest.approx(math.exp(mean), rel=1e-10)


def test_train_reports_each_epochs_own_training_perplexity(capsys):
    """With a learning rate of 0 nothing moves: every epoch's training perplexity is the
    model's perplexity (no dropout here), and evaluation changed no weight."""
    torch.manual_seed(0)
    vocab, b = _bundle()
    model = seq2seq.Seq2SeqLM(len(vocab), 8, attention=_Attention(8)).double()
    before = [p.detach().clone() for p in model.parameters()]
    ppl = seq2seq.perplexity(model, [b])
    assert not model.training
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters(), strict=True))
    history = seq2seq.train(model, [b], epochs=3, lr=0.0)
    assert history == pytest.approx([ppl] * 3, rel=1e-10)
    assert "epoch  3  training perplexity" in capsys.readouterr().out
    lm = seq2seq.LSTMLM(9, 5).double()
    stream = _stream()
    flat = seq2seq.train(lm, stream, epochs=2, lr=0.0, bptt=4, verbose=False)
    assert flat == pytest.approx([seq2seq.perplexity(lm, stream, bptt=4)] * 2, rel=1e-10)
    assert capsys.readouterr().out == ""


def test_a_stream_needs_bptt():
    lm = seq2seq.LSTMLM(9, 5)
    with pytest.raises(ValueError, match="needs bptt=, e.g. bptt=35"):
        seq2seq.train(lm, _stream(), epochs=1, verbose=False)
    with pytest.raises(ValueError, match="needs bptt=, e.g. bptt=35"):
        seq2seq.perplexity(lm, _stream())


def test_a_few_training_steps_lower_the_loss():
    sentences = corpus.load_sentences()
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
    history = seq2seq.train(model, bundles, epochs=2, verbose=False)
    assert len(history) == 2 and history[1] < history[0]
