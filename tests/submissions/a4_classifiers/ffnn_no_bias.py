# %% [markdown] expect={"lose": ["test_ffnn_architecture", "test_ffnn_forward", "test_ffnn_trains"]}
# Wrong: the hidden layer has no bias (J&M eq. 7.13 has b). Without it every tanh unit is
# centred on the origin, so the hidden training test (a disc around the origin) fails too.

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim, bias=False)
        self.output = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.output(torch.tanh(self.hidden(x)))
