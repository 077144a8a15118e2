# %% [markdown] expect={"lose": ["test_apply_multihead_attention", "test_apply_multihead_attention_hidden", "test_apply_multihead_attention_large"]}
# Wrong: the (n_heads, T, d_qkv) outputs reshaped to (T, n_heads * d_qkv) instead of
# concatenated per token, which mixes tokens and heads.

# %% replace="apply_multihead_attention"
def apply_multihead_attention(x, W_q, W_k, W_v, W_o):
    Q = np.einsum("td,hdk->htk", x, W_q)
    K = np.einsum("td,hdk->htk", x, W_k)
    V = np.einsum("td,hdk->htk", x, W_v)
    alpha = softmax(np.einsum("hik,hjk->hij", Q, K) / np.sqrt(W_q.shape[-1]))
    out = np.einsum("hij,hjk->hik", alpha, V)  # (H, T, d)
    return out.reshape(x.shape[0], -1) @ W_o
