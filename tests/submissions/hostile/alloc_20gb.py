# %% [markdown] expect={"lose": ["test_z_prime"]} hostile={"output": ["MemoryError"]}
# Asks for 20 GB: the address-space limit turns it into a MemoryError in that cell.

# %% replace="z_prime"
_big = bytearray(20 * 1024**3)
Z_prime = conv_maxpool_concat(Z, W, S)
