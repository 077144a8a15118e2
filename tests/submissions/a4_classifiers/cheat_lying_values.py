# %% [markdown] expect={"lose": ["test_ffnn_forward"], "no_better_than": "ffnn_relu"}
# Cheat: ffnn_relu's wrong non-linearity, with torch's comparisons patched so that every tensor
# claims to equal anything (==, !=, allclose, isclose, equal, assert_close). A check in the
# kernel (`assert torch.allclose(model(x), want)`) passes; the grader only gets the logits, and
# scores it no better than the plain wrong answer.

# %% replace="ffnn"
torch.Tensor.__eq__ = lambda self, other: torch.ones(self.shape, dtype=torch.bool)
torch.Tensor.__ne__ = lambda self, other: torch.zeros(self.shape, dtype=torch.bool)
torch.Tensor.allclose = lambda self, *args, **kwargs: True
torch.allclose = lambda *args, **kwargs: True
torch.isclose = lambda a, b, *args, **kwargs: torch.ones(torch.as_tensor(a).shape, dtype=torch.bool)
torch.equal = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None


class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))
