# %% [markdown]
# # t1_double: the engine's fixture course (7 points)
#
# | question | what | points | how it is checked |
# |---|---|---|---|
# | 1 | `double(x)` | 5 | visible test; hidden numbers (exact), strings refused |
# | 2 | written | 2 | by a person |

# %% tags=["setup"]
import nlpcourse

device = nlpcourse.setup_notebook("t1_double", gpu="optional")

# %% [markdown]
# ### 1. `double` (5 points)
#
# `double(x)` returns `2 * x` for a number `x` (exactly, no tolerance) and raises `TypeError`
# for a string.


# %% nbgrader={"grade_id": "double", "solution": true}
def double(x):
    ### BEGIN SOLUTION
    if isinstance(x, str):
        raise TypeError("double takes a number")
    return 2 * x
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_double", "grade": true, "points": 1}
"""double(2) is 4."""
assert double(2) == 4, f"double(2) should be 4, got {double(2)!r}"

# %% nbgrader={"grade_id": "test_double_hidden", "grade": true, "points": 4}
"""Hidden inputs: whole numbers and floats (2 points), a string refused (2 points)."""

# %% [markdown]
# ### 2. Why does `double` refuse strings? (2 points, written)

# %% [markdown] nbgrader={"grade_id": "why_refuse", "solution": true, "grade": true, "points": 2}
# YOUR ANSWER HERE
