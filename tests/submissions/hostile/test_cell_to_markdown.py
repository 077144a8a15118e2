# %% [markdown] expect={"lose": ["test_dropout_scale", "test_dropout_scale_hidden", "test_dropout", "test_dropout_hidden"]} hostile={"to_markdown": ["test_dropout_scale", "test_dropout_scale_hidden"], "log": ["turned from code into markdown"]}
# A wrong dropout_scale, and its test cells turned into Markdown so that they do not run:
# they are turned back into code and fail.

# %% replace="dropout_scale"
def dropout_scale(p_drop):
    return 1.0 - p_drop
