# %% [markdown] expect={"lose": ["test_z_prime"]}
# Wrong 2b: the gradient sent to every window, as if pooling were a sum, instead of only to
# the window max pooling keeps; windows right. Loses both gradient parts (5 of 8).

# %% replace="z_prime"
windows = []
grad_Z = np.zeros_like(Z)
for w, s in zip(W, S):
    B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])
    windows += [int(t) + 1 for t in B.argmax(axis=0)]
    for t in range(len(Z) - s + 1):
        grad_Z[t : t + s] += w
print(windows, grad_Z)
