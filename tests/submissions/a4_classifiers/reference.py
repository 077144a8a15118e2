# %% [markdown] expect={"lose": []}
# Right: the reference solution as a student would hand it in. Full points on every test.
