# %% [markdown] expect={"lose": []}
# Right, written differently: beta times the unit vector along k_j.

# %% replace="copy_query"
def copy_query(keys, j, beta):
    k = keys[j]
    return beta * k / torch.linalg.vector_norm(k)
