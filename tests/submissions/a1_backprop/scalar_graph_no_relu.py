# %% [markdown] expect={"lose": ["test_scalar_graph", "test_scalar_graph_hidden"]}
# Wrong: the graph of 1a leaves out the ReLU node (z3 is z2 times 1).

# %% replace="scalar_graph"
def scalar_graph(x, w1, b1, w2, b2):
    x, w1, b1 = Value(x, "x"), Value(w1, "w1"), Value(b1, "b1")
    w2, b2 = Value(w2, "w2"), Value(b2, "b2")
    z2 = ((w1 * x).named("z1") + b1).named("z2")
    z3 = (z2 * 1.0).named("z3")
    return ((w2 * z3).named("z4") + b2).named("z5")
