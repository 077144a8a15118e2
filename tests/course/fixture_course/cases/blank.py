# %% [markdown] expect={"lose": "all"} base="blank"
# The release as handed out: every autograded cell scores 0.
