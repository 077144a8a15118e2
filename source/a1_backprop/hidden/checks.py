"""a1_backprop's checks: they run in the grader, never in the student's kernel.

One function per autograded cell (see nlpcourse/course/verdicts.py and source/README.md, "Writing a
check"). Inputs come from ``rng`` (the course secret, the student, the cell) wherever the old
hidden tests used fixed random inputs; the cases a cell is about (the exercise's values,
pre-activations exactly 0) stay. The references are independent of the solution:

- forward values and gradients: ``torch`` in float64 and ``torch.autograd``, here in the
  grader (questions 1 and 2);
- the graphs: edge sets written out from the equations (``*_EDGES``, :func:`encoder_edges`);
  the kernel only sends each graph as data (labels, ops, inputs, values), and the grader
  computes the edges and ops itself;
- the encoder layer: a per-head ``torch`` implementation with ``torch.softmax``, and the
  exercise's values worked out by hand.

Question 1's rule "no autograd" watches the student's own process: the backward functions are
called inside ``nlpcourse.graph.autograd_off``, which runs in the kernel. The grader checks the
rule that way, and the notebook says it cannot enforce it against a determined cheat.
"""

from __future__ import annotations

import numpy as np
import torch

from nlpcourse.course.verdicts import ask, check, number

NAMES = ["x", "w1", "b1", "w2", "b2"]  # the order of the scalar functions' arguments
GRAD_KEYS = ["b2", "w2", "b1", "w1", "x"]
EXERCISE = (1.0, 0.25, 0.0, 1 / 3, 0.0)
HAND = (2.0, 1.0, 1.0, 3.0, -1.0)  # the visible cells' point you can do by hand
G = "__import__('nlpcourse.graph').graph"


def _no_autograd(expr: str, question: str) -> str:
    """``expr`` evaluated inside nlpcourse.graph.autograd_off (a context decorator), in the
    kernel: torch's backward engine and Value.backward raise while it runs."""
    return f"{G}.autograd_off({question!r})(lambda: {expr})()"


def _floats(p) -> tuple[float, ...]:
    return tuple(float(v) for v in p)


def _shape(v):
    """np.shape of what the student returned, or None for a ragged list."""
    try:
        return np.shape(v)
    except ValueError:
        return None


def _pt(p) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in p) + ")"


# --- graphs as data ---------------------------------------------------------------------------

# In the kernel: every node the outputs depend on (nlpcourse.graph.nodes), as
# (label, op, indices of its inputs, data or None, is a Value, is a Node), and the roots' indices.
DUMP = (
    f"(lambda g: lambda out: (lambda o: (lambda ix: ([(str(n.label), str(n.op), "
    "[ix[id(i)] for i in n.inputs], float(n.data) if isinstance(n, g.Value) else None, "
    "isinstance(n, g.Value), isinstance(n, g.Node)) for n in o], "
    "[ix[id(n)] for n in ([out] if isinstance(out, g.Node) else list(out))]))"
    f"({{id(n): j for j, n in enumerate(o)}}))(g.nodes(out)))({G})"
)


class Graph:
    """A graph the kernel sent as data: per node its label, op, inputs (indices), data (None
    for a Node) and whether it is a Value; the indices of the outputs. (A plain class: the
    checks module is not in sys.modules while it loads, which @dataclass needs.)"""

    def __init__(self, labels, ops, inputs, data, is_value, roots):
        self.labels, self.ops, self.inputs = labels, ops, inputs
        self.data, self.is_value, self.roots = data, is_value, roots

    @classmethod
    def parse(cls, raw) -> Graph | None:
        try:
            nodes, roots = raw
            labels, ops, inputs, data, is_value, _ = (list(c) for c in zip(*nodes))
            inputs, roots = [list(i) for i in inputs], list(roots)
        except (TypeError, ValueError):
            return None
        n = len(labels)
        ints = [i for ins in inputs for i in ins] + roots
        if not (
            all(isinstance(v, str) for v in labels + ops)
            and all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in ints)
            and all(v is None or isinstance(v, float) for v in data)
            and roots
        ):
            return None
        return cls(labels, ops, inputs, data, is_value, roots)

    def edges(self) -> set[tuple[str, str]]:
        return {(self.labels[i], lab) for lab, ins in zip(self.labels, self.inputs) for i in ins}

    def op_of(self) -> dict[str, str]:
        return dict(zip(self.labels, self.ops))

    def root_labels(self) -> list[str]:
        return [self.labels[i] for i in self.roots]

    def problem(self) -> str | None:
        """What edges() would refuse: a node without a label, two nodes with one label."""
        for lab, op, ins in zip(self.labels, self.ops, self.inputs):
            if not lab:
                used = ", ".join(repr(self.labels[i]) for i in ins) or "nothing"
                return f"a node with op {op!r} computed from {used} has no label: name it"
        seen, dup = set(), []
        for lab in self.labels:
            if lab in seen and lab not in dup:
                dup.append(lab)
            seen.add(lab)
        if dup:
            return (
                f"two different nodes are labelled {dup[0]!r}: labels must differ (a node "
                "used twice must be the same object)"
            )
        return None


def _graph(k, r, expr, what, part=None, **inputs) -> Graph | None:
    """The graph whose output(s) ``expr`` evaluates to, or None (the failure recorded)."""
    raw, ok = ask(k, r, f"({DUMP})({expr})", what, part, **inputs)
    if not ok:
        return None
    g = Graph.parse(raw)
    if g is None:
        r.expect(False, f"{what}: the graph could not be read", part)
        return None
    bad = g.problem()
    if bad:
        r.expect(False, f"{what}: {bad}", part)
        return None
    return g


def _edge_message(what: str, got: set, want: set) -> str:
    missing, extra = want - got, sorted(got - want)
    out = [what + ":"]
    if missing:
        into = sorted({b for _, b in missing})
        more = ", ..." if len(into) > 4 else ""
        out.append(f"{len(missing)} edge(s) missing (into {', '.join(into[:4])}{more})")
    if extra:
        more = " ..." if len(extra) > 3 else ""
        out.append(f"{len(extra)} edge(s) that should not be there, e.g. {extra[:3]}{more}")
    return " ".join(out)


def _expect_edges(r, g: Graph, want: set, what: str, part=None) -> bool:
    got = g.edges()
    return r.expect(got == want, _edge_message(what, got, want), part)


SCALAR_EDGES = {("w1", "z1"), ("x", "z1"), ("z1", "z2"), ("b1", "z2"), ("z2", "z3")}
SCALAR_EDGES |= {("z3", "z4"), ("w2", "z4"), ("z4", "z5"), ("b2", "z5")}
SKIP_EDGES = SCALAR_EDGES | {("z5", "z6"), ("x", "z6")}
VECTOR_EDGES = {("W", "z1"), ("x", "z1"), ("z1", "z2"), ("b1", "z2"), ("z2", "z3")}
VECTOR_EDGES |= {("z3", "z4"), ("u", "z4"), ("z4", "z5"), ("b2", "z5")}


# --- torch references -------------------------------------------------------------------------


def torch_scalar(p, skip=False) -> tuple[float, dict[str, float]]:
    """z5 (or z6 = z5 + x) and its gradients, by torch.autograd in float64."""
    t = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in p]
    out = t[3] * torch.relu(t[1] * t[0] + t[2]) + t[4] + (t[0] if skip else 0.0)
    out.backward()
    return out.item(), {n: v.grad.item() for n, v in zip(NAMES, t)}


def torch_vector(x, W, b1, u, b2):
    t = {
        n: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for n, v in dict(x=x, W=W, b1=b1, u=u, b2=b2).items()
    }
    z5 = t["u"] @ torch.relu(t["W"] @ t["x"] + t["b1"]) + t["b2"]
    z5.backward()
    return z5.item(), {n: v.grad.numpy() for n, v in t.items()}


def torch_encoder(X, WQ, WK, WV, W) -> np.ndarray:
    X, W = torch.tensor(X, dtype=torch.float64), torch.tensor(W, dtype=torch.float64)
    outs = []
    for h in range(WQ.shape[0]):
        Wq, Wk, Wv = (torch.tensor(M[h], dtype=torch.float64) for M in (WQ, WK, WV))
        q, k, v = X @ Wq.T, X @ Wk.T, X @ Wv.T  # (T, d/H)
        beta = torch.softmax(q @ k.T, dim=-1)  # (T, T): each row sums to 1 over t'
        outs.append(beta @ v + q)
    return (torch.cat(outs, dim=-1) @ W.T).numpy()  # (T, d)


# --- 1a scalar_graph --------------------------------------------------------------------------


@check("test_scalar_graph", parts={"nodes": 1, "ops": 1})
def scalar_graph_visible(k, rng, r):
    """The graph's output, its input labels and size, its operations and z5's value."""
    what = f"scalar_graph{HAND}"
    g = _graph(k, r, "scalar_graph(*p)", what, p=HAND)
    if g is None:
        return
    root = g.roots[0]
    if not g.is_value[root]:
        r.fail("scalar_graph must return a Value")
    r.expect(
        g.labels[root] == "z5",
        f"The output node must be labelled 'z5', got {g.labels[root]!r}",
        "nodes",
    )
    inputs = sorted(lab for lab, op in zip(g.labels, g.ops) if op == "")
    r.expect(set(inputs) == {"x", "w1", "b1", "w2", "b2"}, f"Input nodes are {inputs}", "nodes")
    r.expect(
        sorted(g.labels) == sorted([*NAMES, "z1", "z2", "z3", "z4", "z5"]),
        f"The graph needs 10 nodes (5 inputs, z1..z5); it has {sorted(g.labels)}",
        "nodes",
    )
    r.expect(
        sorted(op for op in g.ops if op) == sorted(["*", "+", "ReLU", "*", "+"]),
        "z1..z5 take one operation each: two products, two sums and one ReLU; yours are "
        f"{sorted(op for op in g.ops if op)}",
        "ops",
    )
    z5 = g.data[root]
    r.expect(
        z5 is not None and abs(z5 - 8.0) < 1e-12,
        f"z5 at (2, 1, 1, 3, -1) is 3*ReLU(2+1)-1 = 8, got {z5}",
        "ops",
    )


@check("test_scalar_graph_hidden", parts={"edges": 1, "values": 1})
def scalar_graph_hidden(k, rng, r):
    """Every edge and the ops of z2..z4; z5's value at a negative pre-activation, at the
    exercise's values and at random ones."""
    x, w1 = rng.uniform(0.5, 2.0) * rng.choice([-1, 1]), rng.uniform(0.3, 1.5)
    p = _floats((x, w1, -w1 * x - rng.uniform(0.1, 1.0), rng.normal(), rng.normal()))
    g = _graph(k, r, "scalar_graph(*p)", f"scalar_graph{_pt(p)}", p=p)
    if g is not None:
        _expect_edges(r, g, SCALAR_EDGES, f"the graph of scalar_graph{_pt(p)}", "edges")
        ops = g.op_of()
        r.expect(
            (ops.get("z2"), ops.get("z3"), ops.get("z4")) == ("+", "ReLU", "*"),
            f"z2, z3, z4 take the ops '+', 'ReLU', '*'; yours are {ops.get('z2')!r}, "
            f"{ops.get('z3')!r}, {ops.get('z4')!r}",
            "edges",
        )
    points = [p, EXERCISE] + [_floats(rng.normal(size=5)) for _ in range(6)]
    got, ok = ask(k, r, "[scalar_graph(*p).data for p in P]", "scalar_graph", "values", P=points)
    if ok:
        want = [torch_scalar(q)[0] for q in points]
        got = r.array(got, "scalar_graph(...).data", shape=(len(points),), part="values")
        for q, a, b in zip(points, got, want):
            r.expect(
                abs(a - b) < 1e-8,
                f"z5.data at {_pt(q)} is {a:.6g}: is it w2 * ReLU(w1 * x + b1) + b2?",
                "values",
            )


# --- 1b scalar_forward ------------------------------------------------------------------------


@check("test_scalar_forward")
def scalar_forward_visible(k, rng, r):
    """scalar_forward at two points you can do by hand."""
    got = number(k.call("scalar_forward", *HAND))
    r.expect(
        got is not None and abs(got - 8.0) < 1e-12,
        f"At (x, w1, b1, w2, b2) = (2, 1, 1, 3, -1): 3*ReLU(3) - 1 = 8; got {got}",
    )
    got = number(k.call("scalar_forward", 2.0, -1.0, 1.0, 3.0, -1.0))
    r.expect(
        got is not None and abs(got + 1.0) < 1e-12,
        "With a negative pre-activation (w1*x + b1 = -1) the ReLU outputs 0, so z5 = b2 = -1; "
        f"got {got}",
    )


@check("test_scalar_forward_hidden", parts={"type": 1, "values": 2})
def scalar_forward_hidden(k, rng, r):
    """A Python float, equal to torch's value at the exercise's values and at random ones."""
    points = [EXERCISE, (2.0, 0.5, -1.0, 3.0, 0.25)]
    points += [_floats(rng.normal(size=5)) for _ in range(20)]
    got, ok = ask(k, r, "[scalar_forward(*p) for p in P]", "scalar_forward", P=points)
    if not ok:
        return
    if not isinstance(got, list) or len(got) != len(points):
        r.fail("scalar_forward did not answer for every point")
    for p, a in zip(points, got):
        r.expect(
            isinstance(a, float),
            f"scalar_forward must return a Python float, got {type(a).__name__}",
            "type",
        )
        v = number(a)
        want = torch_scalar(p)[0]
        r.expect(
            v is not None and abs(v - want) < 1e-8,
            f"scalar_forward{_pt(p)} returned {v if v is None else format(v, '.6g')}, "
            "which is not w2 * ReLU(w1 * x + b1) + b2 there",
            "values",
        )


# --- 1c scalar_backward -----------------------------------------------------------------------


def _grads_at(k, r, fn, points, question, part=None):
    """The student's gradient dicts at ``points``, computed with autograd off; None if the
    call failed (recorded)."""
    expr = _no_autograd(f"[{fn}(*p) for p in P]", question)
    got, ok = ask(k, r, expr, f"{fn} (autograd off)", part, P=[_floats(p) for p in points])
    if not ok:
        return None
    if not isinstance(got, list) or len(got) != len(points):
        r.expect(False, f"{fn} did not answer for every point", part)
        return None
    return got


def _expect_grads(r, fn, p, got, want, part=None) -> None:
    if not isinstance(got, dict):
        r.expect(False, f"{fn} must return a dict, got {type(got).__name__}", part)
        return
    z2 = p[1] * p[0] + p[2]
    hint = (
        " (here w1*x + b1 = 0 exactly, and ReLU'(0) = 0)"
        if z2 == 0
        else " (the ReLU is off here: w1*x + b1 < 0)"
        if z2 < 0
        else ""
    )
    for name in NAMES:
        v = number(got.get(name))
        ok = v is not None and abs(v - want[name]) < 1e-8
        shown = "missing" if name not in got else repr(got[name]) if v is None else f"{v:.6g}"
        r.expect(
            ok,
            f"{fn}{_pt(p)}: the gradient for {name} is {shown}, not what the chain rule gives "
            f"there{hint}",
            part,
        )


@check("test_scalar_backward", parts={"keys": 1, "values": 3})
def scalar_backward_visible(k, rng, r):
    """The keys and the gradients at a point you can do by hand, with autograd off."""
    got = _grads_at(k, r, "scalar_backward", [HAND], "question 1c")
    if got is None:
        return
    g = got[0]
    if not isinstance(g, dict):
        r.fail(f"Return a dict with the keys b2, w2, b1, w1, x; got {type(g).__name__}")
    r.expect(
        set(g) == set(GRAD_KEYS),
        f"Return a dict with the keys b2, w2, b1, w1, x; got the keys {sorted(map(str, g))}",
        "keys",
    )
    want = {"b2": 1.0, "w2": 3.0, "b1": 3.0, "w1": 6.0, "x": 3.0}
    for name, v in want.items():
        got_v = number(g.get(name))
        r.expect(
            got_v is not None and abs(got_v - v) < 1e-12,
            f"At (x, w1, b1, w2, b2) = (2, 1, 1, 3, -1): dz5/d{name} = {v}, got {got_v}. Each "
            "gradient is the product of the local derivatives on the path from z5 back to it.",
            "values",
        )


def _scalar_points(rng, n, active: bool):
    """``n`` random points whose pre-activation w1*x + b1 is clearly positive (or negative)."""
    out = []
    while len(out) < n:
        p = _floats(rng.normal(size=5))
        z2 = p[1] * p[0] + p[2]
        if abs(z2) > 1e-3 and (z2 > 0) == active:
            out.append(p)
    return out


@check("test_scalar_backward_hidden", parts={"relu_on": 3, "relu_off": 3})
def scalar_backward_hidden(k, rng, r):
    """The exercise's values and random ones, ReLU on and off, against torch.autograd."""
    for part, points in [
        ("relu_on", [EXERCISE, *_scalar_points(rng, 15, True)]),
        ("relu_off", _scalar_points(rng, 15, False)),
    ]:
        got = _grads_at(k, r, "scalar_backward", points, "question 1c", part)
        if got is None:
            continue
        for p, g in zip(points, got):
            _expect_grads(r, "scalar_backward", p, g, torch_scalar(p)[1], part)


def _zero_points(rng, n):
    """Points where w1*x + b1 is exactly 0 in floating point (b1 = -(w1 x), both exact)."""
    out = []
    for _ in range(n):
        x = float(rng.integers(-4, 5))
        w1 = float(rng.integers(-8, 9)) / 4
        w2 = float(rng.uniform(0.5, 3.0) * rng.choice([-1, 1]))
        out.append((x, w1, -(w1 * x), w2, float(rng.normal())))
    return out


@check("test_scalar_backward_relu_at_zero")
def scalar_backward_relu_at_zero(k, rng, r):
    """Pre-activations exactly 0, where ReLU'(0) = 0 must match torch."""
    points = [(2.0, 0.5, -1.0, 3.0, 0.0), (-4.0, 0.25, 1.0, -2.0, 1.5), (0.0, 3.0, 0.0, 2.0, 1.0)]
    points += _zero_points(rng, 3)
    got = _grads_at(k, r, "scalar_backward", points, "question 1c")
    if got is None:
        return
    for p, g in zip(points, got):
        _expect_grads(r, "scalar_backward", p, g, torch_scalar(p)[1])


# --- 1d skip connection -----------------------------------------------------------------------


@check("test_skip_connection", parts={"graph": 1, "numbers": 1})
def skip_visible(k, rng, r):
    """skip_graph's new node; skip_forward and skip_backward at a point you can do by hand."""
    g = _graph(k, r, "skip_graph(*p)", f"skip_graph{HAND}", "graph", p=HAND)
    if g is not None:
        root = g.roots[0]
        r.expect(
            g.is_value[root] and g.labels[root] == "z6",
            "skip_graph must return the Value 'z6'",
            "graph",
        )
        e = g.edges()
        r.expect(
            ("x", "z6") in e and ("z5", "z6") in e,
            "z6 is computed from z5 and x: both edges must be in the graph",
            "graph",
        )
        r.expect(
            len(g.labels) == 11,
            f"The graph of z6 has 11 nodes, got {len(g.labels)}: reuse one x",
            "graph",
        )
    z6, ok = ask(k, r, "skip_forward(*p)", f"skip_forward{HAND}", "numbers", p=HAND)
    if ok:
        v = number(z6)
        r.expect(
            v is not None and abs(v - 10.0) < 1e-12, f"z6 = z5 + x = 8 + 2 = 10, got {v}", "numbers"
        )
    got = _grads_at(k, r, "skip_backward", [HAND], "question 1d", "numbers")
    if got is None:
        return
    grads = got[0] if isinstance(got[0], dict) else {}
    gx, gw1 = number(grads.get("x")), number(grads.get("w1"))
    r.expect(
        gx is not None and abs(gx - 4.0) < 1e-12,
        f"dz6/dx = dz5/dx + 1 = 3 + 1 = 4 at this point, got {gx}: x reaches z6 twice",
        "numbers",
    )
    r.expect(
        gw1 is not None and abs(gw1 - 6.0) < 1e-12,
        f"dz6/dw1 = dz5/dw1 = 6: the skip adds nothing for w1; got {gw1}",
        "numbers",
    )


@check("test_skip_connection_hidden", parts={"graph": 1, "forward": 1, "backward": 2})
def skip_hidden(k, rng, r):
    """skip_graph's edges; skip_forward, skip_graph's value and skip_backward at the exercise's
    values, a zero pre-activation and random inputs, against torch.autograd."""
    p0 = _floats(rng.normal(size=5))
    g = _graph(k, r, "skip_graph(*p)", f"skip_graph{_pt(p0)}", "graph", p=p0)
    if g is not None:
        _expect_edges(r, g, SKIP_EDGES, f"the graph of skip_graph{_pt(p0)}", "graph")
    points = [EXERCISE, (2.0, 0.5, -1.0, 3.0, 0.0)]
    points += _scalar_points(rng, 12, True) + _scalar_points(rng, 12, False)
    want = [torch_scalar(p, skip=True) for p in points]
    got, ok = ask(
        k,
        r,
        "[(skip_forward(*p), skip_graph(*p).data) for p in P]",
        "skip_forward / skip_graph",
        "forward",
        P=points,
    )
    if ok and not (isinstance(got, list) and len(got) == len(points)):
        r.expect(False, "skip_forward / skip_graph did not answer for every point", "forward")
    elif ok:
        for p, pair, (z6, _) in zip(points, got, want):
            a, b = (
                (number(v) for v in pair)
                if isinstance(pair, tuple) and len(pair) == 2
                else (None, None)
            )
            r.expect(
                a is not None and abs(a - z6) < 1e-8,
                f"skip_forward{_pt(p)} returned {a}, which is not z5 + x there",
                "forward",
            )
            r.expect(
                b is not None and abs(b - z6) < 1e-8,
                f"skip_graph{_pt(p)}.data is {b}, which is not z5 + x there",
                "forward",
            )
    grads = _grads_at(k, r, "skip_backward", points, "question 1d", "backward")
    if grads is not None:
        for p, g, (_, w) in zip(points, grads, want):
            _expect_grads(r, "skip_backward", p, g, w, "backward")


# --- 2a vector_graph --------------------------------------------------------------------------


@check("test_vector_graph", parts={"nodes": 1, "ops": 1})
def vector_graph_visible(k, rng, r):
    """vector_graph's node labels and operations."""
    g = _graph(k, r, "vector_graph()", "vector_graph()")
    if g is None:
        return
    root = g.roots[0]
    r.expect(g.labels[root] == "z5", "vector_graph must return the Node 'z5'", "nodes")
    r.expect(
        sorted(g.labels) == sorted(["x", "W", "b1", "u", "b2", "z1", "z2", "z3", "z4", "z5"]),
        f"The graph needs the nodes x, W, b1, u, b2, z1..z5; it has {sorted(g.labels)}",
        "nodes",
    )
    ops = g.op_of()
    got = (ops.get("z1"), ops.get("z3"), ops.get("z4"))
    r.expect(
        got == ("@", "ReLU", "dot"),
        f"z1, z3, z4 take the ops '@', 'ReLU', 'dot'; got {got[0]!r}, {got[1]!r}, {got[2]!r}",
        "ops",
    )


@check("test_vector_graph_hidden", parts={"edges": 1, "ops": 1})
def vector_graph_hidden(k, rng, r):
    """Every edge of the graph and every op."""
    g = _graph(k, r, "vector_graph()", "vector_graph()")
    if g is None:
        return
    _expect_edges(r, g, VECTOR_EDGES, "the graph of vector_graph()", "edges")
    ops = g.op_of()
    got = [ops.get(f"z{i}") for i in range(1, 6)]
    r.expect(
        got == ["@", "+", "ReLU", "dot", "+"],
        f"z1..z5 take one op each ('@', '+', 'ReLU', 'dot', '+' in the equations' order); "
        f"yours are {got}",
        "ops",
    )


# --- 2b-c vector_forward_backward -------------------------------------------------------------

VKEYS = ["b2", "u", "b1", "W", "x"]
X_EX, W_EX = np.array([1.0, 1.0]), np.array([[-1.0, -1.0], [1.0, 1.0]])
B1_EX, U_EX, B2_EX = np.zeros(2), np.array([1.0, 1.0]), 0.0


def _vector(k, r, cases, what, part=None):
    """The student's (z5, grads) for each case (x, W, b1, u, b2); None if it raised."""
    got, ok = ask(k, r, "[vector_forward_backward(*a) for a in A]", what, part, A=cases)
    if not ok:
        return None
    if not isinstance(got, list) or len(got) != len(cases):
        r.expect(False, "vector_forward_backward did not answer for every case", part)
        return None
    return got


def _pair(out):
    """(z5, grads) from what vector_forward_backward returned, or (None, None)."""
    if isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict):
        return out[0], out[1]
    return None, None


@check("test_vector_forward_backward", parts={"z5": 1, "keys_shapes": 2, "values": 3})
def vector_visible(k, rng, r):
    """z5, the gradients' keys and shapes, and their values on an example you can do by hand."""
    case = (np.array([1.0, 2.0]), np.eye(2), np.zeros(2), np.array([1.0, 1.0]), 0.5)
    got = _vector(k, r, [case], "vector_forward_backward")
    if got is None:
        return
    z5, g = _pair(got[0])
    if g is None:
        r.fail(
            "vector_forward_backward must return the pair (z5, grads) with grads a dict; got "
            f"{type(got[0]).__name__}"
        )
    v = number(z5)
    r.expect(
        v is not None and abs(v - 3.5) < 1e-12, f"z5 = 1*1 + 1*2 + 0.5 = 3.5 here, got {v}", "z5"
    )
    r.expect(
        set(g) == set(VKEYS),
        f"grads must be a dict with the keys b2, u, b1, W, x; got {sorted(map(str, g))}",
        "keys_shapes",
    )
    for name, shape in [("u", (2,)), ("b1", (2,)), ("W", (2, 2)), ("x", (2,))]:
        r.expect(
            name in g and _shape(g[name]) == shape,
            f"grads[{name!r}] has shape {_shape(g.get(name))}, not {shape}",
            "keys_shapes",
        )

    def close(name, want):
        a = g.get(name)
        try:
            return np.shape(a) == np.shape(want) and np.allclose(np.asarray(a, float), want)
        except (TypeError, ValueError):
            return False

    r.expect(
        close("u", [1.0, 2.0]) and close("b1", [1.0, 1.0]),
        "dz5/du = ReLU(Wx + b1) and dz5/db1 = u * ReLU'(Wx + b1)",
        "values",
    )
    w = g.get("W")
    shown = np.asarray(w).tolist() if isinstance(w, np.ndarray) else repr(w)
    r.expect(
        close("W", [[1.0, 2.0], [1.0, 2.0]]),
        f"dz5/dW here is [[1, 2], [1, 2]], got {shown}: by Lemma 1 it is "
        "the outer product (gradient of z1) x^T; is it transposed?",
        "values",
    )
    b2 = number(g.get("b2"))
    r.expect(
        close("x", [1.0, 1.0]) and b2 is not None and abs(b2 - 1.0) < 1e-12,
        "dz5/dx = W^T (gradient of z1) and dz5/db2 = 1",
        "values",
    )


def _expect_vector(r, cases, got, parts_of: dict[str, str], names=None, note="") -> None:
    """Compare each case with torch.autograd; ``parts_of`` maps "z5" and each key to a part,
    ``names`` (optional) names the cases, ``note`` is added to each case's description."""
    for i, (case, out) in enumerate(zip(cases, got)):
        m, p = np.shape(case[1])
        where = (names or {}).get(i, f"case {i + 1} (m = {m}, p = {p}{note})")
        z5, g = _pair(out)
        if g is None:
            r.expect(False, f"{where}: the answer is not a pair (z5, grads)", parts_of["z5"])
            for name in VKEYS:
                r.expect(False, f"{where}: no grads dict", parts_of[name])
            continue
        want_z, want_g = torch_vector(*case)
        v = number(z5)
        r.expect(
            v is not None and abs(v - want_z) < 1e-8,
            f"{where}: z5 is {v}, not u . ReLU(W x + b1) + b2",
            parts_of["z5"],
        )
        for name in VKEYS:
            if name not in g:
                r.expect(False, f"{where}: grads has no key {name!r}", parts_of[name])
                continue
            r.close(
                g[name],
                want_g[name],
                f"{where}: grads[{name!r}]",
                parts_of[name],
                rtol=0,
                atol=1e-8,
            )


def _random_case(rng, m, p):
    return (
        rng.normal(size=p),
        rng.normal(size=(m, p)),
        rng.normal(size=m),
        rng.normal(size=m),
        float(rng.normal()),
    )


@check(
    "test_vector_forward_backward_hidden",
    parts={"z5": 2, "b2": 1, "u": 2, "b1": 2, "W": 2, "x": 1},
)
def vector_hidden(k, rng, r):
    """The exercise's values and random sizes and values against torch.autograd (float64), one
    part per gradient."""
    sizes = [(2, 2), (3, 5), (7, 4), (1, 1), (16, 9)] * 3
    sizes.append((int(rng.integers(1, 13)), int(rng.integers(1, 13))))
    cases = [(X_EX, W_EX, B1_EX, U_EX, B2_EX)] + [_random_case(rng, m, p) for m, p in sizes]
    got = _vector(k, r, cases, "vector_forward_backward")
    if got is None:
        return
    _expect_vector(r, cases, got, {n: n for n in ["z5", *VKEYS]}, {0: "the exercise's values"})


def _zero_case(rng, m, p):
    """Integer inputs (W x + b1 exact) with pre-activations exactly 0, negative and positive,
    and u != 0 wherever it matters."""
    x = rng.integers(-3, 4, size=p).astype(float)
    W = rng.integers(-3, 4, size=(m, p)).astype(float)
    kind = rng.integers(0, 3, size=m)  # 0: exactly 0, 1: negative, 2: positive
    kind[:2] = [0, 1][:m]
    shift = rng.integers(1, 4, size=m).astype(float)
    b1 = -(W @ x) + np.select([kind == 1, kind == 2], [-shift, shift], 0.0)
    u = rng.integers(1, 4, size=m) * rng.choice([-1.0, 1.0], size=m)
    return x, W, b1, u, 1.0


@check("test_vector_relu_at_zero")
def vector_relu_at_zero(k, rng, r):
    """Pre-activations exactly 0 and negative ones, where ReLU'(0) = 0 must match torch."""
    cases = [_zero_case(rng, m, p) for m, p in [(3, 2), (5, 4), (4, 3)] for _ in range(3)]
    got = _vector(k, r, cases, "vector_forward_backward")
    if got is None:
        return
    note = ", some pre-activations exactly 0, where ReLU'(0) = 0"
    _expect_vector(r, cases, got, {n: None for n in ["z5", *VKEYS]}, note=note)


# --- 3a encoder_graph -------------------------------------------------------------------------


def encoder_edges(H, T) -> set[tuple[str, str]]:
    """The edges of the simplified encoder layer's graph, from its equations."""
    hs, ts = range(1, H + 1), range(1, T + 1)
    e = {(f"x[{t}]", f"{m}[{h},{t}]") for h in hs for t in ts for m in "qkv"}
    for h in hs:
        for t in ts:
            for s in ts:
                e |= {
                    (f"k[{h},{s}]", f"alpha[{s}|{h},{t}]"),
                    (f"q[{h},{t}]", f"alpha[{s}|{h},{t}]"),
                }
                e |= {(f"alpha[{q}|{h},{t}]", f"beta[{s}|{h},{t}]") for q in ts}
                e |= {(f"beta[{s}|{h},{t}]", f"a[{h},{t}]"), (f"v[{h},{s}]", f"a[{h},{t}]")}
            e |= {(f"a[{h},{t}]", f"h[{h},{t}]"), (f"q[{h},{t}]", f"h[{h},{t}]")}
            e.add((f"h[{h},{t}]", f"z[{t}]"))
    return e


def _kind(label: str) -> str:
    """The part an edge into ``label`` belongs to."""
    name = label.split("[")[0]
    return {"q": "qkv", "k": "qkv", "v": "qkv", "h": "h_z", "z": "h_z"}.get(name, name)


@check("test_encoder_graph", parts={"outputs": 1, "nodes": 2, "softmax": 2, "alpha": 1})
def encoder_graph_visible(k, rng, r):
    """The H = 2, T = 2 graph's outputs, node count and the softmax edges."""
    g = _graph(k, r, "encoder_graph(2, 2)", "encoder_graph(2, 2)")
    if g is None:
        return
    r.expect(
        g.root_labels() == ["z[1]", "z[2]"],
        f"encoder_graph(2, 2) must return the list [z[1], z[2]] of Nodes; got the outputs "
        f"{g.root_labels()}",
        "outputs",
    )
    e = g.edges()
    n = len({a for a, _ in e} | {b for _, b in e})
    r.expect(
        n == 40,
        "With H = 2, T = 2 the graph has 40 nodes (2 x, 12 q/k/v, 8 alpha, 8 beta, 4 a, 4 h, "
        f"2 z); yours has {n}",
        "nodes",
    )
    r.expect(
        ("alpha[2|1,1]", "beta[1|1,1]") in e,
        "The softmax ties every beta[.|h,t] to every alpha[.|h,t]: beta[1|1,1] needs alpha[2|1,1]",
        "softmax",
    )
    r.expect(
        ("k[1,2]", "alpha[2|1,1]") in e and ("q[1,1]", "alpha[2|1,1]") in e,
        "alpha[t'|h,t] = k[h,t'] . q[h,t]: alpha[2|1,1] comes from k[1,2] and q[1,1]",
        "alpha",
    )


@check(
    "test_encoder_graph_hidden",
    parts={"outputs": 1, "qkv": 1, "alpha": 2, "beta": 2, "a": 2, "h_z": 2},
)
def encoder_graph_hidden(k, rng, r):
    """Every edge, for H = 2, T = 2 and for other numbers of heads and positions; one part per
    kind of node the edges lead into."""
    sizes = [(2, 2), (1, 1), (1, 3), (3, 2), (2, 4)]
    sizes.append((int(rng.integers(1, 4)), int(rng.integers(2, 5))))
    expr = f"[({DUMP})(encoder_graph(H, T)) for H, T in S]"
    raw, ok = ask(k, r, expr, "encoder_graph", S=sizes)
    if not ok:
        return
    if not isinstance(raw, list) or len(raw) != len(sizes):
        r.fail("encoder_graph did not answer for every size")
    for (H, T), one in zip(sizes, raw):
        what = f"encoder_graph({H}, {T})"
        g = Graph.parse(one)
        bad = "its graph could not be read" if g is None else g.problem()
        if bad:
            r.expect(False, f"{what}: {bad}")
            continue
        roots = g.root_labels()
        r.expect(
            roots == [f"z[{t}]" for t in range(1, T + 1)],
            f"{what} must return [z[1], ..., z[{T}]], got the outputs {roots}",
            "outputs",
        )
        got, want = g.edges(), encoder_edges(H, T)
        for part in ["qkv", "alpha", "beta", "a", "h_z"]:
            mine = {e for e in got if _kind(e[1]) == part}
            theirs = {e for e in want if _kind(e[1]) == part}
            r.expect(
                mine == theirs, _edge_message(f"{what}, edges into {part}", mine, theirs), part
            )
        others = sorted(e for e in got if _kind(e[1]) not in ("qkv", "alpha", "beta", "a", "h_z"))
        r.expect(
            not others,
            f"{what}: edges into nodes the graph does not have, e.g. {others[:3]}",
            "outputs",
        )


# --- 3b simplified_encoder_layer --------------------------------------------------------------


@check("test_simplified_encoder_layer", parts={"shape": 2, "values": 3})
def encoder_layer_visible(k, rng, r):
    """The output's shape and a case you can do by hand: one position (T = 1)."""
    g = np.random.default_rng(0)  # the visible cell's inputs
    X1 = g.normal(size=(1, 4))
    WQ, WK, WV = (g.normal(size=(2, 2, 4)) for _ in range(3))
    W = g.normal(size=(4, 4))
    Z = k.call("simplified_encoder_layer", X1, WQ, WK, WV, W)
    if _shape(Z) != (1, 4):
        r.fail(f"T = 1, d = 4 must give shape (1, 4), got {_shape(Z)}")
    r.expect(True, "", "shape")
    h = np.concatenate([WV[i] @ X1[0] + WQ[i] @ X1[0] for i in range(2)])
    r.close(
        Z,
        (W @ h)[None],
        "With T = 1, z_1 = W (h_1 (+) h_2) with h_h = v_h + q_h (softmax of one number is 1). "
        "Check the residual (added before W) and the order of the heads",
        "values",
        rtol=1e-5,
        atol=1e-8,
    )


X_ENC = np.array([[1.0, 2.0], [-1.0, 3.0]])
WQ_ENC = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])


def _encoder_by_hand() -> np.ndarray:
    # Head 1 sees the first coordinates (1, -1), head 2 the second ones (2, 3); q = k = v.
    # Head 1: alpha[.|t] = (q_t, -q_t); head 2: alpha[.|t] = (2 q_t, 3 q_t).
    def s(a, b):
        return np.exp(a) / (np.exp(a) + np.exp(b))

    a11 = s(1, -1) * 1 + s(-1, 1) * -1  # t = 1, q = 1
    a12 = s(-1, 1) * 1 + s(1, -1) * -1  # t = 2, q = -1
    a21 = s(4, 6) * 2 + s(6, 4) * 3  # t = 1, q = 2
    a22 = s(6, 9) * 2 + s(9, 6) * 3  # t = 2, q = 3
    return np.array([[a11 + 1, a21 + 2], [a12 - 1, a22 + 3]])


@check("test_encoder_layer_example", parts={"shape": 1, "values": 2})
def encoder_layer_example(k, rng, r):
    """The exercise's input (d = 2, H = 2, T = 2), against values worked out by hand."""
    if not k.defined("Z_ex"):
        r.fail("Z_ex is not defined: run the cell that computes it")
    Z_ex = k.eval("Z_ex")
    r.expect(_shape(Z_ex) == (2, 2), f"Z_ex must have shape (2, 2), got {_shape(Z_ex)}", "shape")
    want = _encoder_by_hand()
    r.close(Z_ex, want, "Z_ex", "values", rtol=0, atol=1e-8)
    Z = k.call("simplified_encoder_layer", X_ENC, WQ_ENC, WQ_ENC.copy(), WQ_ENC.copy(), np.eye(2))
    r.close(
        Z, want, "simplified_encoder_layer on the exercise's input", "values", rtol=0, atol=1e-8
    )


@check("test_encoder_layer_vs_torch", parts={"one_head": 2, "heads": 6})
def encoder_layer_vs_torch(k, rng, r):
    """Random sizes (d, H, T) and values against a torch reference, per head, float64; one
    head alone, and several heads."""
    sizes = [(2, 2, 2), (4, 2, 3), (6, 3, 5), (8, 4, 4), (6, 1, 7), (12, 3, 6)]
    H = int(rng.integers(1, 5))
    sizes += [(H * int(rng.integers(1, 4)), H, int(rng.integers(2, 8))), (4, 1, 1 + H)]
    cases = []
    for d, H, T in sizes:
        Ws = [rng.normal(size=(H, d // H, d)) for _ in range(3)]
        cases.append((rng.normal(size=(T, d)), *Ws, rng.normal(size=(d, d))))
    got, ok = ask(
        k, r, "[simplified_encoder_layer(*c) for c in C]", "simplified_encoder_layer", C=cases
    )
    if not ok:
        return
    if not isinstance(got, list) or len(got) != len(cases):
        r.fail("simplified_encoder_layer did not answer for every case")
    for (d, H, T), case, Z in zip(sizes, cases, got):
        part = "one_head" if H == 1 else "heads"
        r.close(Z, torch_encoder(*case), f"d = {d}, H = {H}, T = {T}", part, rtol=0, atol=1e-8)
