# %% [markdown] expect={"lose": ["test_split_heads_attention", "test_split_heads_attention_hidden"]}
# Wrong: Q reshaped straight to (n_heads, T, d_head), which cuts the sequence instead of each
# token's features.

# %% replace="split_heads_attention"
def split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads):
    Q, K = X @ W_q.T + b_q, X @ W_k.T + b_k
    T, D = Q.shape
    Qh = Q.reshape(n_heads, T, D // n_heads)
    Kh = K.reshape(n_heads, T, D // n_heads)
    return torch.softmax(Qh @ Kh.transpose(1, 2) / (D // n_heads) ** 0.5, dim=-1)
