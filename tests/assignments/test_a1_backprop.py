"""a1_backprop: the seed's point weights, the reference answers at the seed's values, and the
notebook running on a CPU in under a minute."""

from __future__ import annotations

import math
import re

import nbformat
import numpy as np
import pytest
from conftest import ROOT

A = "a1_backprop"


def _header(nb) -> str:
    return next(c.source for c in nb.cells if c.source.startswith("# A1"))


def _header_points(nb) -> dict[str, int]:
    title = _header(nb)
    rows = re.findall(r"^\| (\d[a-e–]*) \|.*\| (\d+) \|[^|]*\|$", title, re.M)
    return {q: int(p) for q, p in rows}


def test_points_keep_the_seeds_13_to_8(built):
    """Seed 001: Problem 1 (our questions 1 and 2) has 13 points, Problem 2 (question 3) 8."""
    pts = _header_points(nbformat.read(built[A], as_version=4))
    p1 = sum(v for q, v in pts.items() if q[0] in "12")
    p2 = sum(v for q, v in pts.items() if q[0] == "3")
    assert p1 + p2 == 84 and p1 * 8 == p2 * 13, pts


@pytest.fixture(scope="module")
def ns(built):
    """The reference solutions: every code cell of the source notebook but the setup cell."""
    nb = nbformat.read(built[A], as_version=4)
    space: dict = {}
    for c in nb.cells:
        if c.cell_type == "code" and "setup" not in c.metadata.get("tags", []):
            if c.metadata.get("nbgrader", {}).get("grade"):
                continue  # tests run under validate; here only the solutions
            exec(compile(c.source, "<a1_backprop>", "exec"), space)  # noqa: S102
    return space


def test_scalar_answers_at_the_seeds_values(ns):
    seed = (1.0, 1 / 4, 0.0, 1 / 3, 0.0)
    assert ns["scalar_forward"](*seed) == pytest.approx(1 / 12)
    g = ns["scalar_backward"](*seed)
    assert g == pytest.approx({"b2": 1.0, "w2": 1 / 4, "b1": 1 / 3, "w1": 1 / 3, "x": 1 / 12})
    assert ns["skip_forward"](*seed) == pytest.approx(13 / 12)
    assert ns["skip_backward"](*seed)["x"] == pytest.approx(13 / 12)


def test_vector_answers_at_the_seeds_values(ns):
    z5, g = ns["vector_forward_backward"](
        np.ones(2), np.array([[-1.0, -1.0], [1.0, 1.0]]), np.zeros(2), np.ones(2), 0.0
    )
    assert z5 == 2.0
    assert g["u"].tolist() == [0.0, 2.0] and g["b1"].tolist() == [0.0, 1.0]
    assert g["W"].tolist() == [[0.0, 0.0], [1.0, 1.0]] and g["x"].tolist() == [1.0, 1.0]


def test_encoder_layer_at_the_seeds_values(ns):
    s = lambda a, b: math.exp(a) / (math.exp(a) + math.exp(b))  # noqa: E731
    Z = ns["Z_ex"]
    assert Z[0, 0] == pytest.approx(1 + s(1, -1) - s(-1, 1))
    assert Z[1, 1] == pytest.approx(3 + 2 * s(6, 9) + 3 * s(9, 6))


def test_the_autograd_rule_is_stated_where_students_read_it(built):
    header = _header(nbformat.read(built[A], as_version=4))
    assert "switched off" in header and "question 2 anything goes" in header
    assert "cannot enforce" in header  # the switch runs in the student's own kernel


@pytest.fixture(scope="module")
def checks():
    """hidden/checks.py as a module (the references of the grader's checks)."""
    import importlib.util
    import sys

    path = ROOT / "source" / A / "hidden" / "checks.py"
    spec = importlib.util.spec_from_file_location("a1_checks_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def test_the_checks_edge_sets_are_the_reference_graphs(ns, checks):
    from nlpcourse.graph import edges

    assert edges(ns["scalar_graph"](*checks.EXERCISE)) == checks.SCALAR_EDGES
    assert edges(ns["skip_graph"](*checks.EXERCISE)) == checks.SKIP_EDGES
    assert edges(ns["vector_graph"]()) == checks.VECTOR_EDGES
    for H, T in [(1, 1), (2, 2), (3, 2), (2, 4)]:
        assert edges(ns["encoder_graph"](H, T)) == checks.encoder_edges(H, T), (H, T)


def test_the_checks_zero_cases_are_exactly_zero(checks):
    rng = np.random.default_rng(0)
    for x, w1, b1, *_ in checks._zero_points(rng, 50):
        assert w1 * x + b1 == 0.0
    for _ in range(20):
        x, W, b1, u, _ = checks._zero_case(rng, 3, 2)
        z2 = W @ x + b1
        assert (z2 == 0).any() and (z2 < 0).any() and (u != 0).all()


@pytest.mark.slow
def test_notebook_runs_whole_on_cpu(built):
    """The source notebook (reference answers, hidden tests) executes without an error; its
    time is measured in bench/notebooks.py, not here."""
    from nbclient import NotebookClient

    nb = nbformat.read(built[A], as_version=4)
    NotebookClient(
        nb, timeout=300, resources={"metadata": {"path": str(ROOT / "source" / A)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
