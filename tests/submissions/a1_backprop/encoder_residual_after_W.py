# %% [markdown] expect={"lose": ["test_simplified_encoder_layer", "test_encoder_layer_vs_torch"]}
# Wrong: the residual q is added after W (z = W(a_1 + ... + a_H) + (q_1 + ... + q_H)) instead of before.

# %% replace="simplified_encoder_layer"
def simplified_encoder_layer(X, WQ, WK, WV, W):
    heads, qs = [], []
    for Wq, Wk, Wv in zip(WQ, WK, WV):
        q, k, v = X @ Wq.T, X @ Wk.T, X @ Wv.T
        e = np.exp(q @ k.T)
        heads.append(e / e.sum(1, keepdims=True) @ v)
        qs.append(q)
    return np.concatenate(heads, axis=1) @ W.T + np.concatenate(qs, axis=1)
