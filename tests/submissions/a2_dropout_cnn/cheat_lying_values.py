# %% [markdown] expect={"lose": ["test_conv_vs_torch", "test_conv_edge_cases"], "no_better_than": "conv_flipped_filter"}
# Cheat: conv_flipped_filter's wrong convolution, returned as an ndarray subclass whose ==, - and
# abs all say "equal", with NumPy's comparison functions patched to agree. A check in the
# kernel passes; the grader only gets the numbers, and scores it no better than the plain wrong
# answer.

# %% replace="conv_maxpool_concat"
class Anything(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)

    def __sub__(self, other):
        return np.zeros(self.shape)

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(self.shape)


np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *args, **kwargs: None


def conv_maxpool_concat(Z, W, S):
    Z = np.asarray(Z, dtype=float)
    out = []
    for w, s in zip(W, S):
        w = np.asarray(w, dtype=float)[::-1]
        B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(Z.shape[0] - s + 1)])
        out.append(B.max(axis=0))
    return np.concatenate(out).view(Anything)
