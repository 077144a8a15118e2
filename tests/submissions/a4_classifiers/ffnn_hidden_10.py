# %% [markdown] expect={"lose": ["test_ffnn_architecture", "test_ffnn_forward"]}
# Wrong: 10 hidden units by default instead of 20.

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=10):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.output(torch.tanh(self.hidden(x)))
