# %% [markdown] expect={"lose": ["test_attention_reference"]}
# Wrong: the scores are not divided by sqrt(d_k).

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
        scores = q @ k.transpose(1, 2)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v
        m = mask.unsqueeze(-1).float()
        return self.out((a * m).sum(1) / m.sum(1))
