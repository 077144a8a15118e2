# %% [markdown] expect={"lose": ["test_z_prime"]}
# Wrong 2b: the winning window's rows marked with 1 instead of the filter's weights (the
# chain rule through the convolution left out); windows and the non-zero pattern right.
# Loses the gradient values part only (3 of 8).

# %% replace="z_prime"
windows = []
grad_Z = np.zeros_like(Z)
for w, s in zip(W, S):
    B = np.array([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])
    best = B.argmax(axis=0)
    windows += [int(t) + 1 for t in best]
    for j, t in enumerate(best):
        grad_Z[t : t + s, j] += 1
print(windows, grad_Z)
