"""Computation graphs for the backprop assignment: nodes, a tiny autograd, and a drawing.

A :class:`Node` is a labelled box with the nodes it is computed from (``inputs``) and the
operation that computes it (``op``: ``"+"``, ``"*"``, ``"ReLU"``, ``"@"``, ... or ``""`` for an
input). It is all a drawing needs, e.g. for a graph whose functions are hidden::

    x = Node("x[1]")
    q = Node("q[1,1]", [x])

A :class:`Value` is a :class:`Node` that also holds a number and runs reverse-mode
differentiation, in the style of Karpathy's micrograd::

    x, w = Value(1.0, "x"), Value(0.25, "w1")
    z = (w * x).named("z1").relu().named("z3")
    z.backward()          # x.grad == 0.25, w.grad == 1.0

:func:`draw_graph` draws any of these with matplotlib alone (no graphviz binary), inputs on the
left and outputs on the right; :func:`edges` lists a graph's edges by label, which is what
tests compare. Inside ``with autograd_off():`` torch's backward engine and
:meth:`Value.backward` refuse to run, for questions that ask for the chain rule by hand.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable


class Node:
    """A node of a computation graph: a label, the nodes it is computed from, and the op."""

    def __init__(self, label: str = "", inputs: Iterable[Node] = (), op: str = ""):
        self.label = str(label)
        self.inputs = tuple(inputs)
        for i in self.inputs:
            if not isinstance(i, Node):
                raise TypeError(
                    f"node {label!r}: inputs must be Node or Value objects, got {type(i).__name__}"
                    " (wrap numbers in Value(...), names in Node(...))"
                )
        self.op = op

    def named(self, label: str) -> Node:
        """Set the label and return the node, so that ``(a * b).named("z1")`` reads inline."""
        self.label = str(label)
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r}, op={self.op!r})"


class Value(Node):
    """A scalar that remembers how it was computed and back-propagates gradients into ``.grad``.

    Supports ``+``, ``*`` (with Values or plain numbers on either side) and ``.relu()``, with
    the convention ReLU'(0) = 0 (as torch).
    """

    def __init__(self, data: float, label: str = "", inputs: Iterable[Node] = (), op: str = ""):
        super().__init__(label, inputs, op)
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None

    @staticmethod
    def _lift(other) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, Node):
            raise TypeError(f"cannot compute with the data-less Node {other.label!r}: use Value")
        return Value(float(other), label=format(float(other), "g"))

    def __add__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data + other.data, inputs=(self, other), op="+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data * other.data, inputs=(self, other), op="*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def relu(self) -> Value:
        out = Value(max(0.0, self.data), inputs=(self,), op="ReLU")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Set every ``.grad`` in the graph to d(self)/d(node), by the chain rule in reverse
        topological order (gradients of earlier ``backward`` calls are cleared first)."""
        order = nodes(self)
        for n in order:
            if isinstance(n, Value):
                n.grad = 0.0
        self.grad = 1.0
        for n in reversed(order):
            if isinstance(n, Value):
                n._backward()

    def __repr__(self) -> str:
        return f"Value({self.data:g}, label={self.label!r}, grad={self.grad:g})"


def _roots(roots) -> list[Node]:
    if isinstance(roots, Node):
        return [roots]
    out = list(roots) if isinstance(roots, Iterable) else [roots]
    bad = [type(r).__name__ for r in out if not isinstance(r, Node)]
    if bad or not out:
        raise TypeError(
            "expected a Node/Value or a non-empty list of them (the graph's outputs), got "
            f"{type(roots).__name__}" + (f" holding {bad}" if bad else "")
        )
    return out


def nodes(roots) -> list[Node]:
    """Every node the outputs ``roots`` depend on, each once, inputs before what uses them."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in _roots(roots):
        stack = [(root, False)]
        while stack:  # iterative DFS post-order (deep graphs do not hit the recursion limit)
            n, done = stack.pop()
            if done:
                order.append(n)
                continue
            if id(n) in seen:
                continue
            seen.add(id(n))
            stack.append((n, True))
            stack.extend((i, False) for i in reversed(n.inputs) if id(i) not in seen)
    return order


def edges(roots) -> set[tuple[str, str]]:
    """The graph's edges as ``(input label, node label)`` pairs.

    Every node needs a distinct, non-empty label; the error says which one does not have one.
    """
    ns = nodes(roots)
    by_label: dict[str, Node] = {}
    for n in ns:
        if not n.label:
            used = ", ".join(repr(i.label) for i in n.inputs) or "nothing"
            raise ValueError(
                f"a node with op {n.op!r} computed from {used} has no label: name it, e.g. "
                "`(a * b).named('z1')` or Node('z1', [a, b])"
            )
        if n.label in by_label and by_label[n.label] is not n:
            raise ValueError(f"two different nodes are labelled {n.label!r}: labels must differ")
        by_label[n.label] = n
    return {(i.label, n.label) for n in ns for i in n.inputs}


def ops(roots) -> dict[str, str]:
    """label -> op of every node (``""`` for inputs)."""
    return {n.label: n.op for n in nodes(roots)}


def _layout(order: list[Node]) -> dict[int, tuple[float, float]]:
    """x = longest path from an input; within a column, nodes are sorted by the mean height of
    their inputs (fewer crossing arrows) and spread evenly."""
    depth: dict[int, int] = {}
    for n in order:
        depth[id(n)] = 1 + max((depth[id(i)] for i in n.inputs), default=-1)
    columns: dict[int, list[Node]] = {}
    for n in order:
        columns.setdefault(depth[id(n)], []).append(n)
    tallest = max(len(c) for c in columns.values())
    pos: dict[int, tuple[float, float]] = {}
    for d in sorted(columns):
        col = columns[d]
        if d > 0:
            first = {id(n): k for k, n in enumerate(col)}
            col.sort(key=lambda n: (-_mean(pos[id(i)][1] for i in n.inputs), first[id(n)]))
        step = (tallest - 1) / max(len(col) - 1, 1)
        for k, n in enumerate(col):
            y = 0.0 if len(col) == 1 else (tallest - 1) / 2 - k * step
            pos[id(n)] = (float(d), y)
    return pos


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _arrow(ax, source, target, bend: float) -> None:
    """An arrow from the right edge of the ``source`` text box to the left edge of ``target``
    (curved by ``bend`` when it jumps over columns, so that it does not hide behind boxes)."""
    ax.annotate(
        "",
        xy=(0, 0.5),
        xycoords=target,
        xytext=(1, 0.5),
        textcoords=source,
        arrowprops=dict(
            arrowstyle="->",
            color="#555",
            shrinkA=4,
            shrinkB=4,
            connectionstyle=f"arc3,rad={bend}",
        ),
    )


def _text(n: Node) -> str:
    if isinstance(n, Value):
        return f"{n.label}\ndata {n.data:.4g}\ngrad {n.grad:.4g}"
    return n.label


def draw_graph(roots, ax=None, title: str | None = None):
    """Draw the graph of ``roots`` with matplotlib and return the Figure.

    Boxes are nodes (for a Value: label, data and grad); a node's op is written in a circle on
    the arrows that lead into it. Inputs are on the left, outputs on the right.
    """
    import matplotlib.pyplot as plt

    order = nodes(roots)
    pos = _layout(order)
    ncols = 1 + max(int(p[0]) for p in pos.values())
    nrows = 1 + max(sum(1 for p in pos.values() if p[0] == c) for c in range(ncols))
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(4.0, 2.0 * ncols), max(2.5, 0.9 * nrows)))
    else:
        fig = ax.figure
    box = dict(boxstyle="round,pad=0.3", fc="#eef3fb", ec="#35619d")
    circle = dict(boxstyle="circle,pad=0.25", fc="#fff4d6", ec="#b7791f")
    artists = {}
    for n in order:
        x, y = pos[id(n)]
        artists[id(n)] = ax.text(x, y, _text(n), ha="center", va="center", fontsize=8, bbox=box)
    for n in order:
        x, y = pos[id(n)]
        target = artists[id(n)]
        if n.op:  # the op sits left of its node: input -> op -> node
            target_op = ax.text(
                x - 0.42, y, n.op, ha="center", va="center", fontsize=8, bbox=circle
            )
            _arrow(ax, target_op, target, 0.0)
            target = target_op
        for i in n.inputs:
            span = pos[id(n)][0] - pos[id(i)][0]
            bend = 0.0 if span <= 1 else 0.25 * (1 if pos[id(i)][1] <= y else -1)
            _arrow(ax, artists[id(i)], target, bend)
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(-0.6, ncols - 0.4)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


class AutogradOff(RuntimeError):
    """Raised by torch's backward engine and :meth:`Value.backward` inside :func:`autograd_off`."""


@contextlib.contextmanager
def autograd_off(question: str = "this question"):
    """Switch off automatic differentiation: ``Tensor.backward``, ``torch.autograd.grad``,
    ``torch.func.grad`` (all run torch's backward engine) and :meth:`Value.backward` raise
    :class:`AutogradOff` until the ``with`` block ends. A Value class of your own still works."""

    def refuse(*args, **kwargs):
        raise AutogradOff(
            f"automatic differentiation is switched off for {question}: apply the chain rule "
            "yourself (plain arithmetic, or a Value class you write) instead of calling "
            ".backward(), torch.autograd or nlpcourse.graph.Value.backward."
        )

    patches = [(Value, "backward")]
    try:
        import torch.autograd as ta
    except ImportError:
        ta = None
    if ta is not None and hasattr(ta, "_engine_run_backward"):
        patches.append((ta, "_engine_run_backward"))  # under backward() and grad()
    elif ta is not None:
        patches += [(ta, "backward"), (ta, "grad")]
    saved = [(obj, name, getattr(obj, name)) for obj, name in patches]
    for obj, name, _ in saved:
        setattr(obj, name, refuse)
    try:
        yield
    finally:
        for obj, name, old in saved:
            setattr(obj, name, old)
