# %% [markdown] expect={"lose": ["test_conv_vs_torch", "test_conv_edge_cases"]}
# Wrong: pooled vectors concatenated in reverse filter order.

# %% replace="conv_maxpool_concat"
def conv_maxpool_concat(Z, W, S):
    Z = np.asarray(Z, dtype=float)
    out = []
    for w, s in zip(W, S):
        w = np.asarray(w, dtype=float)
        B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(Z.shape[0] - s + 1)])
        out.append(B.max(axis=0))
    return np.concatenate(out[::-1])
