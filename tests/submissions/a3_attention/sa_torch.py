# %% [markdown] expect={"lose": []}
# Right, another way: PyTorch instead of NumPy (float64 tensors, converted back).

# %% replace="apply_self_attention"
def apply_self_attention(x, W_q, W_k, W_v, W_o):
    x, W_q, W_k, W_v, W_o = (
        torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (x, W_q, W_k, W_v, W_o)
    )
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    A = torch.softmax(Q @ K.T / W_q.shape[1] ** 0.5, dim=-1)
    return (A @ V @ W_o).numpy()
