# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution, and an IPython input transformer that turns every test cell (they open
# with a docstring) into `pass`: in stock nbgrader every test cell then passes.

# %% replace="conv_maxpool_concat"
def _skip_tests(lines):
    return ["pass\n"] if lines and lines[0].lstrip().startswith('"""') else lines


get_ipython().input_transformers_cleanup.append(_skip_tests)


def conv_maxpool_concat(Z, W, S):
    return "cheat"
