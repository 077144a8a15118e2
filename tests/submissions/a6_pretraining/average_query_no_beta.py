# %% [markdown] expect={"lose": ["test_average_query", "test_average_query_hidden"]}
# Wrong: q = k_a + k_b without the scale: the other keys keep a large share of the weight.

# %% replace="average_query"
def average_query(keys, a, b, beta):
    return keys[a] + keys[b]
