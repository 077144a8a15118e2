# %% [markdown] expect={"lose": ["test_dropout", "test_dropout_hidden", "test_conv_vs_torch", "test_conv_edge_cases"]}
# A typical partly wrong student (used by `make demo`): 1b right, dropout also active at
# inference, and a flipped convolution filter.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    keep = rng.random(a.shape) >= p_drop
    return (a * keep * dropout_scale(p_drop)).astype(a.dtype)


# %% replace="conv_maxpool_concat"
def conv_maxpool_concat(Z, W, S):
    Z = np.asarray(Z, dtype=float)
    out = []
    for w, s in zip(W, S):
        w = np.asarray(w, dtype=float)[::-1]
        B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(Z.shape[0] - s + 1)])
        out.append(B.max(axis=0))
    return np.concatenate(out)
