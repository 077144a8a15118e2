# %% [markdown] expect={"lose": ["test_z_prime"]} hostile={"output": ["MemoryError"]}
# Asks for 20 GB: the address-space limit turns it into a MemoryError in that cell.

# %% replace="z_prime"
_big = bytearray(20 * 1024**3)
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
