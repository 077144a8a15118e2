# %% [markdown] expect={"lose": []}
# Right, written differently: the sum of outer products a_i a_i^T.

# %% replace="extract_matrix"
def extract_matrix(a_basis):
    d = a_basis.shape[1]
    M = torch.zeros(d, d, dtype=a_basis.dtype)
    for a in a_basis:
        M += torch.outer(a, a)
    return M
