# %% [markdown] expect={"lose": []}
# Right, another way: plain Python loops over filters, positions, features and taps.

# %% replace="conv_maxpool_concat"
def conv_maxpool_concat(Z, W, S):
    T, D = len(Z), len(Z[0])
    result = []
    for n in range(len(W)):
        s = S[n]
        best = [None] * D
        for t in range(T - s + 1):
            for j in range(D):
                v = 0.0
                for k in range(s):
                    v += W[n][k][j] * Z[t + k][j]
                if best[j] is None or v > best[j]:
                    best[j] = v
        result.extend(best)
    return np.array(result, dtype=float)
