# %% [markdown] expect={"lose": []}
# Right, another way: PyTorch with batched matmuls over the head axis and torch.cat.

# %% replace="apply_multihead_attention"
def apply_multihead_attention(x, W_q, W_k, W_v, W_o):
    x, W_q, W_k, W_v, W_o = (
        torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (x, W_q, W_k, W_v, W_o)
    )
    Q, K, V = x @ W_q, x @ W_k, x @ W_v  # (H, T, d)
    A = torch.softmax(Q @ K.transpose(1, 2) / W_q.shape[-1] ** 0.5, dim=-1)
    out = A @ V  # (H, T, d)
    return (torch.cat(list(out), dim=1) @ W_o).numpy()
