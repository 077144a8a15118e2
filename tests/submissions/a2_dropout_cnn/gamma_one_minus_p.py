# %% [markdown] expect={"lose": ["test_dropout_scale", "test_dropout_scale_hidden", "test_dropout", "test_dropout_hidden"]}
# Wrong: gamma = 1 - p (scales by the keep probability instead of dividing by it).
# dropout() is the reference one, which calls dropout_scale, so it loses too.

# %% replace="dropout_scale"
def dropout_scale(p_drop):
    if not 0.0 <= p_drop < 1.0:
        raise ValueError(f"p_drop must be in [0, 1), got {p_drop}")
    return 1.0 - p_drop
