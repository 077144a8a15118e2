# %% [markdown] expect={"lose": ["test_scalar_backward", "test_scalar_backward_hidden", "test_scalar_backward_relu_at_zero", "test_skip_connection", "test_skip_connection_hidden"]}
# Against the rules of question 1: scalar_backward calls torch.autograd (the numbers would be
# right, but 1c asks for the chain rule by hand and the tests switch autograd off).

# %% replace="scalar_backward"
def scalar_backward(x, w1, b1, w2, b2):
    t = {
        k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
        for k, v in dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2).items()
    }
    z5 = t["w2"] * torch.relu(t["w1"] * t["x"] + t["b1"]) + t["b2"]
    grads = torch.autograd.grad(z5, list(t.values()))
    return {k: g.item() for k, g in zip(t, grads)}
