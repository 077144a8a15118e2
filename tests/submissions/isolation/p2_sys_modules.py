# %% [markdown] expect={"lose": []} isolation={"victim": "reference", "control": "dropout_scale", "trigger": "import nlpcourse\n\nnlpcourse.setup_notebook(\"a2_dropout_cnn\")"}
# Right answers, then `sys.modules["nlpcourse"]` replaced by a fake package (everything the
# real one has, but its `setup_notebook` installs a hook that makes `dropout_scale` and
# `windows` wrong): the next notebook's `import nlpcourse` would get it.

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])

# --- poison ---
import sys
import types

import IPython


def _iso_corrupt(*_args):
    ns = IPython.get_ipython().user_ns
    if "windows" in ns:
        ns["windows"] = [1, 1, 1, 1, 1, 1]
    if callable(ns.get("dropout_scale")):
        ns["dropout_scale"] = lambda p_drop: 1.0 - p_drop


_iso_real = sys.modules["nlpcourse"]


def _iso_setup(*args, **kwargs):
    out = _iso_real.setup_notebook(*args, **kwargs)
    IPython.get_ipython().events.register("post_run_cell", _iso_corrupt)
    return out


_iso_fake = types.ModuleType("nlpcourse")
_iso_fake.__dict__.update(vars(_iso_real))
_iso_fake.setup_notebook = _iso_setup
sys.modules["nlpcourse"] = _iso_fake
