# %% [markdown] expect={"lose": ["test_dropout", "test_dropout_hidden"]}
# A syntax error in the dropout cell: that cell fails, the rest of the notebook is graded.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    return a * (rng.random(a.shape) >= p_drop) *
