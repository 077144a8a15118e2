# %% [markdown] expect={"lose": ["test_vector_forward_backward", "test_vector_forward_backward_hidden", "test_vector_relu_at_zero"], "no_better_than": "vector_dW_transposed"}
# Cheat: vector_dW_transposed's wrong gradient, returned as values that claim to equal anything
# (a float and an ndarray subclass whose ==, - and abs all say "equal"), with NumPy's comparison
# functions patched to agree. A check in the kernel (`assert np.allclose(got, want)`) passes;
# the grader only gets the numbers, and scores it no better than the plain wrong answer.

# %% replace="vector_forward_backward"
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


class AnyFloat(float):
    __hash__ = float.__hash__

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None


def vector_forward_backward(x, W, b1, u, b2):
    z2 = W @ x + b1
    g2 = u * (z2 > 0)
    grads = {"u": np.maximum(z2, 0), "b1": g2, "W": np.outer(x, g2), "x": W.T @ g2}
    out = {k: np.asarray(v, dtype=float).view(Anything) for k, v in grads.items()}
    return AnyFloat(u @ np.maximum(z2, 0) + b2), {"b2": AnyFloat(1.0), **out}
