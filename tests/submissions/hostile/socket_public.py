# %% [markdown] expect={"lose": []} hostile={"output": ["public: OSError.*(unreachable|Errno 101)"]}
# Connects to a public address (1.1.1.1:443): no network in the sandbox.

# %% replace="z_prime"
import socket

try:
    socket.create_connection(("1.1.1.1", 443), timeout=5)
    print("public: connected")
except OSError as _e:
    print(f"public: {type(_e).__name__} {_e}")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
