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
Z_prime = conv_maxpool_concat(Z, W, S)
