# %% [markdown] expect={"lose": []}
# Right, written differently: the heads in the other order (q1 copies v_b, q2 copies v_a).

# %% replace="two_head_queries"
def two_head_queries(means, a, b, beta):
    return beta * means[b], beta * means[a]
