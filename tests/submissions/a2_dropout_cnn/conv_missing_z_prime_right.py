# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]}
# 2a not done (the stub raises), 2b right: 2b does not depend on 2a's function and keeps its
# 8 points.

# %% replace="conv_maxpool_concat"
def conv_maxpool_concat(Z, W, S):
    raise NotImplementedError()
