# %% [markdown] expect={"lose": ["test_single_head_attention", "test_single_head_attention_hidden", "test_layer5_attention"]}
# Wrong: softmax over the queries (dim 0) instead of the keys.

# %% replace="single_head_attention"
def single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v):
    Q, K, V = X @ W_q.T + b_q, X @ W_k.T + b_k, X @ W_v.T + b_v
    A = torch.softmax(Q @ K.T / W_q.shape[0] ** 0.5, dim=0)
    return A, A @ V
