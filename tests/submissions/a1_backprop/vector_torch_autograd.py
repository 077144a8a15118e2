# %% [markdown] expect={"lose": []}
# Right, another way: question 2 with torch.autograd in float64 (allowed there), converted back
# to NumPy with the inputs' shapes.

# %% replace="vector_forward_backward"
def vector_forward_backward(x, W, b1, u, b2):
    t = {
        k: torch.tensor(np.asarray(v, dtype=float), requires_grad=True)
        for k, v in dict(b2=b2, u=u, b1=b1, W=W, x=x).items()
    }
    z5 = t["u"] @ torch.relu(t["W"] @ t["x"] + t["b1"]) + t["b2"]
    z5.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    grads["b2"] = float(grads["b2"])
    return z5.item(), grads
