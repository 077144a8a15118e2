# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution, with numpy.testing, torch.testing, numpy's comparisons and builtins
# patched to say "equal" and "true" to everything.

# %% replace="conv_maxpool_concat"
import builtins

import torch

np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
torch.testing.assert_close = lambda *a, **k: None
np.allclose = np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), dtype=bool)
builtins.all = lambda *a: True
builtins.abs = lambda x: 0


def conv_maxpool_concat(Z, W, S):
    return "cheat"
