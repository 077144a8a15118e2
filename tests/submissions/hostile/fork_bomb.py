# %% [markdown] expect={"lose": []} hostile={"output": ["fork refused"]}
# A fork bomb, bounded at 2000 processes in case the sandbox failed: the process limit stops
# it; every process it made dies with the kernel. Right answers otherwise.

# %% replace="z_prime"
import os
import time

_n = 0
try:
    for _ in range(2000):
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        _n += 1
except OSError as _e:
    print(f"fork refused after {_n} children: {_e}")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
