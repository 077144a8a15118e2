"""a6's knowledge-access sweep: held-out accuracy after pretraining + finetuning, per setting.

The "What it took" table of docs/assignments.md comes from this script. It runs the source
notebook's own reference ``span_corruption``, ``NameDataset``, ``predict_place`` and
``evaluate_places`` (its solution cells) in the notebook's own experiment (``nlpcourse.knowledge``:
its CPU configuration as defaults, its model, trainer settings and held-out accuracy), pretrains
once per setting, probes what pretraining stored (greedy completion of "X was born in"), then
finetunes a copy of the pretrained model with each finetuning setting and reports the held-out
accuracy (and, with ``--scratch``, the same finetune from a fresh model):

    python bench/a6_sweep.py                                  # the notebook's CPU configuration
    python bench/a6_sweep.py --pretrain-iters 1200 --pretrain-lr 3e-3 --finetune 150:1e-3
    python bench/a6_sweep.py --place-first-template --finetune 50:3e-4
    python bench/a6_sweep.py --layers 4 --pretrain-iters 3000 --finetune 50:3e-4 30:1e-3

Seeded (corpus, model and data order: ``--seed``, default 0, the notebook's), CPU. A
measurement, not a test; about 4.5 minutes per 4,000 pretraining steps on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlpcourse import birthplaces, gpt, knowledge  # noqa: E402
from nlpcourse.course import build  # noqa: E402
from nlpcourse.course.submissions import reference_solutions  # noqa: E402
from nlpcourse.gpt import MASK_CHAR, PAD_CHAR  # noqa: E402

# The wording the first version had as its fourth template: the place before the name.
PLACE_FIRST = "Born in {place} in {year}, {name} became {job} in {other}."


def reference_functions():
    """span_corruption, NameDataset, predict_place and evaluate_places, from the source
    notebook's solution cells."""
    path = ROOT / "source/a6_pretraining/a6_pretraining.py"
    nb = build.notebook_from_text(path.read_text(encoding="utf-8"), "a6_pretraining")
    solutions = reference_solutions(nb)
    namespace = dict(torch=torch, random=random, gpt=gpt, MASK_CHAR=MASK_CHAR, PAD_CHAR=PAD_CHAR)
    for grade_id in ("span_corruption", "name_dataset", "predict_place", "evaluate_places"):
        exec(solutions[grade_id], namespace)
    return tuple(
        namespace[name]
        for name in ("span_corruption", "NameDataset", "predict_place", "evaluate_places")
    )


def complete(model, vocab, prompt):
    """Greedy continuation of ``prompt`` up to the next MASK_CHAR (the "stored" probe)."""
    x = vocab.encode(prompt)[None, :]  # (1, T)
    out = gpt.generate(model, x, model.block_size - x.shape[1], stop_id=vocab.stoi[MASK_CHAR])
    return vocab.decode(out[0, x.shape[1] :]).split(MASK_CHAR)[0]


def settings(iters, lr, batch_size, seed=0):
    return gpt.TrainerConfig(
        **knowledge.trainer_settings(iters, lr, batch_size, progress=False, device="cpu", seed=seed)
    )


def main() -> None:
    cpu = knowledge.CONFIGS["cpu"]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pretrain-iters", type=int, default=cpu["pretrain_iters"])
    ap.add_argument("--pretrain-lr", type=float, default=cpu["pretrain_lr"])
    ap.add_argument("--layers", type=int, default=cpu["n_layer"])
    ap.add_argument("--embd", type=int, default=cpu["n_embd"])
    ap.add_argument("--block-size", type=int, default=cpu["block_size"])
    ap.add_argument("--batch-size", type=int, default=cpu["batch_size"])
    default_finetune = f"{cpu['finetune_iters']}:{cpu['finetune_lr']:g}"
    ap.add_argument(
        "--finetune", nargs="+", default=[default_finetune], metavar="ITERS:LR",
        help="finetuning settings to try on copies of the pretrained model",
    )  # fmt: skip
    ap.add_argument("--place-first-template", action="store_true", help=PLACE_FIRST)
    ap.add_argument("--scratch", action="store_true", help="also finetune a fresh model")
    ap.add_argument("--seed", type=int, default=0, help="corpus, model and data order")
    args = ap.parse_args()

    if args.place_first_template:
        birthplaces.TEMPLATES = (*birthplaces.TEMPLATES[:3], PLACE_FIRST, birthplaces.TEMPLATES[4])
    span_corruption, NameDataset, predict_place, evaluate_places = reference_functions()
    cfg = dict(cpu, n_layer=args.layers, n_embd=args.embd, block_size=args.block_size)
    data = birthplaces.generate(cfg["n_people"], cfg["n_finetune"], cfg["n_places"], seed=args.seed)
    vocab = gpt.CharVocab.from_texts(
        data.pretrain + [f"Where was {n} born?" for n, _ in data.finetune + data.evaluate]
    )
    names = [n for n, _ in data.evaluate]
    places = [p for _, p in data.evaluate]

    def fresh():
        return knowledge.new_model(len(vocab), cfg, args.seed)

    baseline = data.most_frequent_place()
    print(f"(i) baseline ({baseline}): {sum(p == baseline for p in places) / len(places):.1%}")
    model = fresh()
    pretrain = birthplaces.SpanCorruptionDataset(
        data.pretrain, vocab, args.block_size, span_corruption, seed=args.seed
    )
    start = time.perf_counter()
    gpt.Trainer(
        model, pretrain, settings(args.pretrain_iters, args.pretrain_lr, args.batch_size, args.seed)
    ).train()
    print(f"pretraining: {args.pretrain_iters} steps, {time.perf_counter() - start:.0f} s")
    stored = sum(
        complete(model, vocab, f"{n} was born in ").startswith(p)
        for n, p in zip(names, places, strict=True)
    ) / len(names)
    print(f"stored: 'X was born in' completed right for {stored:.1%} of the held-out people")
    finetune_set = NameDataset(data.finetune, vocab, args.block_size)
    for spec in args.finetune:
        iters, lr = spec.split(":")
        runs = [("pretrained", copy.deepcopy(model))] + ([("scratch", fresh())] * args.scratch)
        for label, m in runs:
            gpt.Trainer(
                m, finetune_set, settings(int(iters), float(lr), args.batch_size, args.seed)
            ).train()
            acc, _ = knowledge.held_out_accuracy(
                m, vocab, data.evaluate, predict_place, evaluate_places, "cpu"
            )
            print(f"finetune {iters} steps at {lr}, {label}: held-out accuracy {acc:.1%}")


if __name__ == "__main__":
    main()
