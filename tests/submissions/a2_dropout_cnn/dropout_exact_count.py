# %% [markdown] expect={"lose": ["test_dropout_hidden"]}
# Wrong: drops exactly round(p_drop * size) units chosen at random, so the entries of the mask
# are not independent. Its drop rate and its mean are right: only the spread of the dropped
# counts per row and per column shows it.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    gamma = dropout_scale(p_drop)
    if not train:
        return a
    n_drop = int(round(p_drop * a.size))
    keep = np.ones(a.size, dtype=bool)
    keep[rng.permutation(a.size)[:n_drop]] = False
    return (a * keep.reshape(a.shape) * gamma).astype(a.dtype)
