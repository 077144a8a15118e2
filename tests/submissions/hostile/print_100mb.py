# %% [markdown] expect={"lose": []} hostile={"log": ["printed more than 2000000 bytes"], "output": ["output cut at 2000000 bytes"]}
# Prints 100 MB (right answers otherwise): the output is cut, the points are kept.

# %% replace="z_prime"
for _ in range(100):
    print("y" * 1_000_000)
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
