# %% [markdown] expect={"lose": ["test_vector_forward_backward_hidden", "test_vector_relu_at_zero"]}
# Wrong: in question 2 the ReLU's gradient is passed through where the pre-activation is
# negative (no mask).

# %% replace="vector_forward_backward"
def vector_forward_backward(x, W, b1, u, b2):
    z3 = np.maximum(W @ x + b1, 0)
    return float(u @ z3 + b2), {"b2": 1.0, "u": z3, "b1": u, "W": np.outer(u, x), "x": W.T @ u}
