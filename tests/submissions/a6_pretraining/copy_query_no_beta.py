# %% [markdown] expect={"lose": ["test_copy_query", "test_copy_query_hidden"]}
# Wrong: q = k_j without the scale beta; alpha_j stays far from 1.

# %% replace="copy_query"
def copy_query(keys, j, beta):
    return keys[j]
