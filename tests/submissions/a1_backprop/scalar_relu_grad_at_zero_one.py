# %% [markdown] expect={"lose": ["test_scalar_backward_relu_at_zero", "test_skip_connection_hidden"]}
# Wrong: ReLU'(0) = 1 (">= 0"), against torch's convention ReLU'(0) = 0.

# %% replace="scalar_backward"
def scalar_backward(x, w1, b1, w2, b2):
    z2 = w1 * x + b1
    z2_bar = w2 * (1.0 if z2 >= 0 else 0.0)
    return {"b2": 1.0, "w2": max(0.0, z2), "b1": z2_bar, "w1": x * z2_bar, "x": w1 * z2_bar}
