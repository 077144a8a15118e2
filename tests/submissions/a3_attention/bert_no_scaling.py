# %% [markdown] expect={"lose": ["test_single_head_attention_hidden", "test_layer5_attention"]}
# Wrong: E = QK^T without the 1/sqrt(D_q).

# %% replace="single_head_attention"
def single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v):
    Q, K, V = X @ W_q.T + b_q, X @ W_k.T + b_k, X @ W_v.T + b_v
    A = torch.softmax(Q @ K.T, dim=-1)
    return A, A @ V
