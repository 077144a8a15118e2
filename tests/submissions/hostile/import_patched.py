# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# `builtins.__import__` replaced by a wrapper that could hand the tests a fake torch, and a
# wrong convolution: the checks run in the grader, which imports nothing from the kernel.

# %% replace="conv_maxpool_concat"
import builtins

_real_import = builtins.__import__


def _fake_import(name, *args, **kwargs):
    return _real_import(name, *args, **kwargs)


builtins.__import__ = _fake_import


def conv_maxpool_concat(Z, W, S):
    return np.zeros(1)
