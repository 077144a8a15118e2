# %% [markdown] expect={"lose": []} hostile={"log": ["printed more than 2000000 bytes"], "output": ["output cut at 2000000 bytes"]}
# Prints 100 MB (right answers otherwise): the output is cut, the points are kept.

# %% replace="z_prime"
for _ in range(100):
    print("y" * 1_000_000)
Z_prime = conv_maxpool_concat(Z, W, S)
