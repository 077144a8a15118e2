# %% [markdown] expect={"lose": ["test_split_heads_attention", "test_split_heads_attention_hidden"]}
# Wrong: each head scaled by sqrt(768) (the whole width, as in 4b) instead of sqrt(64).

# %% replace="split_heads_attention"
def split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads):
    Q, K = X @ W_q.T + b_q, X @ W_k.T + b_k
    T, D = Q.shape
    Qh = Q.reshape(T, n_heads, D // n_heads).transpose(0, 1)
    Kh = K.reshape(T, n_heads, D // n_heads).transpose(0, 1)
    return torch.softmax(Qh @ Kh.transpose(1, 2) / D**0.5, dim=-1)
