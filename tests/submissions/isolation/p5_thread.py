# %% [markdown] expect={"lose": []} isolation={"victim": "reference", "control": "dropout_scale", "trigger": ""}
# Right answers, then a background thread that, every 10 ms, replaces `np.concatenate` and
# `np.einsum` (the reference convolution uses both) with functions off by one, and writes a
# wrong cache of 2b wherever a later kernel might look.

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])


# --- poison ---
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


import threading
import time


def _iso_patcher(np=np, concatenate=np.concatenate, einsum=np.einsum):
    def bad_concatenate(*args, **kwargs):
        return concatenate(*args, **kwargs) + 1.0

    def bad_einsum(*args, **kwargs):
        return einsum(*args, **kwargs) + 1.0

    while True:
        np.concatenate, np.einsum = bad_concatenate, bad_einsum
        _iso_plant()
        time.sleep(0.01)


threading.Thread(target=_iso_patcher, daemon=True).start()
time.sleep(0.1)
