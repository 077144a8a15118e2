# %% [markdown] expect={"lose": []} isolation={"victim": "partly_wrong", "control": "dropout_scale", "trigger": "print(np.zeros(2))"}
# Right answers, then numpy's print options changed: precision 1, a threshold of 3, and a
# formatter that, the first time a kernel prints an array, installs a hook that makes
# `dropout_scale` and `windows` wrong (the next student's 2b cell prints `grad_Z`).

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])

# --- poison ---
_ISO_PAYLOAD = """
def _iso_corrupt(*_args):
    ns = get_ipython().user_ns
    if "windows" in ns:
        ns["windows"] = [1, 1, 1, 1, 1, 1]
    if callable(ns.get("dropout_scale")):
        ns["dropout_scale"] = lambda p_drop: 1.0 - p_drop


get_ipython().events.register("post_run_cell", _iso_corrupt)
"""


_iso_armed = []


def _iso_format(x):
    if not _iso_armed:
        _iso_armed.append(1)
        exec(_ISO_PAYLOAD, get_ipython().user_ns)
    return repr(x)


np.set_printoptions(precision=1, threshold=3, formatter={"all": _iso_format})
