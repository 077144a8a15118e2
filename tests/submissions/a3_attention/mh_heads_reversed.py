# %% [markdown] expect={"lose": ["test_apply_multihead_attention", "test_apply_multihead_attention_hidden", "test_apply_multihead_attention_large"]}
# Wrong: heads concatenated in the wrong order (last head first).

# %% replace="apply_multihead_attention"
def apply_multihead_attention(x, W_q, W_k, W_v, W_o):
    outs = []
    for h in range(W_q.shape[0]):
        Q, K, V = x @ W_q[h], x @ W_k[h], x @ W_v[h]
        outs.append(softmax(Q @ K.T / np.sqrt(W_q.shape[2])) @ V)
    return np.concatenate(outs[::-1], axis=1) @ W_o
