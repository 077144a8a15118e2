# %% [markdown] expect={"lose": ["test_extract_matrix", "test_extract_matrix_hidden"]}
# Wrong: M = A^T in column convention (the rows a_i), which gives v_a's coordinates in the basis,
# an m-vector, not v_a itself.

# %% replace="extract_matrix"
def extract_matrix(a_basis):
    return a_basis
