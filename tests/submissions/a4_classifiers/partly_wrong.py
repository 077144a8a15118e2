# %% [markdown] expect={"lose": ["test_ffnn_forward", "test_attention_reference", "test_attention_padding"]}
# A typical partly wrong student (used by `make demo`): ReLU instead of tanh in the FFNN, and
# the attention classifier's mean taken over every position, padding included.

# %% replace="ffnn"
class FFNN(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim=20):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


# %% replace="attention_classifier"
class AttentionClassifier(nn.Module):
    def __init__(self, emb_dim=50, num_classes=2, qk_dim=32):
        super().__init__()
        self.qk_dim = qk_dim
        self.query = nn.Linear(emb_dim, qk_dim, bias=False)
        self.key = nn.Linear(emb_dim, qk_dim, bias=False)
        self.value = nn.Linear(emb_dim, emb_dim, bias=False)
        self.out = nn.Linear(emb_dim, num_classes)

    def forward(self, x, mask):
        q, k, v = self.query(x), self.key(x), self.value(x)
        scores = q @ k.transpose(1, 2) / self.qk_dim**0.5
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v
        return self.out(a.mean(dim=1))
