# %% [markdown] expect={"lose": ["test_two_head_queries_hidden"]}
# Wrong in a way the visible test cannot see: two different queries that are both single-head
# averages; fine when the keys equal their means, unstable when |k_a| varies (4b).

# %% replace="two_head_queries"
def two_head_queries(means, a, b, beta):
    return beta * (means[a] + means[b]), 2 * beta * (means[a] + means[b])
