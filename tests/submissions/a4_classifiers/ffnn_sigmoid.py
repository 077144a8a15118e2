# %% [markdown] expect={"lose": ["test_ffnn_forward"]}
# Wrong: sigmoid instead of tanh as the hidden non-linearity.

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.output(torch.sigmoid(self.hidden(x)))
