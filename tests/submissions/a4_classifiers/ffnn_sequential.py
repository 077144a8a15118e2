# %% [markdown] expect={"lose": []}
# Right, another way: one nn.Sequential holding both layers and nn.Tanh.

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(input_dim, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, output_dim)
        )

    def forward(self, x):
        return self.net(x)
