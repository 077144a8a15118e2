# %% [markdown] expect={"lose": []} isolation={"victim": "partly_wrong", "control": "dropout_scale", "trigger": "exec(open(os.environ[\"PYTHONSTARTUP\"]).read())  # what IPython does at start"}
# Right answers, then the environment changed: PYTHONSTARTUP (IPython runs that file when a
# kernel starts) names a file with a hook that makes `dropout_scale` and `windows` wrong,
# IPYTHONDIR a profile with the same hook, and PYTHONWARNINGS, OMP_NUM_THREADS,
# NBGRADER_EXECUTION changed.

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


import os

for _iso_path in ("/tmp/iso_startup.py", os.path.join(os.environ["HOME"], "iso_startup.py")):
    with open(_iso_path, "w") as _fh:
        _fh.write(_ISO_PAYLOAD)
os.environ["PYTHONSTARTUP"] = "/tmp/iso_startup.py"
os.environ["IPYTHONDIR"] = "/dev/shm/iso_ipython"
os.makedirs("/dev/shm/iso_ipython/profile_default/startup", exist_ok=True)
with open("/dev/shm/iso_ipython/profile_default/startup/00-evil.py", "w") as _fh:
    _fh.write(_ISO_PAYLOAD)
os.environ["PYTHONWARNINGS"] = "error"
os.environ["OMP_NUM_THREADS"] = "64"
os.environ.pop("NBGRADER_EXECUTION", None)
