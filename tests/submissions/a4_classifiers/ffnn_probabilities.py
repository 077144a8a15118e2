# %% [markdown] expect={"lose": ["test_ffnn", "test_ffnn_forward", "test_ffnn_trains"]}
# Wrong: forward returns softmax probabilities; the contract is logits (nn.CrossEntropyLoss applies the softmax).
# Softmax twice squashes the loss's input into [0, 1]: the gradients nearly vanish and the
# hidden training test stays at 72% (always the majority class).

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return torch.softmax(self.output(torch.tanh(self.hidden(x))), dim=-1)
