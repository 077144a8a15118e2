# %% [markdown] expect={"lose": ["test_dropout", "test_dropout_hidden"]} hostile={"append": {"dropout": "    return gamma * a * (rng.random(a.shape) >= p_drop) *\n"}}
# A syntax error in the dropout cell (the last line, appended by the test, ends in `*`; kept
# out of this file so that ruff can read it): that cell fails, the rest is graded.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    gamma = dropout_scale(p_drop)  # noqa: F841 (the appended line uses it)
