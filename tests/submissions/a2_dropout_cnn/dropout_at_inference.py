# %% [markdown] expect={"lose": ["test_dropout", "test_dropout_hidden"]}
# Wrong: ignores train and drops units at inference too.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    gamma = dropout_scale(p_drop)
    keep = rng.random(a.shape) >= p_drop
    return (a * keep * gamma).astype(a.dtype)
