# %% [markdown] expect={"lose": ["test_vector_relu_at_zero"]}
# Wrong: ReLU'(0) = 1 in question 2 (">= 0"), against torch's ReLU'(0) = 0.

# %% replace="vector_forward_backward"
def vector_forward_backward(x, W, b1, u, b2):
    z2 = W @ x + b1
    g2 = u * (z2 >= 0)
    return float(u @ np.maximum(z2, 0) + b2), {
        "b2": 1.0,
        "u": np.maximum(z2, 0),
        "b1": g2,
        "W": np.outer(g2, x),
        "x": W.T @ g2,
    }
