# %% [markdown] expect={"lose": []}
# Right, another way: the convolution computed in float32 (a float32 array returned). The
# text's tolerance (relative 1e-5, absolute 1e-6) lets float32 rounding pass.

# %% replace="conv_maxpool_concat"
def conv_maxpool_concat(Z, W, S):
    Z = np.asarray(Z, dtype=np.float32)  # (T, D)
    out = []
    for w, s in zip(W, S):
        w = np.asarray(w, dtype=np.float32)  # (s, D)
        B = np.stack([(w * Z[t : t + s]).sum(axis=0) for t in range(len(Z) - s + 1)])
        out.append(B.max(axis=0))  # (D,)
    return np.concatenate(out)
