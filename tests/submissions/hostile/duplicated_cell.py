# %% [markdown] expect={"lose": []} hostile={"duplicate": ["test_conv_maxpool_concat", "dropout"], "log": ["appears 2 times"]}
# Cells copied and pasted (same cell ids, nbgrader #1083): a test cell and a solution cell.
# The copies are graded once; right answers keep their points.
