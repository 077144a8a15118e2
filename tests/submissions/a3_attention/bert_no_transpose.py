# %% [markdown] expect={"lose": ["test_single_head_attention", "test_single_head_attention_hidden", "test_layer5_attention"]}
# Wrong: PyTorch's (out, in) weights used without the transpose, X @ W instead of X @ W.T
# (runs on the square 768 x 768 weights, with wrong numbers).

# %% replace="single_head_attention"
def single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v):
    Q, K, V = X @ W_q + b_q, X @ W_k + b_k, X @ W_v + b_v
    A = torch.softmax(Q @ K.T / W_q.shape[0] ** 0.5, dim=-1)
    return A, A @ V
