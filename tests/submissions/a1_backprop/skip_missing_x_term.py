# %% [markdown] expect={"lose": ["test_skip_connection", "test_skip_connection_hidden"]}
# Wrong: the skip's direct path is missing from dz6/dx (gradients of z5 returned unchanged).

# %% replace="skip_connection"
def skip_graph(x, w1, b1, w2, b2):
    xs = Value(x, "x")
    w1, b1, w2, b2 = Value(w1, "w1"), Value(b1, "b1"), Value(w2, "w2"), Value(b2, "b2")
    z3 = ((w1 * xs).named("z1") + b1).named("z2").relu().named("z3")
    return (((w2 * z3).named("z4") + b2).named("z5") + xs).named("z6")


def skip_forward(x, w1, b1, w2, b2):
    return scalar_forward(x, w1, b1, w2, b2) + x


def skip_backward(x, w1, b1, w2, b2):
    return scalar_backward(x, w1, b1, w2, b2)
