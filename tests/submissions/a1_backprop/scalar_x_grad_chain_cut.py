# %% [markdown] expect={"lose": ["test_scalar_backward", "test_scalar_backward_hidden", "test_scalar_backward_relu_at_zero", "test_skip_connection", "test_skip_connection_hidden"]}
# Wrong: dz5/dx taken as w1, the local derivative of z1 only (the chain rule cut short; it
# should be w2 * ReLU'(z2) * w1).

# %% replace="scalar_backward"
def scalar_backward(x, w1, b1, w2, b2):
    z2 = w1 * x + b1
    z2_bar = w2 * (1.0 if z2 > 0 else 0.0)
    return {"b2": 1.0, "w2": max(0.0, z2), "b1": z2_bar, "w1": x * z2_bar, "x": w1}
