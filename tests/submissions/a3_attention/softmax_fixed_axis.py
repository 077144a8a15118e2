# %% [markdown] expect={"lose": ["test_softmax", "test_softmax_hidden"]}
# Wrong: the seed's softmax, hard-wired to axis=1 (ignores the axis argument).

# %% replace="softmax"
def softmax(x, axis=-1):
    m = np.max(x, axis=1, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=1, keepdims=True)
