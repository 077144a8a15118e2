# %% [markdown] expect={"lose": ["test_softmax", "test_softmax_hidden", "test_apply_multihead_attention", "test_apply_multihead_attention_hidden", "test_apply_multihead_attention_large"]}
# Wrong: the seed's softmax, hard-wired to axis=1 (ignores the axis argument): wrong on
# other axes, and so in multi-head attention, whose (n_heads, T, T) scores need the last axis.

# %% replace="softmax"
def softmax(x, axis=-1):
    m = np.max(x, axis=1, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=1, keepdims=True)
