# %% [markdown] expect={"lose": ["test_skip_connection", "test_skip_connection_hidden"]}
# Wrong: skip_graph makes a second, separate node for x instead of reusing the one that feeds
# z1 (the graph then has two inputs called x).

# %% replace="skip_connection"
def skip_graph(x, w1, b1, w2, b2):
    return (scalar_graph(x, w1, b1, w2, b2) + Value(x, "x")).named("z6")


def skip_forward(x, w1, b1, w2, b2):
    return scalar_forward(x, w1, b1, w2, b2) + x


def skip_backward(x, w1, b1, w2, b2):
    g = dict(scalar_backward(x, w1, b1, w2, b2))
    g["x"] += 1.0
    return g
