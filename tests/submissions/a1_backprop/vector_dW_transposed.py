# %% [markdown] expect={"lose": ["test_vector_forward_backward", "test_vector_forward_backward_hidden", "test_vector_relu_at_zero"]}
# Wrong: dz/dW transposed (x times the gradient of z1, instead of the gradient of z1 times x^T).

# %% replace="vector_forward_backward"
def vector_forward_backward(x, W, b1, u, b2):
    z2 = W @ x + b1
    g2 = u * (z2 > 0)
    return float(u @ np.maximum(z2, 0) + b2), {
        "b2": 1.0,
        "u": np.maximum(z2, 0),
        "b1": g2,
        "W": np.outer(x, g2),
        "x": W.T @ g2,
    }
