# %% [markdown] expect={"lose": "all"} hostile={"special": "empty_folder", "log": ["holds no notebook"]}
# The student's folder is empty.
