# %% [markdown] expect={"lose": []} hostile={"output": ["localhost: (ConnectionRefusedError|OSError|TimeoutError)"]}
# Connects to a port on 127.0.0.1 where the test listens (47651): the sandbox has its own
# network namespace, so nothing on the host answers.

# %% replace="z_prime"
import socket

try:
    socket.create_connection(("127.0.0.1", 47651), timeout=5).sendall(b"hello")
    print("localhost: connected")
except OSError as _e:
    print(f"localhost: {type(_e).__name__}")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
