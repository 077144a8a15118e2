# %% [markdown] expect={"lose": []} hostile={"delete": ["test_dropout_hidden"], "log": ["test cell 'test_dropout_hidden' was deleted"], "output": ["was deleted: it was put back and run"]}
# A test cell deleted: the autograder puts it back and runs it (the answer is right, so it
# scores), and tells the student.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    gamma = dropout_scale(p_drop)
    if not train:
        return a
    return (a * (rng.random(a.shape) >= p_drop) * gamma).astype(a.dtype, copy=False)
