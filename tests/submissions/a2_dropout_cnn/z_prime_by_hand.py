# %% [markdown] expect={"lose": []}
# Right, another way: 2b worked by hand for the example and typed in (B's columns written
# out, the largest of each picked, the winning rows given their filter's weights).

# %% replace="z_prime"
# Filter 1 (width 2, ones), B columns: [-1.8 -2.2 2.2 2.3 4.0 2.3], [1.5 3.9 5.2 3.4 -0.4 0.4],
#   [1.9 0.6 -1.4 0.6 0.3 1.1]  -> windows 5, 3, 1.
# Filter 2 (width 3, twos): [-1.8 -1.8 6.4 10.6 6.6], [8.6 12.6 12.4 4.0 2.8],
#   [0.8 1.4 -1.8 0.8 3.2]  -> windows 4, 2, 5.
windows = (5, 3, 1, 4, 2, 5)
grad_Z = [
    [0, 0, 1],
    [0, 2, 1],
    [0, 3, 0],
    [2, 3, 0],
    [3, 0, 2],
    [3, 0, 2],
    [0, 0, 2],
]
print(windows, grad_Z)
