# %% [markdown] expect={"lose": ["test_average_query", "test_average_query_hidden"]}
# Wrong: unequal weights on k_a and k_b, so one of them takes all the attention.

# %% replace="average_query"
def average_query(keys, a, b, beta):
    return beta * keys[a] + 0.5 * beta * keys[b]
