"""a6's knowledge-access run: its two configurations, the model and trainer settings it builds
from them, and the held-out accuracy it reports.

This is the plumbing around the student's work in a6 Part 2, shared by the notebook and by
``bench/a6_sweep.py`` so that both run the same experiment: :data:`CONFIGS` (the CPU
configuration, scaled down, and CS224n's sizes for a GPU), :func:`new_model` (a freshly seeded
:class:`nlpcourse.gpt.GPT` of a configuration), :func:`trainer_settings` (the keyword arguments
of :class:`nlpcourse.gpt.TrainerConfig` for one training phase) and :func:`held_out_accuracy`
(the student's ``predict_place`` asked about every held-out person, scored by the student's
``evaluate_places``: both are passed in, nothing here grades them).

:class:`TextWindows` serves the warm-up demo of Part 2, where a tiny GPT learns to continue the
biographies character by character (plain language modelling, no span corruption).

A student module: it imports only torch and :mod:`nlpcourse.gpt`, never the grader.
"""

from __future__ import annotations

import torch

from nlpcourse import gpt

#: The notebook's two configurations: "cpu" (scaled down, about 5 minutes on 2 cores) and "gpu"
#: (CS224n's model and block size). Same corpus and step counts in both.
CONFIGS = {
    "cpu": dict(
        n_people=240, n_finetune=150, n_places=60, block_size=48,
        n_layer=2, n_head=4, n_embd=128, dropout=0.0,
        pretrain_iters=4000, pretrain_lr=1e-3, batch_size=32,
        finetune_iters=50, finetune_lr=3e-4, finetune_batch_size=32,
    ),
    "gpu": dict(
        n_people=240, n_finetune=150, n_places=60, block_size=128,
        n_layer=4, n_head=8, n_embd=256, dropout=0.1,
        pretrain_iters=4000, pretrain_lr=6e-4, batch_size=128,
        finetune_iters=50, finetune_lr=3e-4, finetune_batch_size=32,
    ),
}  # fmt: skip


def run_name(device) -> str:
    """The configuration to use on ``device``: "gpu" on CUDA, else "cpu"."""
    return "gpu" if getattr(device, "type", str(device)) == "cuda" else "cpu"


def new_model(vocab_size: int, cfg: dict, seed: int = 0) -> gpt.GPT:
    """A GPT of configuration ``cfg`` (block size, layers, heads, width, dropout), its weights
    drawn after ``torch.manual_seed(seed)``: the same seed gives the same model."""
    torch.manual_seed(seed)
    config = gpt.GPTConfig(
        vocab_size, cfg["block_size"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["dropout"]
    )
    return gpt.GPT(config)


def trainer_settings(iters: int, lr: float, batch_size: int, **extra) -> dict:
    """``TrainerConfig`` keywords for ``iters`` steps of ``batch_size`` at peak rate ``lr``
    (epochs unbounded, so the step count decides); ``extra`` adds or overrides fields."""
    return dict(max_iters=iters, max_epochs=10**6, batch_size=batch_size, learning_rate=lr, **extra)


def held_out_accuracy(
    model, vocab, pairs, predict_place, evaluate_places, device="cpu", n_examples=4
):
    """(accuracy, examples): ``predict_place(model, vocab, name, device)`` for every
    ``(name, place)`` of ``pairs``, scored by ``evaluate_places(true, predicted)``, and the first
    ``n_examples`` (name, predicted place) pairs to show."""
    names = [name for name, _ in pairs]
    true = [place for _, place in pairs]
    predicted = [predict_place(model, vocab, name, device) for name in names]
    total, correct = evaluate_places(true, predicted)
    return correct / total, list(zip(names[:n_examples], predicted[:n_examples], strict=True))


class TextWindows(torch.utils.data.Dataset):
    """Next-character examples from one text (minGPT's ``CharDataset``): item i is the window of
    ``block_size`` ids starting at character i and the same window shifted by one."""

    def __init__(self, text: str, vocab: gpt.CharVocab, block_size: int):
        if len(text) <= block_size:
            raise ValueError(
                f"the text has {len(text)} characters, not more than block_size={block_size}: "
                "give it more text or a smaller block"
            )
        self.ids = vocab.encode(text)  # (N,)
        self.block_size = block_size

    def __len__(self):
        return len(self.ids) - self.block_size

    def __getitem__(self, i):
        chunk = self.ids[i : i + self.block_size + 1]  # (block_size + 1,)
        return chunk[:-1], chunk[1:]  # (block_size,), (block_size,)
