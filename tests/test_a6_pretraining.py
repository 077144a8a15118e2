"""Package code of a6: the generated birthplace corpus and the minGPT-style model and trainer."""

import random
from pathlib import Path

import pytest
import torch

from nlpcourse import birthplaces, gpt
from nlpcourse.gpt import MASK_CHAR, PAD_CHAR


@pytest.fixture(scope="module")
def corpus():
    return birthplaces.generate(n_people=300, n_finetune=200, n_places=40, seed=0, n_bios=4)


def test_corpus_is_deterministic_and_seeded(corpus):
    again = birthplaces.generate(n_people=300, n_finetune=200, n_places=40, seed=0, n_bios=4)
    assert again.pretrain == corpus.pretrain and again.finetune == corpus.finetune
    other = birthplaces.generate(n_people=300, n_finetune=200, n_places=40, seed=1)
    assert other.pretrain != corpus.pretrain


def test_held_out_people_are_only_in_pretraining(corpus):
    assert len(corpus.finetune) == 200 and len(corpus.evaluate) == 100
    names = [p.name for p in corpus.people]
    assert len(set(names)) == len(names), "names must be unique"
    finetune_names = {n for n, _ in corpus.finetune}
    assert not finetune_names & {n for n, _ in corpus.evaluate}
    bios = "\n".join(corpus.pretrain)
    for name, place in corpus.evaluate:
        mine = [b for b in corpus.pretrain if name in b]
        assert len(mine) == 4 and all(place in b for b in mine), (name, place, mine)
        assert len(set(mine)) == 4, "each biography of a person is worded differently"
    assert all(name in bios for name in finetune_names)
    assert len(corpus.pretrain) == 4 * 300


def test_birthplaces_are_skewed_but_not_trivial(corpus):
    counts = {}
    for _, place in corpus.finetune + corpus.evaluate:
        counts[place] = counts.get(place, 0) + 1
    top = max(counts.values()) / 300
    assert 0.03 < top < 0.2, top
    assert len(counts) > 20
    assert corpus.most_frequent_place() in counts


def test_files_round_trip_in_cs224n_format(corpus, tmp_path):
    birthplaces.write_files(corpus, tmp_path)
    assert birthplaces.read_documents(tmp_path / "wiki.txt") == corpus.pretrain
    assert birthplaces.read_pairs(tmp_path / "birth_places_train.tsv") == corpus.finetune
    assert birthplaces.read_pairs(tmp_path / "birth_dev.tsv") == corpus.evaluate
    (tmp_path / "bad.tsv").write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="tab-separated"):
        birthplaces.read_pairs(tmp_path / "bad.tsv")


def test_generate_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_finetune"):
        birthplaces.generate(n_people=10, n_finetune=10)
    with pytest.raises(ValueError, match="n_places"):
        birthplaces.generate(n_places=1)
    with pytest.raises(ValueError, match="n_bios"):
        birthplaces.generate(n_bios=9)


def test_vocab_reserves_pad_and_mask_and_names_unknown_characters():
    v = gpt.CharVocab.from_texts(["ab", "ba c"])
    assert v.itos[:2] == [PAD_CHAR, MASK_CHAR] and v.stoi[PAD_CHAR] == 0
    assert v.decode(v.encode("a b")) == "a b"
    with pytest.raises(ValueError, match=r"\['z'\]"):
        v.encode("az")


def _tiny(vocab_size=10, block_size=16):
    torch.manual_seed(0)
    return gpt.GPT(gpt.GPTConfig(vocab_size, block_size, n_layer=2, n_head=2, n_embd=16, dropout=0))


def test_gpt_shapes_and_causality():
    m = _tiny().eval()
    x = torch.randint(0, 10, (3, 12))
    logits, loss = m(x)
    assert logits.shape == (3, 12, 10) and loss is None
    x2 = x.clone()
    x2[:, 8:] = (x2[:, 8:] + 1) % 10  # change the future: the past's logits must not move
    assert torch.allclose(m(x2)[0][:, :8], logits[:, :8], atol=1e-6)
    assert not torch.allclose(m(x2)[0][:, 8:], logits[:, 8:])
    with pytest.raises(ValueError, match="block_size"):
        m(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match="divisible"):
        gpt.GPT(gpt.GPTConfig(10, 8, n_head=3, n_embd=16))


def test_loss_ignores_pad_targets():
    m = _tiny().eval()
    x = torch.randint(0, 10, (2, 8))
    y = torch.randint(1, 10, (2, 8))
    y_pad = y.clone()
    y_pad[:, :5] = 0
    logits, loss = m(x, y_pad)
    want = torch.nn.functional.cross_entropy(logits[:, 5:].reshape(-1, 10), y[:, 5:].reshape(-1))
    assert torch.allclose(loss, want)


def test_trainer_learns_a_tiny_task_and_generate_stops_at_mask():
    vocab = gpt.CharVocab.from_texts(["Where was Al born?Oslo"])
    s = "Where was Al born?" + MASK_CHAR + "Oslo" + MASK_CHAR
    ids = vocab.encode(s + PAD_CHAR * (17 + 1 + 24 - len(s)))
    data = [(ids[:-1], ids[1:])] * 8
    m = gpt.GPT(gpt.GPTConfig(len(vocab), 41, n_layer=1, n_head=2, n_embd=32, dropout=0))
    cfg = gpt.TrainerConfig(
        max_epochs=100, max_iters=60, batch_size=8, learning_rate=1e-2, progress=False
    )
    trainer = gpt.Trainer(m, data, cfg)
    losses = trainer.train()
    assert trainer.device.type in ("cpu", "cuda", "mps")
    assert len(losses) == 60 and losses[-1] < 0.2 * losses[0]
    prompt = vocab.encode("Where was Al born?" + MASK_CHAR)[None]
    out = gpt.generate(m, prompt, 20, stop_id=vocab.stoi[MASK_CHAR])
    assert vocab.decode(out[0, prompt.shape[1] :]) == "Oslo" + MASK_CHAR


def test_trainer_rejects_an_empty_dataset():
    with pytest.raises(ValueError, match="empty"):
        gpt.Trainer(_tiny(), [], gpt.TrainerConfig(progress=False)).train()


def test_span_corruption_dataset_checks_the_length():
    vocab = gpt.CharVocab.from_texts(["abcdef"])

    def good(doc, block_size, rng):
        return (doc[:4] + MASK_CHAR + MASK_CHAR).ljust(block_size + 1, PAD_CHAR)

    ds = birthplaces.SpanCorruptionDataset(["abcdef"], vocab, 10, good)
    x, y = ds[0]
    assert x.shape == (10,) and torch.equal(x[1:], y[:-1])
    bad = birthplaces.SpanCorruptionDataset(["abcdef"], vocab, 10, lambda d, b, r: d)
    with pytest.raises(ValueError, match="block_size \\+ 1"):
        bad[0]
    seeded = birthplaces.SpanCorruptionDataset(
        ["abcdef"], vocab, 10, lambda d, b, r: d[: r.randint(1, 6)].ljust(b + 1, PAD_CHAR)
    )
    assert isinstance(seeded.rng, random.Random)


@pytest.mark.slow
@pytest.mark.timeout(2400)  # the training run's own bound (1800 s) comes first
def test_the_cpu_run_meets_the_accuracy_target(tmp_path):
    """The whole source notebook, training included, as a student runs it on a CPU (about 5
    minutes on 2 cores): pretraining + finetuning answers at least 3x as many held-out people as the
    most-frequent-place baseline, and more than finetuning alone."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, HF_HUB_OFFLINE="1", MPLBACKEND="Agg")
    env.pop("NBGRADER_EXECUTION", None)  # under nbgrader the training cells are skipped
    proc = subprocess.run(
        [sys.executable, str(root / "source/a6_pretraining/a6_pretraining.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = dict(re.findall(r"^\s*\((i+)\)[^:\n]*: (\d+\.\d)%$", proc.stdout, re.MULTILINE))
    assert set(found) == {"i", "ii", "iii"}, proc.stdout[-3000:]
    baseline, scratch, pretrained = (float(found[k]) for k in ("i", "ii", "iii"))
    assert pretrained >= 3 * baseline, found
    assert pretrained >= scratch + 10, found


def test_average_query_check_tests_the_limit_not_the_reference_constant():
    """The hidden check of question 4 takes any q = f(beta)(k_a + k_b) that meets the stated
    tolerance (beta / 2 as well as beta) and refuses a missing scale and unequal weights."""
    import numpy as np

    from nlpcourse.course import verdicts

    root = Path(__file__).resolve().parents[1]
    chk = verdicts.load_checks(root / "source/a6_pretraining/hidden/checks.py")
    chk = chk["test_average_query_hidden"]
    answers = {
        "beta": (lambda K, a, b, beta: beta * (K[a] + K[b]), 1.0),
        "half_beta": (lambda K, a, b, beta: (beta / 2) * (K[a] + K[b]), 1.0),
        "no_beta": (lambda K, a, b, beta: K[a] + K[b], 0.0),
        "unequal": (lambda K, a, b, beta: beta * K[a] + 0.5 * beta * K[b], 0.0),
    }
    for name, (fn, want) in answers.items():
        ns = {"average_query": fn, "torch": torch, "np": np}
        kernel = verdicts.Kernel(lambda expr, ns=ns: repr(eval(expr, ns)))
        for student in ("s1", "s2", "s3"):
            rng = verdicts.rng_for("t", "a6_pretraining", student, chk.grade_id)
            got = verdicts.run(chk, kernel, rng).fraction
            assert got == want, (name, student, got)
