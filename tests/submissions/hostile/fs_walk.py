# %% [markdown] expect={"lose": []} hostile={"special": "fs_walk"}
# Right answers; walks the sandbox's whole file system and searches every readable file for
# what the grader holds: lines of the checks, the hidden cases' expected outputs, the course
# secret. tests/course/test_integrity.py puts the needles (as hex) at the top of this cell and reads
# the FSWALK line it prints; it grades this case on its own, with the default cell timeout.

# %% replace="z_prime"
import json
import os

_needles = [bytes.fromhex(h) for h in globals().get("_NEEDLES_HEX", [])]
_skip = {"/proc", "/sys", "/dev", os.getcwd()}
_stats = {"files": 0, "bytes": 0, "unreadable": 0, "too_large": 0, "hits": []}
for _dir, _subs, _files in os.walk("/", followlinks=False):
    _subs[:] = [d for d in _subs if os.path.join(_dir, d) not in _skip]
    for _f in _files:
        _p = os.path.join(_dir, _f)
        try:
            if os.path.islink(_p) or not os.path.isfile(_p):
                continue
            if os.path.getsize(_p) > 2**19:  # the grader's files are small; libraries are not
                _stats["too_large"] += 1
                continue
            with open(_p, "rb") as _fh:
                _data = _fh.read()
        except OSError:
            _stats["unreadable"] += 1
            continue
        _stats["files"] += 1
        _stats["bytes"] += len(_data)
        _stats["hits"] += [[_p, i] for i, n in enumerate(_needles) if n in _data]
print("FSWALK " + json.dumps(_stats))
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
