# %% [markdown] expect={"lose": ["test_z_prime"]} hostile={"log": ["Timeout waiting for execute reply"], "output": ["KeyboardInterrupt|CellTimeoutError"]}
# An infinite loop at the top level of a solution cell: interrupted at the cell timeout, the
# cell scores 0 and the cells after it still run.

# %% replace="z_prime"
while True:
    pass
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
