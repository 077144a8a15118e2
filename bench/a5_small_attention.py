"""a5's small attention model (before question 8): training time and where its attention goes.

Runs the source notebook's own cells, not a copy: its imports, the reference
``LuongAttention`` and ``attention_example`` (solution cells) and the cell that trains the small
attention model, once per seed (``SEED`` set before the cell runs), timing that cell alone.
Then, on the model's own training sentences, it measures the attention at every decoder step
that predicts a word of the sentence (the step that has read word t-1 and predicts word t):
the mean weight on source word t (the next word, the shifted diagonal) and the share of steps
that put more than 0.6 on it.

    OMP_NUM_THREADS=1 python bench/a5_small_attention.py            # seeds 0 1 2
    OMP_NUM_THREADS=1 python bench/a5_small_attention.py --seeds 0
    OMP_NUM_THREADS=1 python bench/a5_small_attention.py --full   # the full model, for comparison

``--full`` measures the notebook's full attention model instead (its 1,000 sentences and
bundles, built as in its cells), after its 6 epochs and after 2 more. A measurement, not a
test; about 20 s per seed on one thread (``--full``: about 2 minutes per seed).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source" / "a5_bleu_attention" / "a5_bleu_attention.py"


def cells(text: str) -> list[str]:
    """The code of each ``# %%`` cell of a percent-format notebook."""
    return ["# %%" + c for c in text.split("\n# %%")[1:]]


def cell_with(all_cells: list[str], marker: str) -> str:
    found = [c for c in all_cells if marker in c]
    if len(found) != 1:
        raise SystemExit(f"{SOURCE}: expected one cell containing {marker!r}, found {len(found)}")
    return found[0]


def next_word_attention(model, vocab, sentences) -> tuple[float, float, int]:
    """Mean weight on the source word being predicted, share of steps above 0.6, steps."""
    import torch

    bos = vocab.stoi["<bos>"]
    mass, steps, above = 0.0, 0, 0
    for sent in sentences:
        ids = vocab.encode(sent)
        w = model.attention_weights(ids, [bos, *ids])  # (T+1, T)
        nxt = w[torch.arange(len(ids)), torch.arange(len(ids))]  # step t -> source word t
        mass += float(nxt.sum())
        steps += len(ids)
        above += int((nxt > 0.6).sum())
    return mass / steps, above / steps, steps


def report(label: str, model, vocab, sentences) -> None:
    mean, share, steps = next_word_attention(model, vocab, sentences)
    print(
        f"{label}; mean weight on the next source word {mean:.2f}, "
        f"steps above 0.6: {share:.0%} ({steps} steps)"
    )


FULL = """
bundles = corpus.translation_batches(sentences, vocab, batch_size=16, seed=SEED)
torch.manual_seed(SEED)
attn = seq2seq.Seq2SeqLM(len(vocab), DIM, attention=LuongAttention(DIM), pad=vocab.pad)
seq2seq.train(attn, bundles, EPOCHS, lr=LR, verbose=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--full", action="store_true", help="the full model, 6 + 2 epochs")
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")  # the cell's plt.show() draws nothing
    all_cells = cells(SOURCE.read_text(encoding="utf-8"))
    imports = cell_with(all_cells, "from nlpcourse import corpus, seq2seq")
    setup = cell_with(all_cells, "EPOCHS, DIM, LR =")
    solutions = [
        cell_with(all_cells, "class LuongAttention"),
        cell_with(all_cells, "def attention_example"),
    ]
    demo = cell_with(all_cells, "short_sentences = corpus.load_sentences")
    import torch

    print(f"torch threads: {torch.get_num_threads()}")
    for seed in args.seeds:
        ns: dict = {"device": torch.device("cpu")}
        exec(imports, ns)
        if args.full:
            exec(setup, ns)
            ns["SEED"] = seed
            exec(solutions[0], ns)
            exec(FULL, ns)
            model, vocab, seq2seq = ns["attn"], ns["vocab"], ns["seq2seq"]
            ppl = seq2seq.perplexity(model, ns["bundles"])
            report(
                f"seed {seed}, full model, {ns['EPOCHS']} epochs: perplexity {ppl:.1f}",
                model,
                vocab,
                ns["sentences"],
            )
            seq2seq.train(model, ns["bundles"], 2, lr=ns["LR"], verbose=False)
            ppl = seq2seq.perplexity(model, ns["bundles"])
            report(
                f"seed {seed}, full model, 2 more epochs: perplexity {ppl:.1f}",
                model,
                vocab,
                ns["sentences"],
            )
            continue
        # The setup cell loads the big corpus too; only its constants matter here.
        for line in setup.splitlines():
            if line.startswith(("SEED =", "EPOCHS, DIM, LR =")):
                exec(line, ns)
        ns["SEED"] = seed
        for code in solutions:
            exec(code, ns)
        start = time.perf_counter()
        exec(demo, ns)
        seconds = time.perf_counter() - start
        report(
            f"seed {seed}: cell {seconds:.1f} s",
            ns["small"],
            ns["short_vocab"],
            ns["short_sentences"],
        )


if __name__ == "__main__":
    main()
