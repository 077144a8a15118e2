# %% [markdown] expect={"lose": []}
# Right, written differently: x + x, and a number test instead of a string test.

# %% replace="double"
import numbers


def double(x):
    if not isinstance(x, numbers.Number):
        raise TypeError(f"not a number: {x!r}")
    return x + x
