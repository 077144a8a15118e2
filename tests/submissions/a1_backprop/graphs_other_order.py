# %% [markdown] expect={"lose": []}
# Right, another way: the same graphs built in another order, with labels set through the
# attribute and operands the other way round (x * w1 instead of w1 * x).

# %% replace="scalar_graph"
def scalar_graph(x, w1, b1, w2, b2):
    leaves = {}
    for name, val in [("b2", b2), ("w2", w2), ("b1", b1), ("w1", w1), ("x", x)]:
        leaves[name] = Value(val)
        leaves[name].label = name
    z1 = leaves["x"] * leaves["w1"]
    z1.label = "z1"
    z2 = leaves["b1"] + z1
    z2.label = "z2"
    z3 = z2.relu()
    z3.label = "z3"
    z4 = z3 * leaves["w2"]
    z4.label = "z4"
    z5 = leaves["b2"] + z4
    z5.label = "z5"
    return z5


# %% replace="encoder_graph"
def encoder_graph(H, T):
    node = {}
    for t in range(1, T + 1):
        node["x", t] = Node(f"x[{t}]")
    for t in range(1, T + 1):
        for h in range(1, H + 1):
            for m in "vkq":
                node[m, h, t] = Node(f"{m}[{h},{t}]", [node["x", t]])
    outs = []
    for t in range(1, T + 1):
        hs = []
        for h in range(1, H + 1):
            al = [
                Node(f"alpha[{s}|{h},{t}]", [node["q", h, t], node["k", h, s]])
                for s in range(1, T + 1)
            ]
            be = [Node(f"beta[{s}|{h},{t}]", al[::-1]) for s in range(1, T + 1)]
            a = Node(f"a[{h},{t}]", [node["v", h, s] for s in range(1, T + 1)] + be)
            hs.append(Node(f"h[{h},{t}]", [node["q", h, t], a]))
        outs.append(Node(f"z[{t}]", hs))
    return outs
