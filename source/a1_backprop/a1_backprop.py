# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A1 · Backpropagation by hand, and a simplified Transformer layer (84 points)
#
# Reverse-mode differentiation is the chain rule applied backwards along a computation graph.
# You draw the graph of a tiny network, run its forward and backward passes yourself (first
# with scalars, then with vectors and matrices), and then run the forward pass of a simplified
# self-attention layer. The autograder checks your numbers against `torch.autograd`.
#
# | Question | What you hand in | Points | How it is checked |
# |---|---|---|---|
# | 1a | `scalar_graph(x, w1, b1, w2, b2)`: the computation graph | 4 | tests on its nodes and edges |
# | 1b | `scalar_forward(x, w1, b1, w2, b2)` | 4 | tests |
# | 1c | `scalar_backward(x, w1, b1, w2, b2)` | 12 | tests against `torch.autograd`, with autograd switched off for your code |
# | 1d | `skip_graph`, `skip_forward`, `skip_backward` | 4 | the same |
# | 1e | sensitivity to $x$ with and without the skip (Markdown) | 4 | read by a grader with a mark scheme |
# | 2a | `vector_graph()`: the computation graph | 4 | tests on its nodes and edges |
# | 2b–c | `vector_forward_backward(x, W, b1, u, b2)` | 20 | tests against `torch.autograd` |
# | 3a | `encoder_graph(H, T)`: the self-attention graph | 16 | tests on its nodes and edges |
# | 3b | `simplified_encoder_layer(X, WQ, WK, WV, W)` | 16 | tests against a `torch` reference |
# | **Total** | | **84** | |
#
# **How you are graded.** Every question is followed by a test cell. The assertions you can
# see are a first check and tell you in plain words what is wrong. When you submit, the
# autograder checks your functions again from outside your notebook, on inputs drawn fresh for
# you (random values and sizes, negative pre-activations, pre-activations that are exactly 0),
# and your points come from those checks, part by part, with a message saying which part
# failed. A solution that only fits the visible examples loses points: write general code, not
# special cases. Values and gradients must match `torch` (`torch.autograd` for gradients) in
# float64 to an absolute $10^{-8}$; at the visible tests' small integer points, where float
# arithmetic is exact, to $10^{-12}$. Graphs are compared exactly (labels and edges).
#
# **Autograd.** In question 1 (1c, 1d) you run backpropagation *yourself*: plain arithmetic,
# or a `Value` class you write. The tests and the autograder call those functions with
# automatic differentiation switched off (`Tensor.backward`, `torch.autograd.grad`,
# `torch.func` and `nlpcourse.graph.Value.backward` raise an error), so code that calls them
# scores 0 there. The switch works inside your own notebook: the autograder checks this rule
# but cannot enforce it against code written to get around it. In question 2 anything goes,
# `torch.autograd` included, though Lemma 1 gives each gradient in one line. Question 3 has no
# gradients.
#
# **Rules.** Fill in the cells that say `YOUR CODE HERE` or `YOUR ANSWER HERE`, and nothing
# else: do not delete, copy or reorder cells. Before you submit, restart and run everything
# (Colab: *Runtime > Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run
# All Cells*) and check that no cell fails. The whole notebook runs in seconds on a CPU.

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook("a1_backprop", gpu="optional")

# %%
import numpy as np
import torch

from nlpcourse.graph import Node, Value, autograd_off, draw_graph, edges, ops

# %% [markdown]
# ## Drawing computation graphs
#
# `nlpcourse.graph` has two kinds of node. A `Node(label, inputs, op)` is a box in a drawing:
# a label, the nodes it is computed from, and the name of the operation (`""` for an input
# node). A `Value(data, label)` is a `Node` that also holds a number: `+`, `*` and `.relu()`
# on Values make new Values and record the graph, micrograd style. `.named("z1")` sets the
# label and returns the node. `draw_graph(output)` draws the graph (or a list of outputs) with
# matplotlib, `edges(output)` lists its edges as `(input label, node label)` pairs, and
# `ops(output)` maps each label to its op.

# %%
_a, _b = Value(2.0, "a"), Value(-3.0, "b")
_c = (_a * _b).named("c")
_d = (_c + _a).named("d")
print(sorted(edges(_d)), ops(_d))
_fig = draw_graph(_d, title="d = a*b + a")

# %% [markdown]
# ## 1. Backpropagation with scalars (28 points)
#
# Let $x, w_1, b_1, w_2, b_2 \in \mathbb{R}$ and
#
# $$ z_1 = w_1 x, \quad z_2 = z_1 + b_1, \quad z_3 = \mathrm{ReLU}(z_2) = \max\{0, z_2\}, \quad
#    z_4 = w_2 z_3, \quad z_5 = z_4 + b_2 , $$
#
# so $z_5 = w_2 \,\mathrm{ReLU}(w_1 x + b_1) + b_2$ is a feed-forward network with one
# nonlinear layer in which every variable is a scalar. We use $\mathrm{ReLU}'(0) = 0$, as
# torch does.
#
# ### 1a. The computation graph (4 points)
#
# Write `scalar_graph(x, w1, b1, w2, b2)` returning the output node $z_5$ built from `Value`s:
# the input nodes labelled `"x"`, `"w1"`, `"b1"`, `"w2"`, `"b2"`, the internal nodes
# labelled `"z1"` … `"z5"`, one operation each (`*`, `+` or `.relu()`), exactly as in the
# equations above.


# %% nbgrader={"grade_id": "scalar_graph", "solution": true}
def scalar_graph(x, w1, b1, w2, b2):
    """The output node z5 of the scalar network, built from labelled Values."""
    ### BEGIN SOLUTION
    x, w1, b1 = Value(x, "x"), Value(w1, "w1"), Value(b1, "b1")
    w2, b2 = Value(w2, "w2"), Value(b2, "b2")
    z1 = (w1 * x).named("z1")
    z2 = (z1 + b1).named("z2")
    z3 = z2.relu().named("z3")
    z4 = (w2 * z3).named("z4")
    return (z4 + b2).named("z5")
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_scalar_graph", "grade": true, "points": 2}
"""Check the graph's input labels, its size, and its operations."""
_z5 = scalar_graph(2.0, 1.0, 1.0, 3.0, -1.0)
assert isinstance(_z5, Value), f"scalar_graph must return a Value, got {type(_z5).__name__}."
_ops = ops(_z5)
assert _z5.label == "z5", f"The output node must be labelled 'z5', got {_z5.label!r}."
_inputs = {k for k, v in _ops.items() if v == ""}
assert _inputs == {"x", "w1", "b1", "w2", "b2"}, f"Input nodes are {sorted(_inputs)}."
assert sorted(_ops) == sorted(["x", "w1", "b1", "w2", "b2", "z1", "z2", "z3", "z4", "z5"]), (
    f"The graph needs 10 nodes (5 inputs, z1..z5); it has {sorted(_ops)}."
)
assert sorted(v for v in _ops.values() if v) == sorted(["*", "+", "ReLU", "*", "+"]), (
    "z1..z5 take one operation each: two products, two sums and one ReLU."
)
assert abs(_z5.data - 8.0) < 1e-12, f"z5 at (2, 1, 1, 3, -1) is 3*ReLU(2+1)-1 = 8, got {_z5.data}."
print("scalar_graph: visible checks passed.")

# %% nbgrader={"grade_id": "test_scalar_graph_hidden", "grade": true, "points": 2}
"""Hidden: every edge of the graph, and the node values at other inputs."""
assert scalar_graph(1.0, 0.5, 0.0, 2.0, 0.0) is not None, "scalar_graph returned None."

# %% [markdown]
# Here is your graph at the values of the exercise, $x = 1$, $w_1 = 1/4$, $b_1 = 0$,
# $w_2 = 1/3$, $b_2 = 0$ (all gradients are still 0):

# %%
_fig = draw_graph(scalar_graph(1.0, 1 / 4, 0.0, 1 / 3, 0.0), title="z5")

# %% [markdown]
# ### 1b. Forward pass (4 points)
#
# Write `scalar_forward(x, w1, b1, w2, b2)` returning $z_5$ as a Python `float`, computed
# step by step ($z_1$, …, $z_5$) as on the graph. Then the cell below prints $z_5$ at the
# exercise's values.


# %% nbgrader={"grade_id": "scalar_forward", "solution": true}
def scalar_forward(x, w1, b1, w2, b2):
    """z5 = w2 * ReLU(w1 * x + b1) + b2 as a float."""
    ### BEGIN SOLUTION
    z1 = w1 * x
    z2 = z1 + b1
    z3 = max(0.0, z2)
    z4 = w2 * z3
    z5 = z4 + b2
    return float(z5)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_scalar_forward", "grade": true, "points": 1}
"""Check scalar_forward at two points you can do by hand."""
assert abs(scalar_forward(2.0, 1.0, 1.0, 3.0, -1.0) - 8.0) < 1e-12, (
    f"At (x, w1, b1, w2, b2) = (2, 1, 1, 3, -1): 3*ReLU(3) - 1 = 8; got "
    f"{scalar_forward(2.0, 1.0, 1.0, 3.0, -1.0)}."
)
assert abs(scalar_forward(2.0, -1.0, 1.0, 3.0, -1.0) - (-1.0)) < 1e-12, (
    "With a negative pre-activation (w1*x + b1 = -1) the ReLU outputs 0, so z5 = b2 = -1."
)
print("z5 at the exercise's values:", scalar_forward(1.0, 1 / 4, 0.0, 1 / 3, 0.0))

# %% nbgrader={"grade_id": "test_scalar_forward_hidden", "grade": true, "points": 3}
"""Hidden: scalar_forward at the exercise's values and at random ones, against torch."""
assert scalar_forward(1.0, 0.25, 0.0, 1 / 3, 0.0) is not None, "scalar_forward returned None."

# %% [markdown]
# ### 1c. Backward pass (12 points)
#
# Write `scalar_backward(x, w1, b1, w2, b2)` returning the gradient of $z_5$ with respect to
# each input as a dict of floats with the keys `"b2"`, `"w2"`, `"b1"`, `"w1"`, `"x"`. Run the
# forward pass, then go backwards through the graph: start from
# $\partial z_5 / \partial z_5 = 1$ and multiply by each node's local derivative, one node at
# a time ($\bar z_4 = \bar z_5$, $\bar z_3 = w_2 \bar z_4$, …). No autograd here (see the top
# of the notebook); a `Value` class of your own is fine.


# %% nbgrader={"grade_id": "scalar_backward", "solution": true}
def scalar_backward(x, w1, b1, w2, b2):
    """dz5/d(b2, w2, b1, w1, x) by reverse-mode differentiation, as a dict of floats."""
    ### BEGIN SOLUTION
    z1 = w1 * x
    z2 = z1 + b1
    z3 = max(0.0, z2)
    z5_bar = 1.0
    z4_bar = z5_bar  # z5 = z4 + b2
    b2_bar = z5_bar
    w2_bar = z3 * z4_bar  # z4 = w2 * z3
    z3_bar = w2 * z4_bar
    z2_bar = (1.0 if z2 > 0 else 0.0) * z3_bar  # ReLU'(0) = 0
    z1_bar = z2_bar  # z2 = z1 + b1
    b1_bar = z2_bar
    w1_bar = x * z1_bar  # z1 = w1 * x
    x_bar = w1 * z1_bar
    grads = {"b2": b2_bar, "w2": w2_bar, "b1": b1_bar, "w1": w1_bar, "x": x_bar}
    return {k: float(v) for k, v in grads.items()}
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_scalar_backward", "grade": true, "points": 4}
"""Check the keys and the gradients at a point you can do by hand, with autograd off."""
with autograd_off("question 1c"):
    _g = scalar_backward(2.0, 1.0, 1.0, 3.0, -1.0)
assert isinstance(_g, dict) and set(_g) == {"b2", "w2", "b1", "w1", "x"}, (
    f"Return a dict with the keys b2, w2, b1, w1, x; got {_g!r}."
)
_want = {"b2": 1.0, "w2": 3.0, "b1": 3.0, "w1": 6.0, "x": 3.0}
for _k, _v in _want.items():
    assert abs(_g[_k] - _v) < 1e-12, (
        f"At (x, w1, b1, w2, b2) = (2, 1, 1, 3, -1): dz5/d{_k} = {_v}, got {_g[_k]}. Each "
        "gradient is the product of the local derivatives on the path from z5 back to it."
    )
print("scalar_backward: visible checks passed.")

# %% nbgrader={"grade_id": "test_scalar_backward_hidden", "grade": true, "points": 6}
"""Hidden: exercise values and random ones (some ReLUs off) vs torch.autograd, float64."""
with autograd_off("question 1c"):
    assert scalar_backward(1.0, 0.25, 0.0, 1 / 3, 0.0) is not None, "returned None."

# %% nbgrader={"grade_id": "test_scalar_backward_relu_at_zero", "grade": true, "points": 2}
"""Hidden: pre-activations exactly 0, where ReLU'(0) = 0 must match torch."""
with autograd_off("question 1c"):
    assert scalar_backward(2.0, 0.5, -1.0, 3.0, 0.0) is not None, "returned None."

# %% [markdown]
# Compare your numbers with the `Value` engine: after `z5.backward()` every node of the
# graph holds $\partial z_5 / \partial(\text{node})$ in its `grad`.

# %%
_z5 = scalar_graph(1.0, 1 / 4, 0.0, 1 / 3, 0.0)
_z5.backward()
print("yours:     ", scalar_backward(1.0, 1 / 4, 0.0, 1 / 3, 0.0))
_fig = draw_graph(_z5, title="z5 after backward()")

# %% [markdown]
# ### 1d. A skip connection (4 points)
#
# Add the skip connection $z_6 = z_5 + x$. Write
#
# - `skip_graph(x, w1, b1, w2, b2)`: the output node $z_6$ (label `"z6"`, op `+`) of the graph
#   of 1a with one more node; the input `x` is the same node that feeds $z_1$;
# - `skip_forward(...)`: $z_6$ as a float;
# - `skip_backward(...)`: the gradients of $z_6$ with respect to `b2`, `w2`, `b1`, `w1`, `x`,
#   as in 1c (no autograd).
#
# On top of 1b and 1c this takes one more computation forward and one backward: $x$ now
# reaches the output along two paths, and gradients from both paths add up.


# %% nbgrader={"grade_id": "skip_connection", "solution": true}
def skip_graph(x, w1, b1, w2, b2):
    """The output node z6 = z5 + x, built from labelled Values."""
    ### BEGIN SOLUTION
    x_node = Value(x, "x")
    w1, b1, w2, b2 = Value(w1, "w1"), Value(b1, "b1"), Value(w2, "w2"), Value(b2, "b2")
    z3 = ((w1 * x_node).named("z1") + b1).named("z2").relu().named("z3")
    z5 = ((w2 * z3).named("z4") + b2).named("z5")
    return (z5 + x_node).named("z6")
    ### END SOLUTION


def skip_forward(x, w1, b1, w2, b2):
    """z6 = z5 + x as a float."""
    ### BEGIN SOLUTION
    return scalar_forward(x, w1, b1, w2, b2) + float(x)
    ### END SOLUTION


def skip_backward(x, w1, b1, w2, b2):
    """dz6/d(b2, w2, b1, w1, x) as a dict of floats."""
    ### BEGIN SOLUTION
    grads = dict(scalar_backward(x, w1, b1, w2, b2))  # z6 = z5 + x: z5_bar = 1
    grads["x"] = grads["x"] + 1.0  # plus the direct path x -> z6
    return grads
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_skip_connection", "grade": true, "points": 2}
"""Check skip_graph's new node and skip_forward/skip_backward at a point you can do by hand."""
_z6 = skip_graph(2.0, 1.0, 1.0, 3.0, -1.0)
assert isinstance(_z6, Value) and _z6.label == "z6", "skip_graph must return the Value 'z6'."
assert ("x", "z6") in edges(_z6) and ("z5", "z6") in edges(_z6), (
    "z6 is computed from z5 and x: both edges must be in the graph."
)
assert len(ops(_z6)) == 11, f"The graph of z6 has 11 nodes, got {len(ops(_z6))}: reuse one x."
assert abs(skip_forward(2.0, 1.0, 1.0, 3.0, -1.0) - 10.0) < 1e-12, "z6 = z5 + x = 8 + 2 = 10."
with autograd_off("question 1d"):
    _g = skip_backward(2.0, 1.0, 1.0, 3.0, -1.0)
assert abs(_g["x"] - 4.0) < 1e-12, (
    f"dz6/dx = dz5/dx + 1 = 3 + 1 = 4 at this point, got {_g['x']}: x reaches z6 twice."
)
assert abs(_g["w1"] - 6.0) < 1e-12, "dz6/dw1 = dz5/dw1: the skip adds nothing for w1."
print("skip connection: visible checks passed.")

# %% nbgrader={"grade_id": "test_skip_connection_hidden", "grade": true, "points": 2}
"""Hidden: skip_graph's edges; skip_forward/skip_backward at random inputs vs torch.autograd."""
with autograd_off("question 1d"):
    assert skip_backward(1.0, 0.25, 0.0, 1 / 3, 0.0) is not None, "returned None."

# %%
_z6 = skip_graph(1.0, 1 / 4, 0.0, 1 / 3, 0.0)
_z6.backward()
_fig = draw_graph(_z6, title="z6 = z5 + x after backward()")

# %% [markdown]
# ### 1e. Sensitivity (4 points, written)
#
# At the exercise's values, compare $\partial z_5 / \partial x$ with
# $\partial z_6 / \partial x$. What do they say about how sensitive the function is to $x$
# before and after adding the skip connection? What happens to each when the ReLU is inactive
# ($w_1 x + b_1 < 0$), and why does that matter for training deep networks? A few sentences.

# %% [markdown] nbgrader={"grade_id": "sensitivity", "solution": true, "grade": true, "points": 4}
# **Model answer.** At $x = 1$, $w_1 = 1/4$, $b_1 = 0$, $w_2 = 1/3$, $b_2 = 0$ we get
# $\partial z_5/\partial x = w_2 w_1 = 1/12$ and $\partial z_6/\partial x = 1/12 + 1 = 13/12$.
# Without the skip, a small change $\delta$ in $x$ moves the output by only about
# $\delta/12$: the output is almost insensitive to $x$, because the gradient is a product of
# small local derivatives, and it is exactly 0 wherever the ReLU is inactive. With the skip the
# identity path adds a term 1 to the gradient, $\partial z_6/\partial x = 1 + w_2 w_1
# \mathrm{ReLU}'(z_2)$: the output now moves about one-for-one with $x$ (here $13/12$), and
# the gradient stays 1 even when the ReLU is off or the weights are tiny. In a deep network
# this is why residual connections help: the gradient reaching early layers does not vanish
# through a long product of small factors or dead ReLUs, because each skip contributes a 1.
#
# **Mark scheme (4).**
# - 1: both values, $1/12$ and $13/12$ (or $w_2 w_1$ and $w_2 w_1 + 1$ evaluated).
# - 1: without the skip the output is barely sensitive to $x$ (small gradient), and not at all
#   when the ReLU is off (gradient 0).
# - 1: with the skip the sensitivity is about 1 or more here: the identity path contributes a
#   term 1 that does not depend on the weights or the ReLU.
# - 1: the consequence: gradients do not vanish through skips, which eases training of deep
#   networks (residual connections). A statement that the skip makes the gradient "bigger"
#   with no reason why: 0 for this line.

# %% [markdown]
# ## 2. Backpropagation with vectors (24 points)
#
# Now $x, b_1, u \in \mathbb{R}^2$, $W \in \mathbb{R}^{2 \times 2}$, $b_2 \in \mathbb{R}$
# (your code should work for any sizes: $x \in \mathbb{R}^p$, $W \in \mathbb{R}^{m \times p}$,
# $b_1, u \in \mathbb{R}^m$), and
#
# $$ z_1 = W x, \quad z_2 = z_1 + b_1, \quad z_3 = \mathrm{ReLU}(z_2), \quad
#    z_4 = u^\top z_3, \quad z_5 = z_4 + b_2 , $$
#
# so $z_5 = u^\top \mathrm{ReLU}(W x + b_1) + b_2 \in \mathbb{R}$, with the ReLU applied
# element-wise.
#
# ### 2a. The computation graph (4 points)
#
# Write `vector_graph()` returning the output node of this graph, built from `Node`s (no
# numbers): input nodes `"x"`, `"W"`, `"b1"`, `"u"`, `"b2"`, internal nodes `"z1"` … `"z5"`
# with ops `"@"` (matrix product), `"+"` (vector or scalar addition), `"ReLU"` (element-wise)
# and `"dot"` (dot product). For example `Node("z1", [W, x], op="@")`.


# %% nbgrader={"grade_id": "vector_graph", "solution": true}
def vector_graph():
    """The output node z5 of the vector network, built from labelled Nodes."""
    ### BEGIN SOLUTION
    x, W, b1, u, b2 = (Node(n) for n in ["x", "W", "b1", "u", "b2"])
    z1 = Node("z1", [W, x], op="@")
    z2 = Node("z2", [z1, b1], op="+")
    z3 = Node("z3", [z2], op="ReLU")
    z4 = Node("z4", [u, z3], op="dot")
    return Node("z5", [z4, b2], op="+")
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_vector_graph", "grade": true, "points": 2}
"""Check vector_graph's node labels and operations."""
_z5 = vector_graph()
assert isinstance(_z5, Node) and _z5.label == "z5", "vector_graph must return the Node 'z5'."
_ops = ops(_z5)
assert sorted(_ops) == sorted(["x", "W", "b1", "u", "b2", "z1", "z2", "z3", "z4", "z5"]), (
    f"The graph needs the nodes x, W, b1, u, b2, z1..z5; it has {sorted(_ops)}."
)
assert (_ops["z1"], _ops["z3"], _ops["z4"]) == ("@", "ReLU", "dot"), (
    f"z1, z3, z4 take the ops '@', 'ReLU', 'dot'; got {_ops['z1']!r}, {_ops['z3']!r}, "
    f"{_ops['z4']!r}."
)
print("vector_graph: visible checks passed.")
_fig = draw_graph(_z5, title="z5 = u . ReLU(W x + b1) + b2")

# %% nbgrader={"grade_id": "test_vector_graph_hidden", "grade": true, "points": 2}
"""Hidden: every edge of the graph and every op."""
assert vector_graph() is not None, "vector_graph returned None."

# %% [markdown]
# ### 2b–c. Forward and backward pass (20 points)
#
# Write `vector_forward_backward(x, W, b1, u, b2)` for NumPy inputs (`x`, `b1`, `u` of shape
# `(p,)`/`(m,)`, `W` of shape `(m, p)`, `b2` a float). Return the pair `(z5, grads)`: $z_5$ as
# a float and a dict of the gradients of $z_5$ with the keys `"b2"`, `"u"`, `"b1"`, `"W"`,
# `"x"`, each a NumPy array of exactly the shape of its input (`"b2"` a float). As in 1c,
# $\mathrm{ReLU}'(0) = 0$.
#
# **Lemma 1** (gradients of the matrix product). Let $Y = UV$ with
# $U \in \mathbb{R}^{n \times m}$, $V \in \mathbb{R}^{m \times p}$, and let $z \in \mathbb{R}$
# depend on $U$ and $V$ only through $Y$. Write $\bar Y_{i,j} = \partial z / \partial Y_{i,j}$,
# and likewise $\bar U$, $\bar V$. Then $\bar U = \bar Y V^\top$ and $\bar V = U^\top \bar Y$.
#
# *Proof.* $\bar U_{i,j} = \sum_{k,l} \bar Y_{k,l}\, \partial Y_{k,l} / \partial U_{i,j}
# = \sum_l \bar Y_{i,l} V_{j,l} = (\bar Y V^\top)_{i,j}$, since $Y_{k,l} = \sum_j U_{k,j}
# V_{j,l}$ depends on $U_{i,j}$ only when $k = i$. The same for $\bar V$. (A variable used
# twice collects the sum of both local gradients.)
#
# $z_1 = Wx$ is the lemma with $U = W$ and $V = x$ as a $p \times 1$ matrix. Autograd is
# allowed here, but try the lemma first: each gradient is one line.


# %% nbgrader={"grade_id": "vector_forward_backward", "solution": true}
def vector_forward_backward(x, W, b1, u, b2):
    """z5 = u . ReLU(W x + b1) + b2 and its gradients for b2, u, b1, W, x (shapes of inputs)."""
    ### BEGIN SOLUTION
    x, W = np.asarray(x, dtype=float), np.asarray(W, dtype=float)  # (p,), (m, p)
    b1, u = np.asarray(b1, dtype=float), np.asarray(u, dtype=float)  # (m,), (m,)
    z1 = W @ x  # (m,)
    z2 = z1 + b1  # (m,)
    z3 = np.maximum(z2, 0.0)  # (m,)
    z5 = float(u @ z3 + b2)
    z4_bar = 1.0
    u_bar = z3 * z4_bar  # (m,)
    z3_bar = u * z4_bar  # (m,)
    z2_bar = (z2 > 0) * z3_bar  # (m,); ReLU'(0) = 0
    b1_bar = z2_bar  # (m,)
    W_bar = np.outer(z2_bar, x)  # (m, p) = z1_bar x^T by Lemma 1
    x_bar = W.T @ z2_bar  # (p,) = W^T z1_bar by Lemma 1
    return z5, {"b2": 1.0, "u": u_bar, "b1": b1_bar, "W": W_bar, "x": x_bar}
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_vector_forward_backward", "grade": true, "points": 6}
"""Check z5, the gradients' shapes, and their values on an example you can do by hand."""
_z5, _g = vector_forward_backward(
    np.array([1.0, 2.0]), np.eye(2), np.zeros(2), np.array([1.0, 1.0]), 0.5
)
assert abs(float(_z5) - 3.5) < 1e-12, f"z5 = 1*1 + 1*2 + 0.5 = 3.5 here, got {_z5}."
assert isinstance(_g, dict) and set(_g) == {"b2", "u", "b1", "W", "x"}, (
    f"grads must be a dict with the keys b2, u, b1, W, x; got {type(_g).__name__} {list(_g)}."
)
for _k, _shape in [("u", (2,)), ("b1", (2,)), ("W", (2, 2)), ("x", (2,))]:
    assert np.shape(_g[_k]) == _shape, f"grads[{_k!r}] has shape {np.shape(_g[_k])}, not {_shape}."
assert np.allclose(_g["u"], [1.0, 2.0]) and np.allclose(_g["b1"], [1.0, 1.0]), (
    "dz5/du = ReLU(Wx + b1) and dz5/db1 = u * ReLU'(Wx + b1)."
)
assert np.allclose(_g["W"], [[1.0, 2.0], [1.0, 2.0]]), (
    f"dz5/dW here is [[1, 2], [1, 2]], got {np.asarray(_g['W']).tolist()}: by Lemma 1 it is "
    "the outer product (gradient of z1) x^T; is it transposed?"
)
assert np.allclose(_g["x"], [1.0, 1.0]), (
    f"dz5/dx here is [1, 1], got {np.asarray(_g['x']).tolist()}: by Lemma 1 it is "
    "W^T (gradient of z1)."
)
assert abs(float(_g["b2"]) - 1.0) < 1e-12, f"dz5/db2 is 1 (z5 = ... + b2), got {_g['b2']}."
print("vector_forward_backward: visible checks passed.")

# %% [markdown]
# The exercise's values:

# %%
x_ex, W_ex = np.array([1.0, 1.0]), np.array([[-1.0, -1.0], [1.0, 1.0]])
b1_ex, u_ex, b2_ex = np.zeros(2), np.array([1.0, 1.0]), 0.0
z5_ex, grads_ex = vector_forward_backward(x_ex, W_ex, b1_ex, u_ex, b2_ex)
print("z5 =", z5_ex)
for _k, _v in grads_ex.items():
    print(f"dz5/d{_k} =", np.round(_v, 6).tolist())

# %% nbgrader={"grade_id": "test_vector_forward_backward_hidden", "grade": true, "points": 10}
"""Hidden: the exercise's values and random sizes and values against torch.autograd (float64)."""
assert vector_forward_backward(x_ex, W_ex, b1_ex, u_ex, b2_ex) is not None, "returned None."

# %% nbgrader={"grade_id": "test_vector_relu_at_zero", "grade": true, "points": 4}
"""Hidden: pre-activations exactly 0 and negative ones, where ReLU'(0) = 0 must match torch."""
assert vector_forward_backward(x_ex, W_ex, b1_ex, u_ex, b2_ex) is not None, "returned None."

# %% [markdown]
# ## 3. Self-attention: a simplified Transformer encoder layer (32 points)
#
# A simplified encoder layer (no layer normalisation, no dropout, no scaling by
# $1/\sqrt{d}$; see *The Annotated Transformer* for the full one) has $H$ heads with
# parameters $W^Q_h, W^K_h, W^V_h \in \mathbb{R}^{d/H \times d}$ for $h = 1 \dots H$ and
# $W \in \mathbb{R}^{d \times d}$. It reads input vectors $x_1 \dots x_T \in \mathbb{R}^d$
# and computes, for each head $h$ and each position $t = 1 \dots T$,
#
# $$
# \begin{aligned}
# q_{h,t} &= W^Q_h x_t, \qquad k_{h,t} = W^K_h x_t, \qquad v_{h,t} = W^V_h x_t \\
# \alpha_{t'|h,t} &= k_{h,t'}^\top q_{h,t} \qquad (t' = 1 \dots T) \\
# (\beta_{1|h,t}, \dots, \beta_{T|h,t}) &= \mathrm{softmax}(\alpha_{1|h,t}, \dots,
#   \alpha_{T|h,t}) \\
# a_{h,t} &= \textstyle\sum_{t'=1}^T \beta_{t'|h,t}\, v_{h,t'} \\
# h_{h,t} &= a_{h,t} + q_{h,t}
# \end{aligned}
# $$
#
# and the output at position $t$ is $z_t = W (h_{1,t} \oplus \cdots \oplus h_{H,t}) \in
# \mathbb{R}^d$, where $\oplus$ is concatenation (head 1 first).
#
# ### 3a. The computation graph (16 points)
#
# Write `encoder_graph(H, T)` returning the list of output nodes $[z_1, \dots, z_T]$ of this
# graph, built from `Node`s without ops (hide the functions; connect each node directly to
# the nodes it is computed from; leave the parameters out). Use exactly these labels, with
# numbers from 1: `"x[t]"`, `"q[h,t]"`, `"k[h,t]"`, `"v[h,t]"`, `"alpha[t'|h,t]"`,
# `"beta[t'|h,t]"`, `"a[h,t]"`, `"h[h,t]"`, `"z[t]"` (e.g. `f"alpha[{tp}|{h},{t}]"`, no
# spaces). Careful with the softmax: each $\beta_{t'|h,t}$ depends on *all* of
# $\alpha_{1|h,t}, \dots, \alpha_{T|h,t}$. Keep it as simple as the equations allow: no
# other nodes and no other edges.


# %% nbgrader={"grade_id": "encoder_graph", "solution": true}
def encoder_graph(H, T):
    """Output nodes [z[1], ..., z[T]] of the simplified encoder layer's graph."""
    ### BEGIN SOLUTION
    xs = {t: Node(f"x[{t}]") for t in range(1, T + 1)}
    q, k, v, h_node = {}, {}, {}, {}
    for h in range(1, H + 1):
        for t in range(1, T + 1):
            q[h, t] = Node(f"q[{h},{t}]", [xs[t]])
            k[h, t] = Node(f"k[{h},{t}]", [xs[t]])
            v[h, t] = Node(f"v[{h},{t}]", [xs[t]])
    for h in range(1, H + 1):
        for t in range(1, T + 1):
            alpha = [Node(f"alpha[{s}|{h},{t}]", [k[h, s], q[h, t]]) for s in range(1, T + 1)]
            beta = [Node(f"beta[{s}|{h},{t}]", alpha) for s in range(1, T + 1)]
            a_inputs = [n for s in range(1, T + 1) for n in (beta[s - 1], v[h, s])]
            a = Node(f"a[{h},{t}]", a_inputs)
            h_node[h, t] = Node(f"h[{h},{t}]", [a, q[h, t]])
    return [Node(f"z[{t}]", [h_node[h, t] for h in range(1, H + 1)]) for t in range(1, T + 1)]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_encoder_graph", "grade": true, "points": 6}
"""Check the H = 2, T = 2 graph's outputs, node count and the softmax edges."""
_zs = encoder_graph(2, 2)
assert isinstance(_zs, list) and [z.label for z in _zs] == ["z[1]", "z[2]"], (
    "encoder_graph(2, 2) must return the list [z[1], z[2]] of Nodes."
)
_e = edges(_zs)
_labels = {a for a, _ in _e} | {b for _, b in _e}
assert len(_labels) == 40, (
    f"With H = 2, T = 2 the graph has 40 nodes (2 x, 12 q/k/v, 8 alpha, 8 beta, 4 a, 4 h, "
    f"2 z); yours has {len(_labels)}."
)
assert ("alpha[2|1,1]", "beta[1|1,1]") in _e, (
    "The softmax ties every beta[.|h,t] to every alpha[.|h,t]: beta[1|1,1] needs alpha[2|1,1]."
)
assert ("k[1,2]", "alpha[2|1,1]") in _e and ("q[1,1]", "alpha[2|1,1]") in _e, (
    "alpha[t'|h,t] = k[h,t'] . q[h,t]: alpha[2|1,1] comes from k[1,2] and q[1,1]."
)
print("encoder_graph: visible checks passed.")
_fig = draw_graph(_zs, title="simplified encoder layer, H = 2, T = 2")

# %% nbgrader={"grade_id": "test_encoder_graph_hidden", "grade": true, "points": 10}
"""Hidden: every edge, for H = 2, T = 2 and for other numbers of heads and positions."""
assert encoder_graph(1, 3) is not None, "encoder_graph returned None."

# %% [markdown]
# ### 3b. The forward pass (16 points)
#
# Write `simplified_encoder_layer(X, WQ, WK, WV, W)` for NumPy inputs: `X` of shape `(T, d)`
# (row $t$ is $x_t$), `WQ`, `WK`, `WV` of shape `(H, d // H, d)` (`WQ[h - 1]` is $W^Q_h$),
# `W` of shape `(d, d)`. Return the array of shape `(T, d)` whose row $t$ is $z_t$, exactly
# as in the equations: the softmax runs over $t'$ (the keys) for each fixed query $t$, there
# is no $1/\sqrt{d}$, $q_{h,t}$ is added before $W$, heads are concatenated in order. NumPy or
# torch, loops or matrices: all fine. The cell after it runs the exercise's input ($d = 2$,
# $H = 2$, $T = 2$). The autograder compares your output with a float64 torch reference to an
# absolute $10^{-8}$ (the visible $T = 1$ case: NumPy's `allclose`, a relative $10^{-5}$), so compute in float64,
# NumPy's default (a float32 tensor rounds too coarsely).


# %% nbgrader={"grade_id": "simplified_encoder_layer", "solution": true}
def simplified_encoder_layer(X, WQ, WK, WV, W):
    """Rows z_t = W (h_{1,t} + ... + h_{H,t} concatenated) of the simplified encoder layer."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)  # (T, d)
    heads = []
    for Wq, Wk, Wv in zip(np.asarray(WQ), np.asarray(WK), np.asarray(WV)):
        q, k, v = X @ Wq.T, X @ Wk.T, X @ Wv.T  # (T, d/H) each; row t is q_{h,t}
        alpha = q @ k.T  # (T, T): alpha[t, t'] = k_{h,t'} . q_{h,t}
        alpha = alpha - alpha.max(axis=1, keepdims=True)  # stable softmax over t'
        beta = np.exp(alpha) / np.exp(alpha).sum(axis=1, keepdims=True)  # (T, T)
        heads.append(beta @ v + q)  # (T, d/H): h_{h,t} = a_{h,t} + q_{h,t}
    return np.concatenate(heads, axis=1) @ np.asarray(W, dtype=float).T  # (T, d)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_simplified_encoder_layer", "grade": true, "points": 5}
"""Check the output's shape and a case you can do by hand: one position (T = 1)."""
_rng = np.random.default_rng(0)
_X1 = _rng.normal(size=(1, 4))  # T = 1, d = 4
_WQ, _WK, _WV = (_rng.normal(size=(2, 2, 4)) for _ in range(3))  # H = 2
_W = _rng.normal(size=(4, 4))
_Z = simplified_encoder_layer(_X1, _WQ, _WK, _WV, _W)
assert np.shape(_Z) == (1, 4), f"T = 1, d = 4 must give shape (1, 4), got {np.shape(_Z)}."
# With one position the softmax is 1, so a = v and h = v + q for each head.
_h = np.concatenate([_WV[i] @ _X1[0] + _WQ[i] @ _X1[0] for i in range(2)])
assert np.allclose(np.asarray(_Z)[0], _W @ _h), (
    "With T = 1, z_1 = W (h_1 (+) h_2) with h_h = v_h + q_h (softmax of one number is 1). "
    "Check the residual (added before W) and the order of the heads."
)
print("simplified_encoder_layer: visible checks passed.")

# %%
X_ex = np.array([[1.0, 2.0], [-1.0, 3.0]])  # rows x_1, x_2
WQ_ex = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # W^Q_1, W^Q_2, each 1 x 2
WK_ex = WQ_ex.copy()
WV_ex = WQ_ex.copy()
W_ex = np.eye(2)
Z_ex = simplified_encoder_layer(X_ex, WQ_ex, WK_ex, WV_ex, W_ex)
print("z_1 =", np.round(Z_ex[0], 6), " z_2 =", np.round(Z_ex[1], 6))

# %% nbgrader={"grade_id": "test_encoder_layer_example", "grade": true, "points": 3}
"""Hidden: the exercise's input (d = 2, H = 2, T = 2), against values worked out by hand."""
assert np.shape(Z_ex) == (2, 2), f"Z_ex must have shape (2, 2), got {np.shape(Z_ex)}."

# %% nbgrader={"grade_id": "test_encoder_layer_vs_torch", "grade": true, "points": 8}
"""Hidden: random sizes (d, H, T) and values against a torch reference, per head, float64."""
assert simplified_encoder_layer(X_ex, WQ_ex, WK_ex, WV_ex, W_ex) is not None, "returned None."
