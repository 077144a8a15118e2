# %% [markdown] expect={"lose": ["test_scalar_backward_hidden", "test_scalar_backward_relu_at_zero", "test_skip_connection_hidden"]}
# Wrong: the ReLU's gradient is passed through even where the pre-activation is negative
# (skip_backward builds on scalar_backward, so it inherits the mistake).

# %% replace="scalar_backward"
def scalar_backward(x, w1, b1, w2, b2):
    z3_bar = w2
    z2_bar = z3_bar  # ReLU treated as the identity
    return {
        "b2": 1.0,
        "w2": max(0.0, w1 * x + b1),
        "b1": z2_bar,
        "w1": x * z2_bar,
        "x": w1 * z2_bar,
    }
