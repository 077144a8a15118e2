# %% [markdown] expect={"lose": []}
# The reference solution: every solution cell filled from the source notebook.
