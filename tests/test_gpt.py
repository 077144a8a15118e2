"""nlpcourse.gpt: the character vocabulary, the minGPT model against torch's own attention and
transformer layer, the padding-blind loss, greedy generation, and the trainer (its steps, its
learning-rate schedule, its clipping and weight decay, its seeding), with the errors for bad
input."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from nlpcourse import gpt
from nlpcourse.gpt import MASK_CHAR, PAD_CHAR


def _tiny(vocab_size=10, block_size=16, n_layer=2, n_head=2, n_embd=16, seed=0):
    torch.manual_seed(seed)
    return gpt.GPT(gpt.GPTConfig(vocab_size, block_size, n_layer, n_head, n_embd, dropout=0.0))


def _perturbed(model, seed=1):
    """``model`` with every parameter moved off its init (LayerNorms 1/0 and zero biases would
    let a wrong wiring of them pass unseen)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return model.eval()


# -- vocabulary --------------------------------------------------------------------------------


def test_vocab_reserves_pad_and_mask_and_names_unknown_characters():
    v = gpt.CharVocab.from_texts(["ab", "ba c"])
    assert v.itos == [PAD_CHAR, MASK_CHAR, " ", "a", "b", "c"] and len(v) == 6
    assert v.stoi[PAD_CHAR] == 0 and v.stoi[MASK_CHAR] == 1
    assert v.encode("a b").tolist() == [3, 2, 4] and v.encode("a").dtype == torch.long
    assert v.decode(v.encode("a b")) == "a b"
    with pytest.raises(ValueError, match=r"\['y', 'z'\] are not in the vocabulary"):
        v.encode("azyz")


def test_vocab_keeps_pad_and_mask_once_when_the_texts_hold_them():
    v = gpt.CharVocab(["b", MASK_CHAR, "a", PAD_CHAR, "b"])
    assert v.itos == [PAD_CHAR, MASK_CHAR, "a", "b"]
    assert v.decode([1, 2, 0]) == MASK_CHAR + "a" + PAD_CHAR


# -- the model against torch -------------------------------------------------------------------


def test_causal_attention_is_torchs_scaled_dot_product_attention():
    torch.manual_seed(0)
    config = gpt.GPTConfig(vocab_size=5, block_size=9, n_head=3, n_embd=12, dropout=0.0)
    att = gpt.CausalSelfAttention(config).double().eval()
    x = torch.randn(2, 7, 12, dtype=torch.double)  # shorter than the block
    B, T, C, h = 2, 7, 12, 3

    def heads(lin):  # (B, T, C) -> (B, h, T, C / h)
        return lin(x).view(B, T, h, C // h).transpose(1, 2)

    y = F.scaled_dot_product_attention(
        heads(att.query), heads(att.key), heads(att.value), is_causal=True
    )  # (B, h, T, C / h)
    want = att.proj(y.transpose(1, 2).reshape(B, T, C))
    torch.testing.assert_close(att(x), want, rtol=1e-12, atol=1e-12)


def test_gpt_is_embeddings_then_torchs_pre_norm_transformer_layers():
    """The whole forward pass against torch's nn.TransformerEncoderLayer (norm_first, GELU,
    causal mask) carrying the same weights: blocks, final LayerNorm and head included."""
    m = _perturbed(_tiny(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8).double())
    layers = []
    for blk in m.blocks:
        layer = nn.TransformerEncoderLayer(
            8, 2, dim_feedforward=32, dropout=0.0, activation="gelu",
            batch_first=True, norm_first=True, dtype=torch.double,
        )  # fmt: skip
        a = blk.attn
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(
                torch.cat([a.query.weight, a.key.weight, a.value.weight])
            )
            layer.self_attn.in_proj_bias.copy_(torch.cat([a.query.bias, a.key.bias, a.value.bias]))
            layer.self_attn.out_proj.weight.copy_(a.proj.weight)
            layer.self_attn.out_proj.bias.copy_(a.proj.bias)
            for ours, theirs in [(blk.mlp[0], layer.linear1), (blk.mlp[2], layer.linear2),
                                 (blk.ln1, layer.norm1), (blk.ln2, layer.norm2)]:  # fmt: skip
                theirs.weight.copy_(ours.weight)
                theirs.bias.copy_(ours.bias)
        layers.append(layer.eval())
    idx = torch.randint(0, 11, (3, 6), generator=torch.Generator().manual_seed(0))
    x = m.tok_emb(idx) + m.pos_emb[:, :6]
    causal = nn.Transformer.generate_square_subsequent_mask(6, dtype=torch.double)
    with torch.no_grad():
        for layer in layers:
            x = layer(x, src_mask=causal)
        want = m.head(m.ln_f(x))
        logits, loss = m(idx)
    assert loss is None and logits.shape == (3, 6, 11)
    torch.testing.assert_close(logits, want, rtol=1e-10, atol=1e-10)


def test_the_past_never_sees_the_future_and_long_inputs_are_refused():
    m = _perturbed(_tiny())
    x = torch.randint(0, 10, (3, 12))
    logits, _ = m(x)
    x2 = x.clone()
    x2[:, 8:] = (x2[:, 8:] + 1) % 10  # change the future: the past's logits must not move
    with torch.no_grad():
        assert torch.allclose(m(x2)[0][:, :8], logits[:, :8], atol=1e-6)
        assert not torch.allclose(m(x2)[0][:, 8:], logits[:, 8:])
    with pytest.raises(ValueError, match="length 17 is longer than block_size=16"):
        m(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match="n_embd=16 is not divisible by n_head=3"):
        gpt.GPT(gpt.GPTConfig(10, 8, n_head=3, n_embd=16))


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    m = gpt.GPT(gpt.GPTConfig(10, 8, n_layer=1, n_head=2, n_embd=16, dropout=0.5))
    x = torch.randint(0, 10, (2, 8))
    m.eval()
    torch.testing.assert_close(m(x)[0], m(x)[0])
    m.train()
    assert not torch.allclose(m(x)[0], m(x)[0])


def test_loss_ignores_pad_targets():
    m = _perturbed(_tiny())
    x = torch.randint(0, 10, (2, 8))
    y = torch.randint(1, 10, (2, 8))
    y_pad = y.clone()
    y_pad[:, :5] = 0
    logits, loss = m(x, y_pad)
    # the mean of -log p(target) over the 2 x 3 real positions, by hand
    logp = torch.log_softmax(logits, -1)
    want = -sum(logp[b, t, y[b, t]] for b in range(2) for t in range(5, 8)) / 6
    torch.testing.assert_close(loss, want)


def test_count_parameters_is_the_architectures_count():
    V, T, L, d = 7, 5, 2, 8
    m = _tiny(vocab_size=V, block_size=T, n_layer=L, n_head=2, n_embd=d)
    per_block = 4 * (d * d + d) + 2 * 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d)
    assert gpt.count_parameters(m) == V * d + T * d + L * per_block + 2 * d + d * V


def test_optimizer_decays_the_linear_weights_only():
    m = _tiny()
    opt = m.configure_optimizer(1e-3, 0.1, (0.8, 0.9))
    names = {id(p): n for n, p in m.named_parameters()}
    decayed = {
        names[id(p)] for g in opt.param_groups if g["weight_decay"] == 0.1 for p in g["params"]
    }
    plain = {
        names[id(p)] for g in opt.param_groups if g["weight_decay"] == 0.0 for p in g["params"]
    }
    assert not decayed & plain and decayed | plain == set(names.values())
    linear = {f"{n}.weight" for n, mod in m.named_modules() if isinstance(mod, nn.Linear)}
    assert decayed == linear and "head.weight" in decayed
    assert {"pos_emb", "tok_emb.weight", "ln_f.weight", "blocks.0.attn.key.bias"} <= plain
    assert all(g["lr"] == 1e-3 and g["betas"] == (0.8, 0.9) for g in opt.param_groups)


# -- generation --------------------------------------------------------------------------------


class _Successor(nn.Module):
    """A stand-in language model: after id i it predicts (i + 1) mod V, and it refuses inputs
    longer than its block size (as GPT does)."""

    def __init__(self, vocab_size=8, block_size=4):
        super().__init__()
        self.vocab_size, self.block_size = vocab_size, block_size
        self.seen = []

    def forward(self, x):
        assert x.shape[1] <= self.block_size, x.shape
        self.seen.append(x.shape[1])
        return F.one_hot((x + 1) % self.vocab_size, self.vocab_size).float(), None


def test_generate_is_greedy_and_reads_at_most_a_block():
    m = _Successor()
    out = gpt.generate(m, torch.tensor([[5, 6]]), 7)
    assert out.tolist() == [[5, 6, 7, 0, 1, 2, 3, 4, 5]]
    assert max(m.seen) == 4 and not m.training
    real = _perturbed(_tiny(block_size=6))
    x = torch.randint(0, 10, (2, 3))
    want = x
    for _ in range(5):  # explicit loop: argmax of the last position, on the last 6 ids
        logits, _ = real(want[:, -6:])
        want = torch.cat([want, logits[:, -1].argmax(-1, keepdim=True)], 1)
    assert torch.equal(gpt.generate(real, x, 5), want)


def test_generate_stops_once_every_row_has_hit_stop_id():
    out = gpt.generate(_Successor(), torch.tensor([[2]]), 10, stop_id=5)
    assert out.tolist() == [[2, 3, 4, 5]]
    # two rows: the second reaches 5 first, the first two steps later; then generation stops
    out = gpt.generate(_Successor(), torch.tensor([[1], [3]]), 10, stop_id=5)
    assert out.tolist() == [[1, 2, 3, 4, 5], [3, 4, 5, 6, 7]]
    assert gpt.generate(_Successor(), torch.tensor([[1]]), 3, stop_id=7).shape == (1, 4)


# -- the trainer -------------------------------------------------------------------------------


def test_trainer_learns_a_tiny_task_and_generate_stops_at_mask():
    vocab = gpt.CharVocab.from_texts(["Where was Al born?Oslo"])
    s = "Where was Al born?" + MASK_CHAR + "Oslo" + MASK_CHAR
    ids = vocab.encode(s + PAD_CHAR * (17 + 1 + 24 - len(s)))
    data = [(ids[:-1], ids[1:])] * 8
    torch.manual_seed(0)
    m = gpt.GPT(gpt.GPTConfig(len(vocab), 41, n_layer=1, n_head=2, n_embd=32, dropout=0))
    cfg = gpt.TrainerConfig(
        max_epochs=100, max_iters=60, batch_size=8, learning_rate=1e-2, progress=False
    )
    trainer = gpt.Trainer(m, data, cfg)
    losses = trainer.train()
    assert trainer.device.type in ("cpu", "cuda", "mps")
    assert len(losses) == 60 and losses[-1] < 0.2 * losses[0]
    assert not m.training  # left in eval mode
    prompt = vocab.encode("Where was Al born?" + MASK_CHAR)[None]
    out = gpt.generate(m, prompt, 20, stop_id=vocab.stoi[MASK_CHAR])
    assert vocab.decode(out[0, prompt.shape[1] :]) == "Oslo" + MASK_CHAR


def _windows(n, T=6, V=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, V, (n, T + 1), generator=g)
    return [(r[:-1], r[1:]) for r in ids]


def _spy(monkeypatch, model):
    """Per optimizer step: the learning rate of each group and the gradients' global norm."""
    seen = []
    configure = model.configure_optimizer

    def spying(*args, **kwargs):
        opt = configure(*args, **kwargs)
        step = opt.step

        def record(*a, **k):
            grads = [p.grad for p in model.parameters() if p.grad is not None]
            norm = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])))
            seen.append(([g["lr"] for g in opt.param_groups], norm))
            return step(*a, **k)

        opt.step = record
        return opt

    monkeypatch.setattr(model, "configure_optimizer", spying)
    return seen


def test_learning_rate_warms_up_linearly_then_decays_to_a_tenth(monkeypatch):
    m = _tiny(block_size=6)
    seen = _spy(monkeypatch, m)
    cfg = gpt.TrainerConfig(max_iters=20, batch_size=4, learning_rate=1e-2, warmup_frac=0.25,
                            device="cpu", progress=False)  # fmt: skip
    gpt.Trainer(m, _windows(8), cfg).train()
    lrs = [lr[0] for lr, _ in seen]
    assert len(lrs) == 20 and all(len(set(lr)) == 1 for lr, _ in seen)  # every group alike
    # 5 warm-up steps: 1/5, 2/5, ... of the peak; then a cosine from the peak towards 10%
    assert lrs[:6] == pytest.approx([2e-3, 4e-3, 6e-3, 8e-3, 1e-2, 1e-2])
    for step in range(5, 20):
        cos = 0.5 * (1 + math.cos(math.pi * (step - 5) / 15))
        assert lrs[step] == pytest.approx(1e-2 * (0.1 + 0.9 * cos))
    assert all(a > b for a, b in zip(lrs[5:], lrs[6:], strict=False)) and lrs[-1] > 1e-3

    m = _tiny(block_size=6)
    seen = _spy(monkeypatch, m)
    cfg.lr_decay = False
    gpt.Trainer(m, _windows(8), cfg).train()
    assert {lr[0] for lr, _ in seen} == {1e-2}


def test_gradients_are_clipped_to_the_configured_norm(monkeypatch):
    m = _tiny(block_size=6)
    seen = _spy(monkeypatch, m)
    cfg = gpt.TrainerConfig(max_iters=5, batch_size=4, grad_norm_clip=1e-3, device="cpu",
                            progress=False)  # fmt: skip
    gpt.Trainer(m, _windows(8), cfg).train()
    assert len(seen) == 5 and all(norm <= 1e-3 * (1 + 1e-4) for _, norm in seen), seen
    m = _tiny(block_size=6)
    seen = _spy(monkeypatch, m)
    cfg.grad_norm_clip = 1e6
    gpt.Trainer(m, _windows(8), cfg).train()
    assert all(norm > 1e-2 for _, norm in seen)  # the tiny bound above did bind


@pytest.mark.parametrize(
    "n, batch_size, epochs, max_iters, steps",
    [
        (20, 8, 3, None, 6),  # 2 full batches an epoch (the last, partial one is dropped)
        (5, 8, 3, None, 3),  # fewer examples than a batch: one batch of all of them an epoch
        (20, 8, 3, 4, 4),  # max_iters comes first
        (20, 8, 3, 100, 6),  # the epochs come first
    ],
)
def test_trainer_takes_the_steps_its_config_allows(n, batch_size, epochs, max_iters, steps):
    cfg = gpt.TrainerConfig(max_epochs=epochs, max_iters=max_iters, batch_size=batch_size,
                            device="cpu", progress=False)  # fmt: skip
    assert len(gpt.Trainer(_tiny(block_size=6), _windows(n), cfg).train()) == steps


def test_training_is_seeded_by_the_config():
    def run(seed):
        cfg = gpt.TrainerConfig(max_iters=6, batch_size=4, device="cpu", seed=seed, progress=False)
        return gpt.Trainer(_tiny(block_size=6), _windows(16), cfg).train()

    assert run(0) == run(0) and run(0) != run(1)


def test_trainer_rejects_an_empty_dataset():
    with pytest.raises(ValueError, match="the training dataset is empty"):
        gpt.Trainer(_tiny(), [], gpt.TrainerConfig(progress=False)).train()


def test_device_auto_asks_pick_device_and_names_are_torch_devices(monkeypatch):
    from nlpcourse import setup_cell

    assert gpt.resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(setup_cell, "pick_device", lambda: torch.device("meta"))
    assert gpt.resolve_device("auto") == torch.device("meta")
    assert gpt.resolve_device() == torch.device("meta")
