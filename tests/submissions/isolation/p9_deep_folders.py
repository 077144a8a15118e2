# %% [markdown] expect={"lose": []} isolation={"victim": "victim_cacher", "control": "z_prime", "trigger": "", "victim_code": true}
# Right answers, then folders nested 3000 deep (deeper than Python's stack, and than PATH_MAX)
# in HOME, the temp folder, /tmp and /dev/shm, and a wrong cache of 2b in the shared folders: a
# sweep that walked them by recursion failed midway, before /tmp was wiped, and the next kernel
# forked from the same zygote found the cache.

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])

# --- poison ---
import json
import os
import tempfile


def _iso_nest(top, depth=3000):
    """``depth`` folders one in another below ``top``, made through file descriptors."""
    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)


for _d in (os.environ["HOME"], tempfile.gettempdir(), "/tmp", "/dev/shm"):
    try:
        _iso_nest(_d)
    except OSError:
        pass
    try:
        os.makedirs(os.path.join(_d, "a2_cache"), exist_ok=True)
        with open(os.path.join(_d, "a2_cache", "z_prime.json"), "w") as _fh:
            json.dump({"windows": [1, 1, 1, 1, 1, 1], "grad_Z": [[0.0] * 3] * 7}, _fh)
    except OSError:
        pass
