"""Package code of a6: the generated birthplace corpus, the minGPT-style model and trainer, and
the experiment's helpers (nlpcourse/knowledge.py) shared by the notebook and bench/a6_sweep.py."""

import ast
import dataclasses
import importlib.util
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nlpcourse import birthplaces, gpt, knowledge
from nlpcourse.course import build
from nlpcourse.gpt import MASK_CHAR, PAD_CHAR

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source/a6_pretraining/a6_pretraining.py"


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


def test_configs_are_what_the_setup_cell_says():
    """The CPU configuration is the one the setup cell's cpu_note describes, the GPU one CS224n's
    sizes; both have every key the notebook reads, and n_embd divides by n_head."""
    cpu, gpu = knowledge.CONFIGS["cpu"], knowledge.CONFIGS["gpu"]
    assert set(cpu) == set(gpu)
    note = re.search(r'cpu_note="(.*?)",\n\)', SOURCE.read_text(encoding="utf-8"), re.DOTALL)
    note = re.sub(r'"\s*"', "", note.group(1))
    want = (
        f"{cpu['n_layer']} layers x {cpu['n_embd']} on blocks of {cpu['block_size']} characters "
        f"({cpu['pretrain_iters']:,} pretraining steps of batch {cpu['batch_size']})"
    )
    assert want in note, (want, note)
    assert (gpu["n_layer"], gpu["n_embd"], gpu["block_size"], gpu["batch_size"]) == (
        4,
        256,
        128,
        128,
    )
    assert f"{gpu['n_layer']} layers x {gpu['n_embd']} on blocks of {gpu['block_size']}" in note
    for cfg in (cpu, gpu):
        assert cfg["n_embd"] % cfg["n_head"] == 0
    assert knowledge.run_name(torch.device("cuda")) == "gpu" == knowledge.run_name("cuda")
    assert knowledge.run_name(torch.device("cpu")) == "cpu" == knowledge.run_name("mps")


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
    vocab = gpt.CharVocab.from_texts(["hello world"])
    ds = knowledge.TextWindows("hello world", vocab, 4)
    assert len(ds) == 7
    x, y = ds[6]
    assert (vocab.decode(x), vocab.decode(y)) == ("worl", "orld")
    assert x.dtype == torch.long and x.shape == y.shape == (4,)
    with pytest.raises(ValueError, match="block_size=11"):
        knowledge.TextWindows("hello world", vocab, 11)


def test_knowledge_imports_no_instructor_module():
    """A student module: importing it loads neither the grader nor nbgrader."""
    code = "import sys, nlpcourse.knowledge; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    engine = {"nlpcourse.verdicts", "nlpcourse.grading", "nlpcourse.wire", "nlpcourse.sandbox"}
    assert not engine & set(out), engine & set(out)
    assert not [m for m in out if m.split(".")[0] in ("nbgrader", "jupyter_client", "nbclient")]


def test_the_notebook_uses_the_package_helpers_and_trains_only_outside_grading():
    """The experiment's helpers live in nlpcourse.knowledge, not in the notebook (attend and
    orthonormal_rows stay: they are Part 1's math, to be read); every cell that trains (the
    warm-up demo, the three runs) is skipped under autograde."""
    nb = build.notebook_from_text(SOURCE.read_text(encoding="utf-8"), "a6_pretraining")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    text = "\n".join(code)
    for name in ("held_out_accuracy", "new_model", "trainer_settings", "TextWindows"):
        assert f"def {name}" not in text and f"class {name}" not in text
        assert f"knowledge.{name}(" in text, name
    assert "CONFIGS = " not in text and "knowledge.CONFIGS[RUN]" in text
    assert "def attend(" in text and "def orthonormal_rows(" in text
    plain = [c for c in nb.cells if c.cell_type == "code" and "nbgrader" not in c.metadata]
    trains = [  # top-level statements of the plain cells that train a model
        stmt
        for c in plain
        for stmt in ast.parse(c.source).body
        if re.search(r"\.train\(\)|\bfinetune\(", ast.unparse(stmt))
    ]
    assert len(trains) == 3, [ast.unparse(t)[:80] for t in trains]  # demo, (i) + (ii), (iii)
    for stmt in trains:
        assert isinstance(stmt, ast.If) and ast.unparse(stmt.test) == "not grading()", ast.unparse(
            stmt
        )[:200]


def test_the_sweep_runs_the_notebooks_reference_solutions():
    spec = importlib.util.spec_from_file_location("a6_sweep", ROOT / "bench/a6_sweep.py")
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    span_corruption, NameDataset, predict_place, evaluate_places = sweep.reference_functions()
    assert evaluate_places(["Lima", "Oslo"], [" lima", "Rome"]) == (2, 1)
    s = span_corruption("Kofi Torres was born in Lima.", 24, random.Random(0))
    assert len(s) == 25 and s.count(MASK_CHAR) == 2
    vocab = gpt.CharVocab.from_texts(["Where was Al born?", "Oslo"])
    x, y = NameDataset([("Al", "Oslo")], vocab, 30)[0]
    assert x.shape == y.shape == (30,)
    model = knowledge.new_model(
        len(vocab), dict(block_size=30, n_layer=1, n_head=2, n_embd=8, dropout=0.0)
    )
    assert isinstance(predict_place(model, vocab, "Al", "cpu"), str)
    assert sweep.settings(3, 1e-3, 2).max_iters == 3


@pytest.mark.slow
@pytest.mark.timeout(2400)  # the training run's own bound (1800 s) comes first
def test_the_cpu_run_meets_the_accuracy_target(tmp_path):
    """The whole source notebook, training included, as a student runs it on a CPU (about 5
    minutes on 2 cores): pretraining + finetuning answers at least 3x as many held-out people as the
    most-frequent-place baseline, and more than finetuning alone."""
    import os

    root = ROOT
    env = dict(os.environ, HF_HUB_OFFLINE="1", MPLBACKEND="Agg")
    env.pop("NBGRADER_EXECUTION", None)  # under nbgrader the training cells are skipped
    proc = subprocess.run(
        [sys.executable, str(root / "source/a6_pretraining/a6_pretraining.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = dict(re.findall(r"^\s*\((i+)\)[^:\n]*: (\d+\.\d)%$", proc.stdout, re.MULTILINE))
    assert set(found) == {"i", "ii", "iii"}, proc.stdout[-3000:]
    baseline, scratch, pretrained = (float(found[k]) for k in ("i", "ii", "iii"))
    print("held-out accuracies (%):", found)  # shown by pytest -rA: the run's own numbers
    assert pretrained >= 3 * baseline, found
    assert pretrained >= scratch + 10, found
    # the warm-up demo: the next-character loss falls to well under half of where it started
    demo = re.search(r"next-character loss: (\d+\.\d+) at the first step, (\d+\.\d+)", proc.stdout)
    assert demo and float(demo[2]) < 0.5 * float(demo[1]), proc.stdout[:3000]
    print(demo[0])


def test_average_query_check_tests_the_limit_not_the_reference_constant():
    """The hidden check of question 4 takes any q = f(beta)(k_a + k_b) that meets the stated
    tolerance (beta / 2 as well as beta, in float32 as well as float64) and refuses a missing
    scale and unequal weights."""
    import numpy as np

    from nlpcourse.course import verdicts

    root = ROOT
    chk = verdicts.load_checks(root / "source/a6_pretraining/hidden/checks.py")
    chk = chk["test_average_query_hidden"]
    answers = {
        "beta": (lambda K, a, b, beta: beta * (K[a] + K[b]), 1.0),
        "half_beta": (lambda K, a, b, beta: (beta / 2) * (K[a] + K[b]), 1.0),
        # a query built in float32: alpha_a - alpha_b is ~1e-4 at beta = 3000 from rounding
        "float32": (lambda K, a, b, beta: (beta * (K[a] + K[b])).float(), 1.0),
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


def test_extract_matrix_check_takes_float32_and_refuses_a_wrong_matrix():
    """The hidden check of question 3 compares M (v_a + v_b) with v_a to the stated relative
    tolerance (1e-5): a projector built in float32 passes, the identity and A^T A + a small
    leak into B do not."""
    import numpy as np

    from nlpcourse.course import verdicts

    chk = verdicts.load_checks(ROOT / "source/a6_pretraining/hidden/checks.py")
    chk = chk["test_extract_matrix_hidden"]

    def leaky(A):
        d = A.shape[1]
        return A.T @ A + 1e-3 * (torch.eye(d, dtype=A.dtype) - A.T @ A)

    answers = {
        "projector": (lambda A: A.T @ A, 1.0),
        "float32": (lambda A: (A.T @ A).float(), 1.0),
        "identity": (lambda A: torch.eye(A.shape[1], dtype=A.dtype), 0.25),  # shape part only
        "leaky": (leaky, 0.25),
    }
    for name, (fn, want) in answers.items():
        ns = {"extract_matrix": fn, "torch": torch, "np": np}
        kernel = verdicts.Kernel(lambda expr, ns=ns: repr(eval(expr, ns)))
        for student in ("s1", "s2", "s3"):
            rng = verdicts.rng_for("t", "a6_pretraining", student, chk.grade_id)
            got = verdicts.run(chk, kernel, rng).fraction
            assert got == want, (name, student, got)
