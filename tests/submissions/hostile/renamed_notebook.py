# %% [markdown] expect={"lose": "all"} hostile={"special": "renamed", "log": ["no a2_dropout_cnn.ipynb .*found a2_dropout_cnn \\(1\\).ipynb"]}
# The notebook is handed in as `a2_dropout_cnn (1).ipynb` (a second browser download).
