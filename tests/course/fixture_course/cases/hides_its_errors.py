# %% [markdown] expect={"lose": ["test_double", "test_double_hidden"]}
# Cheating: wrong, and swallows every later error by rewriting how cells run in its kernel.
# The checks run in the grader's process, so the kernel's tricks change nothing.

# %% replace="double"
from IPython import get_ipython


def double(x):
    return x


get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)
