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
Z_prime = conv_maxpool_concat(Z, W, S)
