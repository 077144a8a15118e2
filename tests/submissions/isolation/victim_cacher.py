# %% [markdown] expect={"lose": []} isolation={"role": "victim"}
# Right answers, from a student who caches 2b's results in a folder that looks shared (the temp
# folder, /tmp, /dev/shm, ~/.cache, matplotlib's cache folder) and reuses a cache it finds there:
# the reader that turns a file another student left behind into a changed score.

# %% replace="z_prime"
import json
import os
import tempfile

import matplotlib

_places = [
    tempfile.gettempdir(),
    "/tmp",
    "/dev/shm",
    os.path.expanduser("~/.cache"),
    matplotlib.get_cachedir(),
]
_cached = None
for _d in _places:
    _f = os.path.join(_d, "a2_cache", "z_prime.json")
    if os.path.exists(_f):
        with open(_f) as _fh:
            _cached = json.load(_fh)
        print("cache found:", _f)
        break
if _cached is None:
    windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
    grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
    _f = os.path.join(tempfile.gettempdir(), "a2_cache", "z_prime.json")
    os.makedirs(os.path.dirname(_f), exist_ok=True)
    with open(_f, "w") as _fh:
        json.dump({"windows": windows, "grad_Z": grad_Z.tolist()}, _fh)
else:
    windows, grad_Z = _cached["windows"], np.array(_cached["grad_Z"])
