# %% [markdown] expect={"lose": ["test_attention_padding"]}
# Right logits, but a Python loop over the reviews (each one's real words only), which the text
# forbids: only the "batched" part of the padding check is lost.

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
        reviews = []
        for xb, mb in zip(x, mask):  # one review at a time
            words = xb[mb]  # (n, d): the real words
            q, k, v = self.query(words), self.key(words), self.value(words)
            weights = F.softmax(q @ k.T / self.qk_dim**0.5, dim=-1)  # (n, n)
            reviews.append((weights @ v).mean(0))  # (d,)
        return self.out(torch.stack(reviews))  # (B, C)
