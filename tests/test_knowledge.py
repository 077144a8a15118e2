"""nlpcourse.knowledge: a6's experiment plumbing (the configurations and the device that picks
one, the seeded model, the trainer settings, the held-out accuracy from the student's two
functions, the warm-up's next-character windows) and that it is a student module."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import torch
from conftest import ROOT

from nlpcourse import gpt, knowledge


def test_configurations_build_and_are_picked_by_the_device():
    cpu, gpu = knowledge.CONFIGS["cpu"], knowledge.CONFIGS["gpu"]
    assert set(cpu) == set(gpu)
    for cfg in (cpu, gpu):
        assert cfg["n_embd"] % cfg["n_head"] == 0
        assert cfg["n_finetune"] < cfg["n_people"]
    assert knowledge.run_name(torch.device("cuda")) == "gpu" == knowledge.run_name("cuda")
    assert knowledge.run_name(torch.device("cpu")) == "cpu" == knowledge.run_name("mps")
    assert knowledge.run_name(torch.device("mps")) == "cpu"


def test_new_model_is_seeded_and_follows_the_configuration():
    cfg = dict(block_size=12, n_layer=1, n_head=2, n_embd=8, dropout=0.0)
    a, b = knowledge.new_model(7, cfg, seed=3), knowledge.new_model(7, cfg, seed=3)
    other = knowledge.new_model(7, cfg, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))
    assert not all(
        torch.equal(x, y) for x, y in zip(a.parameters(), other.parameters(), strict=True)
    )
    assert dataclasses.asdict(a.config) == dict(vocab_size=7, **cfg)
    full = knowledge.new_model(50, knowledge.CONFIGS["cpu"])
    assert (full.block_size, len(full.blocks)) == (48, 2)
    assert full.tok_emb.weight.shape == (50, 128)


def test_trainer_settings_give_exactly_the_steps_asked():
    settings = knowledge.trainer_settings(25, 1e-3, 10, progress=False, device="cpu", seed=1)
    assert settings == dict(
        max_iters=25,
        max_epochs=10**6,
        batch_size=10,
        learning_rate=1e-3,
        progress=False,
        device="cpu",
        seed=1,
    )
    with pytest.raises(TypeError):
        knowledge.trainer_settings(5, 1e-3, 2, max_iters=6)  # a field given twice is an error
    vocab = gpt.CharVocab.from_texts(["abcdefgh"])
    data = knowledge.TextWindows("abcdefgh" * 3, vocab, 4)
    model = knowledge.new_model(
        len(vocab), dict(block_size=4, n_layer=1, n_head=2, n_embd=8, dropout=0.0)
    )
    # 20 windows in batches of 10: 2 steps an epoch, so 25 steps outlast TrainerConfig's
    # default of 10 epochs: the step count decides, not the epochs
    losses = gpt.Trainer(model, data, gpt.TrainerConfig(**settings)).train()
    assert len(losses) == 25


def test_held_out_accuracy_asks_predict_place_and_scores_with_evaluate_places():
    pairs = [("Ada Okafor", "Lima"), ("Bo Li", "Oslo"), ("Cy Xu", "Kyiv")]
    asked, scored = [], []

    def predict(model, vocab, name, device):
        asked.append((model, vocab, name, device))
        return {"Ada Okafor": "Lima", "Bo Li": "Rome", "Cy Xu": "kyiv"}[name]

    def evaluate(true, predicted):
        scored.append((true, predicted))
        return len(true), sum(t.lower() == p.lower() for t, p in zip(true, predicted, strict=True))

    acc, examples = knowledge.held_out_accuracy("M", "V", pairs, predict, evaluate, "dev", 2)
    assert acc == pytest.approx(2 / 3)
    assert asked == [("M", "V", name, "dev") for name, _ in pairs]
    assert scored == [(["Lima", "Oslo", "Kyiv"], ["Lima", "Rome", "kyiv"])]
    assert examples == [("Ada Okafor", "Lima"), ("Bo Li", "Rome")]


def test_text_windows_are_next_character_examples():
    text = "hello world"
    vocab = gpt.CharVocab.from_texts([text])
    ds = knowledge.TextWindows(text, vocab, 4)
    assert len(ds) == 7
    for i in range(len(ds)):  # every window, against slicing the string
        x, y = ds[i]
        assert (vocab.decode(x), vocab.decode(y)) == (text[i : i + 4], text[i + 1 : i + 5])
        assert x.dtype == y.dtype == torch.long and x.shape == y.shape == (4,)
    assert len(knowledge.TextWindows(text, vocab, 10)) == 1
    with pytest.raises(ValueError, match="11 characters, not more than block_size=11"):
        knowledge.TextWindows(text, vocab, 11)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        knowledge.TextWindows("hello there", vocab, 4)


def test_knowledge_imports_no_instructor_module():
    """A student module: importing it loads neither the grader nor nbgrader."""
    code = "import sys, nlpcourse.knowledge; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert "nlpcourse.knowledge" in out and "nlpcourse.gpt" in out
    assert not [m for m in out if m == "nlpcourse.course" or m.startswith("nlpcourse.course.")]
    assert not [m for m in out if m.split(".")[0] in ("nbgrader", "jupyter_client", "nbclient")]
