# %% [markdown] expect={"lose": ["test_encoder_layer_example", "test_encoder_layer_vs_torch"]}
# Wrong: scores scaled by 1/sqrt(d) as in the full Transformer; this simplified layer has no scaling.

# %% replace="simplified_encoder_layer"
def simplified_encoder_layer(X, WQ, WK, WV, W):
    heads = []
    for Wq, Wk, Wv in zip(WQ, WK, WV):
        q, k, v = X @ Wq.T, X @ Wk.T, X @ Wv.T
        e = np.exp(q @ k.T / np.sqrt(X.shape[1]))
        heads.append(e / e.sum(1, keepdims=True) @ v + q)
    return np.concatenate(heads, axis=1) @ W.T
