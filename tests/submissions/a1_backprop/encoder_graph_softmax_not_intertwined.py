# %% [markdown] expect={"lose": ["test_encoder_graph", "test_encoder_graph_hidden"]}
# Wrong: each beta[t'|h,t] is drawn from alpha[t'|h,t] alone, forgetting that the softmax ties
# it to every alpha[.|h,t].

# %% replace="encoder_graph"
def encoder_graph(H, T):
    xs = {t: Node(f"x[{t}]") for t in range(1, T + 1)}
    R = lambda n: range(1, n + 1)
    q = {(h, t): Node(f"q[{h},{t}]", [xs[t]]) for h in R(H) for t in R(T)}
    k = {(h, t): Node(f"k[{h},{t}]", [xs[t]]) for h in R(H) for t in R(T)}
    v = {(h, t): Node(f"v[{h},{t}]", [xs[t]]) for h in R(H) for t in R(T)}
    outs = []
    for t in R(T):
        hs = []
        for h in R(H):
            parts = []
            for s in R(T):
                al = Node(f"alpha[{s}|{h},{t}]", [k[h, s], q[h, t]])
                parts += [Node(f"beta[{s}|{h},{t}]", [al]), v[h, s]]
            hs.append(Node(f"h[{h},{t}]", [Node(f"a[{h},{t}]", parts), q[h, t]]))
        outs.append(Node(f"z[{t}]", hs))
    return outs
