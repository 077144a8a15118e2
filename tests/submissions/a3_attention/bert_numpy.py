# %% [markdown] expect={"lose": []}
# Right, another way: NumPy (float64) with the softmax of question 1, returning arrays.

# %% replace="single_head_attention"
def single_head_attention(X, W_q, b_q, W_k, b_k, W_v, b_v):
    X, W_q, b_q, W_k, b_k, W_v, b_v = (
        np.asarray(t, dtype=np.float64) for t in (X, W_q, b_q, W_k, b_k, W_v, b_v)
    )
    Q, K, V = X @ W_q.T + b_q, X @ W_k.T + b_k, X @ W_v.T + b_v
    A = softmax(Q @ K.T / np.sqrt(W_q.shape[0]), axis=-1)
    return A, A @ V
