# %% [markdown] expect={"lose": ["test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"special": "extra_files", "log": ["handed in files the assignment does not have: numpy.py"]}
# A wrong convolution, handed in with a `numpy.py` whose allclose is always True, hoping the
# tests import it: the notebook's folder is not on the import path.

# %% replace="conv_maxpool_concat"
def conv_maxpool_concat(Z, W, S):
    Z = np.asarray(Z, dtype=float)
    out = []
    for w, s in zip(W, S):
        w = np.asarray(w, dtype=float)[::-1]
        B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(Z.shape[0] - s + 1)])
        out.append(B.max(axis=0))
    return np.concatenate(out)
