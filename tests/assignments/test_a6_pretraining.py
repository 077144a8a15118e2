"""a6: the notebook against the package (its configurations, the helpers it calls, training
skipped under autograde), bench/a6_sweep.py's reference functions, the grader's checks, and the
CPU run end to end. The package code itself is tested in tests/test_birthplaces.py,
tests/test_gpt.py and tests/test_knowledge.py."""

import ast
import importlib.util
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nlpcourse import gpt, knowledge
from nlpcourse.course import build
from nlpcourse.gpt import MASK_CHAR

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source/a6_pretraining/a6_pretraining.py"


def test_configs_are_what_the_setup_cell_says():
    """The CPU configuration is the one the setup cell's cpu_note describes, the GPU one CS224n's
    sizes; both have every key the notebook reads."""
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
