# %% [markdown] expect={"lose": []}
# The reference solution: every autograded cell scores full.
