# %% [markdown] expect={"lose": []} hostile={"output": ["removed nothing"]}
# Tries to delete the course's files (source/, the config, the gradebook, other students'
# work) from inside its kernel.

# %% replace="z_prime"
import os
import shutil

_gone = []
for _p in ["../../../source", "../../../submitted", "../../../autograded/ctrl_reference"]:
    if os.path.exists(_p):
        shutil.rmtree(_p, ignore_errors=True)
        _gone.append(_p)
for _p in ["../../../nbgrader_config.py", "../../../gradebook.db"]:
    try:
        os.remove(_p)
        _gone.append(_p)
    except OSError:
        pass
print("removed", _gone or "nothing")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
