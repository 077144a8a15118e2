# %% [markdown] expect={"lose": []}
# Right, another way: question 3 in torch, all heads at once with einsum and torch.softmax.

# %% replace="simplified_encoder_layer"
def simplified_encoder_layer(X, WQ, WK, WV, W):
    X, W = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(W, dtype=torch.float64)
    WQ, WK, WV = (torch.as_tensor(M, dtype=torch.float64) for M in (WQ, WK, WV))
    q = torch.einsum("hed,td->hte", WQ, X)  # (H, T, d/H)
    k = torch.einsum("hed,td->hte", WK, X)
    v = torch.einsum("hed,td->hte", WV, X)
    beta = torch.softmax(q @ k.transpose(1, 2), dim=-1)  # (H, T, T)
    h = beta @ v + q  # (H, T, d/H)
    return (h.permute(1, 0, 2).reshape(X.shape[0], -1) @ W.T).numpy()  # (T, d)
