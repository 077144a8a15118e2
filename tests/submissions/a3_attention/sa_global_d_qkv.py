# %% [markdown] expect={"lose": ["test_apply_self_attention_hidden", "test_apply_self_attention_large"]}
# Wrong: scaled by the notebook's example size 32 (a global) instead of the weights' shape:
# right on the example, wrong on other sizes.

# %% replace="apply_self_attention"
def apply_self_attention(x, W_q, W_k, W_v, W_o):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    return softmax(Q @ K.T / np.sqrt(32)) @ V @ W_o
