# %% [markdown] expect={"lose": ["test_attention_padding"]}
# A loop over the reviews hidden from the operation count under torch.no_grad: the logits are
# right, but a forward that records no autograd operation could not be trained; only the
# "batched" part of the padding check is lost.

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
        with torch.no_grad():
            reviews = []
            for xb, mb in zip(x, mask):
                words = xb[mb]  # (n, d)
                q, k, v = self.query(words), self.key(words), self.value(words)
                weights = F.softmax(q @ k.T / self.qk_dim**0.5, dim=-1)  # (n, n)
                reviews.append((weights @ v).mean(0))  # (d,)
            return self.out(torch.stack(reviews))  # (B, C)
