"""nlpcourse.graph: the Value autograd against torch, edge lists, and the matplotlib drawing."""

import matplotlib
import pytest
import torch

from nlpcourse.graph import Node, Value, draw_graph, edges, nodes, ops

matplotlib.use("Agg")


def _scalar_net(x, w1, b1, w2, b2):
    z1 = (w1 * x).named("z1")
    z2 = (z1 + b1).named("z2")
    z3 = z2.relu().named("z3")
    z4 = (w2 * z3).named("z4")
    return (z4 + b2).named("z5")


@pytest.mark.parametrize(
    "vals",
    [(1.0, 0.25, 0.0, 1 / 3, 0.0), (-1.5, 0.7, 0.2, -2.0, 0.3), (2.0, 0.5, -1.0, 3.0, 0.1)],
)
def test_value_backward_matches_torch_including_relu_at_zero(vals):
    names = ["x", "w1", "b1", "w2", "b2"]
    vs = [Value(v, n) for v, n in zip(vals, names, strict=True)]
    z5 = (_scalar_net(*vs) + vs[0]).named("z6")  # x used twice: gradients must accumulate
    z5.backward()
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in vals]
    x, w1, b1, w2, b2 = ts
    out = w2 * torch.relu(w1 * x + b1) + b2 + x
    out.backward()
    assert z5.data == pytest.approx(out.item(), abs=1e-12)
    for v, t in zip(vs, ts, strict=True):
        assert v.grad == pytest.approx(t.grad.item(), abs=1e-12), v.label
    # the third case has pre-activation exactly 0: ReLU'(0) = 0 as in torch
    z5.backward()  # a second call starts from cleared gradients
    assert vs[1].grad == pytest.approx(ts[1].grad.item(), abs=1e-12)


def test_numbers_mix_with_values():
    a = Value(2.0, "a")
    b = (3 * a + 1).named("b")
    b.backward()
    assert b.data == 7.0 and a.grad == 3.0


def test_edges_and_ops_by_label():
    vs = [Value(v, n) for v, n in zip([1, 2, 3, 4, 5], ["x", "w1", "b1", "w2", "b2"], strict=True)]
    z5 = _scalar_net(*vs)
    assert edges(z5) == {
        ("w1", "z1"),
        ("x", "z1"),
        ("z1", "z2"),
        ("b1", "z2"),
        ("z2", "z3"),
        ("z3", "z4"),
        ("w2", "z4"),
        ("z4", "z5"),
        ("b2", "z5"),
    }
    assert ops(z5)["z3"] == "ReLU" and ops(z5)["z1"] == "*" and ops(z5)["x"] == ""
    order = [n.label for n in nodes(z5)]
    assert order.index("z1") > order.index("x") and order[-1] == "z5"


def test_unlabelled_and_duplicate_labels_are_refused_with_a_fix():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    with pytest.raises(ValueError, match=r"no label: name it"):
        edges(a * b)
    with pytest.raises(ValueError, match="two different nodes are labelled 'a'"):
        edges((a + Value(3.0, "a")).named("c"))
    with pytest.raises(TypeError, match="inputs must be Node or Value"):
        Node("z", [1.0])
    with pytest.raises(TypeError, match="list of them"):
        nodes("z5")


def test_nodes_work_on_lists_of_outputs_and_deep_graphs():
    x = Node("x")
    outs = [Node("y1", [x]), Node("y2", [x])]
    assert edges(outs) == {("x", "y1"), ("x", "y2")}
    deep = Value(0.0, "v0")
    for i in range(1, 3000):  # deeper than Python's recursion limit
        deep = (deep + 1).named(f"v{i}")
    deep.backward()
    assert len(nodes(deep)) > 3000


def test_draw_graph_draws_every_node_with_matplotlib_only():
    vs = [Value(v, n) for v, n in zip([1, 2, 3, 4, 5], ["x", "w1", "b1", "w2", "b2"], strict=True)]
    z5 = _scalar_net(*vs)
    z5.backward()
    fig = draw_graph(z5, title="z5")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for label in ["x", "w1", "b1", "w2", "b2", "z1", "z2", "z3", "z4", "z5"]:
        assert any(t.split("\n")[0] == label for t in texts), label
    assert sum(t in ("*", "+", "ReLU") for t in texts) == 5  # one op circle per computed node
    # 9 edges + 5 op -> node arrows
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == 14
    fig.canvas.draw()  # renders without a graphviz binary
    matplotlib.pyplot.close(fig)


def test_autograd_off_blocks_torch_and_value_backward_and_restores_them():
    from nlpcourse.graph import AutogradOff, autograd_off

    def torch_grad(x):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        (t * t).backward()
        return t.grad.item()

    v = Value(3.0, "v")
    with autograd_off("question 1c"):
        with pytest.raises(AutogradOff, match="switched off for question 1c"):
            torch_grad(2.0)
        t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        with pytest.raises(AutogradOff):
            torch.autograd.grad(t * t, t)
        with pytest.raises(AutogradOff):
            torch.func.grad(lambda a: (a * a).sum())(torch.ones(2))
        with pytest.raises(AutogradOff):
            (v * v).named("w").backward()
        assert (v * 2).data == 6.0  # forward computation is untouched
    assert torch_grad(2.0) == 4.0
    w = (v * v).named("w")
    w.backward()
    assert v.grad == 6.0
