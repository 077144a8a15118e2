# %% [markdown] expect={"lose": ["test_single_head_attention_hidden", "test_layer5_attention"]}
# Wrong: the biases b_q, b_k, b_v dropped.

# %% replace="single_head_attention"
def single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v):
    Q, K, V = X @ W_q.T, X @ W_k.T, X @ W_v.T
    A = torch.softmax(Q @ K.T / W_q.shape[0] ** 0.5, dim=-1)
    return A, A @ V
