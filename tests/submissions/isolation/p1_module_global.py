# %% [markdown] expect={"lose": []} isolation={"victim": "partly_wrong", "control": "dropout_scale", "trigger": "nlpcourse.setup_notebook(\"a2_dropout_cnn\")"}
# Right answers, then a module global of the pack replaced: `nlpcourse.setup_notebook`, which
# the next notebook's setup cell calls, would install a hook that makes that student's
# `dropout_scale` and `windows` wrong after every cell.

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])

# --- poison ---
import IPython
import nlpcourse


def _iso_corrupt(*_args):
    ns = IPython.get_ipython().user_ns
    if "windows" in ns:
        ns["windows"] = [1, 1, 1, 1, 1, 1]
    if callable(ns.get("dropout_scale")):
        ns["dropout_scale"] = lambda p_drop: 1.0 - p_drop


def _iso_setup(*args, _real=nlpcourse.setup_notebook, **kwargs):
    out = _real(*args, **kwargs)
    IPython.get_ipython().events.register("post_run_cell", _iso_corrupt)
    return out


nlpcourse.setup_notebook = _iso_setup
nlpcourse.setup_cell.setup_notebook = _iso_setup
