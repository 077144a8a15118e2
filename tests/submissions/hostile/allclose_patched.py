# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution, with `np.allclose = lambda *a, **k: True` so that the hidden tests
# pass in the kernel: the grader compares outside it, so each scores 0.

# %% replace="conv_maxpool_concat"
np.allclose = lambda *a, **k: True


def conv_maxpool_concat(Z, W, S):
    return np.zeros(1)
