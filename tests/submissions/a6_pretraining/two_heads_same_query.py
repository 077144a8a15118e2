# %% [markdown] expect={"lose": ["test_two_head_queries", "test_two_head_queries_hidden"]}
# Wrong: both heads use the single-head query beta (mu_a + mu_b), so the output flips between
# v_a and v_b when |k_a| varies (question 6b), exactly like one head.

# %% replace="two_head_queries"
def two_head_queries(means, a, b, beta):
    q = beta * (means[a] + means[b])
    return q, q.clone()
