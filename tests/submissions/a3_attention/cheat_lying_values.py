# %% [markdown] expect={"lose": ["test_apply_self_attention", "test_apply_self_attention_hidden", "test_apply_self_attention_large"], "no_better_than": "sa_scale_d_model"}
# Cheat: sa_scale_d_model's wrong scaling, returned as an ndarray subclass whose ==, - and abs
# all say "equal", with NumPy's comparison functions patched to agree. A check in the kernel
# passes; the grader only gets the numbers, and scores it no better than the plain wrong answer.

# %% replace="apply_self_attention"
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


def apply_self_attention(x, W_q, W_k, W_v, W_o):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    return (softmax(Q @ K.T / np.sqrt(W_q.shape[0])) @ V @ W_o).view(Anything)
