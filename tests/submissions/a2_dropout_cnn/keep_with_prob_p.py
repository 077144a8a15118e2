# %% [markdown] expect={"lose": ["test_dropout_hidden"]}
# Wrong: keeps each unit with probability p_drop (mask inverted), scaled by 1/(1-p). The
# visible test's 12 units cannot tell the rates apart; the hidden drop-rate test does.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    gamma = dropout_scale(p_drop)
    if not train:
        return a
    keep = rng.random(a.shape) < p_drop
    return (a * keep * gamma).astype(a.dtype)
