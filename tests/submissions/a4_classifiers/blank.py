# %% [markdown] expect={"lose": "all"} base="blank"
# The release, untouched: every autograded cell scores 0.
