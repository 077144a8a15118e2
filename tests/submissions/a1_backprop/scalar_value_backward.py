# %% [markdown] expect={"lose": ["test_scalar_backward", "test_scalar_backward_hidden", "test_scalar_backward_relu_at_zero", "test_skip_connection", "test_skip_connection_hidden"]}
# Against the rules of question 1: scalar_backward lets nlpcourse's Value engine do the
# backward pass (z5.backward()) instead of applying the chain rule itself.

# %% replace="scalar_backward"
def scalar_backward(x, w1, b1, w2, b2):
    from nlpcourse.graph import nodes

    z5 = scalar_graph(x, w1, b1, w2, b2)
    z5.backward()
    by_label = {n.label: n.grad for n in nodes(z5)}
    return {k: by_label[k] for k in ["b2", "w2", "b1", "w1", "x"]}
