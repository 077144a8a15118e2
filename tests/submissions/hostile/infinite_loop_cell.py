# %% [markdown] expect={"lose": ["test_z_prime"]} hostile={"log": ["Timeout waiting for execute reply"], "output": ["KeyboardInterrupt|CellTimeoutError"]}
# An infinite loop at the top level of a solution cell: interrupted at the cell timeout, the
# cell scores 0 and the cells after it still run.

# %% replace="z_prime"
while True:
    pass
Z_prime = conv_maxpool_concat(Z, W, S)
