# %% [markdown] expect={"lose": ["test_apply_self_attention", "test_apply_self_attention_hidden", "test_apply_self_attention_large"]}
# Wrong: W_o omitted, returns the heads' outputs (T, d_qkv).

# %% replace="apply_self_attention"
def apply_self_attention(x, W_q, W_k, W_v, W_o):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    return softmax(Q @ K.T / np.sqrt(W_q.shape[1])) @ V
