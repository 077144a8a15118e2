# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases", "test_z_prime"]} hostile={"log": ["replaced numpy.allclose"], "output": ["IntegrityError"]}
# A wrong convolution, with `np.allclose = lambda *a, **k: True` so that the hidden tests
# pass: no test cell runs after the patch; each scores 0 and says why.

# %% replace="conv_maxpool_concat"
np.allclose = lambda *a, **k: True


def conv_maxpool_concat(Z, W, S):
    return np.zeros(len(W) * np.shape(Z)[1])
