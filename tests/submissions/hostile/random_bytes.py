# %% [markdown] expect={"lose": "all"} hostile={"special": "random_bytes", "log": ["is not a notebook \\(not valid JSON"]}
# The hand-in is 4 KB of random bytes named a2_dropout_cnn.ipynb.
