# %% [markdown] expect={"lose": ["test_softmax", "test_softmax_hidden", "test_apply_self_attention_large", "test_apply_multihead_attention_large"]}
# Wrong: the softmax written literally, exp without subtracting the maximum: nan on scores of
# 1e4, and so in attention with very large scores.

# %% replace="softmax"
def softmax(x, axis=-1):
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)
