# %% [markdown] expect={"lose": []}
# Right, another way: einsum, explicit softmax, and -1e9 instead of -inf at padded keys.

# %% replace="attention_classifier"
import math


class AttentionClassifier(nn.Module):
    def __init__(self, emb_dim=50, num_classes=2, qk_dim=32):
        super().__init__()
        self.qk_dim = qk_dim
        self.query = nn.Linear(emb_dim, qk_dim, bias=False)
        self.key = nn.Linear(emb_dim, qk_dim, bias=False)
        self.value = nn.Linear(emb_dim, emb_dim, bias=False)
        self.out = nn.Linear(emb_dim, num_classes)

    def forward(self, x, mask):
        q = torch.einsum("btd,kd->btk", x, self.query.weight)
        k = torch.einsum("btd,kd->btk", x, self.key.weight)
        v = torch.einsum("btd,ed->bte", x, self.value.weight)
        s = torch.einsum("bik,bjk->bij", q, k) / math.sqrt(q.shape[-1])
        s = torch.where(mask[:, None, :], s, torch.full_like(s, -1e9))
        w = torch.exp(s - s.max(dim=-1, keepdim=True).values)
        w = w / w.sum(dim=-1, keepdim=True)
        a = torch.einsum("bij,bje->bie", w, v)
        n = mask.sum(dim=1, keepdim=True)
        return self.out(torch.einsum("bie,bi->be", a, mask.float()) / n)
