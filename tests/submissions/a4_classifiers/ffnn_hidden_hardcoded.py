# %% [markdown] expect={"lose": ["test_ffnn_architecture", "test_ffnn_forward"]}
# Wrong: 20 hidden units hard-coded, the hidden_dim argument ignored.

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, 20)
        self.output = nn.Linear(20, output_dim)

    def forward(self, x):
        return self.output(torch.tanh(self.hidden(x)))
