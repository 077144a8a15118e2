# %% [markdown] expect={"lose": []} hostile={"output": ["public: OSError.*(unreachable|Errno 101)"]}
# Connects to a public address (1.1.1.1:443): no network in the sandbox.

# %% replace="z_prime"
import socket

try:
    socket.create_connection(("1.1.1.1", 443), timeout=5)
    print("public: connected")
except OSError as _e:
    print(f"public: {type(_e).__name__} {_e}")
Z_prime = conv_maxpool_concat(Z, W, S)
