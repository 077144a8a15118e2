# %% [markdown] expect={"lose": ["test_z_prime"]}
# Wrong 2b: window positions counted from 0 (np.argmax as it is) instead of from 1 as t in
# the formula; grad_Z right. Loses the windows part only (3 of 8).

# %% replace="z_prime"
windows = []
grad_Z = np.zeros_like(Z)
for w, s in zip(W, S):
    B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])
    best = B.argmax(axis=0)
    windows += list(best)
    for j, t in enumerate(best):
        grad_Z[t : t + s, j] += w[:, j]
print(windows, grad_Z)
