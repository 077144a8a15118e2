# %% [markdown] expect={"lose": "all"} base="blank"
# The untouched release: every autograded cell must fail.
