# %% [markdown] expect={"lose": ["test_dropout_scale", "test_dropout_scale_hidden"]}
# Wrong: gamma = p. dropout() here scales by 1/(1-p) on its own, so only 1b loses.

# %% replace="dropout_scale"
def dropout_scale(p_drop):
    if not 0.0 <= p_drop < 1.0:
        raise ValueError(f"p_drop must be in [0, 1), got {p_drop}")
    return p_drop


# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    if not 0.0 <= p_drop < 1.0:
        raise ValueError("bad p_drop")
    if not train:
        return a
    mask = rng.random(a.shape) >= p_drop
    return (a * mask / (1 - p_drop)).astype(a.dtype)
