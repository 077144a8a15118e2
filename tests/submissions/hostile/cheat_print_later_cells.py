# %% [markdown] expect={"lose": []} hostile={"output": ["CELL SOURCE"]}
# Right answers, plus pre_run_cell / post_run_cell hooks that print every later cell's source
# and result into the outputs, hoping that hidden tests reach the feedback.

# %% replace="dropout_scale"
def _show(info):
    print("CELL SOURCE:", getattr(info, "raw_cell", info))


get_ipython().events.register("pre_run_cell", _show)
get_ipython().events.register("post_run_cell", lambda result: print("RESULT:", result))


def dropout_scale(p_drop):
    if not 0.0 <= p_drop < 1.0:
        raise ValueError(f"p_drop must be in [0, 1), got {p_drop}")
    return 1.0 / (1.0 - p_drop)
