# %% [markdown] expect={"lose": ["test_simplified_encoder_layer", "test_encoder_layer_example", "test_encoder_layer_vs_torch"]}
# Wrong: heads concatenated in the wrong order (head H first).

# %% replace="simplified_encoder_layer"
def simplified_encoder_layer(X, WQ, WK, WV, W):
    heads = []
    for Wq, Wk, Wv in zip(WQ, WK, WV):
        q, k, v = X @ Wq.T, X @ Wk.T, X @ Wv.T
        e = np.exp(q @ k.T)
        heads.append(e / e.sum(1, keepdims=True) @ v + q)
    return np.concatenate(heads[::-1], axis=1) @ W.T
