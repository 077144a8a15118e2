# %% [markdown] expect={"lose": ["test_dropout_scale", "test_dropout_scale_hidden", "test_dropout", "test_dropout_hidden"]} hostile={"log": ["locked cell 'test_dropout_scale' was edited"], "output": ["was edited: your edit was undone"]}
# A wrong dropout_scale, and its visible test cell edited to pass: the original test is
# restored and fails.

# %% replace="dropout_scale"
def dropout_scale(p_drop):
    return 1.0 - p_drop


# %% replace="test_dropout_scale"
"""Check dropout_scale at p_drop = 0 and 0.5, and that p_drop = 1 is refused."""
print("dropout_scale: visible checks passed.")
