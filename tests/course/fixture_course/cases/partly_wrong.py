# %% [markdown] expect={"lose": ["test_double_hidden"]}
# Right on numbers, but a string is doubled ("abab") instead of refused: loses the strings part
# only (2 of 4 hidden points).

# %% replace="double"
def double(x):
    return 2 * x
