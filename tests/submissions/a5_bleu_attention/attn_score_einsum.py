# %% [markdown] expect={"lose": []}
# Right (another way): score with einsum and forward with @ and torch.softmax.

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        return torch.einsum("bie,bje->bij", self.linear_in(Q), K)

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=2)
        context = weights @ keys
        attn_h = torch.tanh(self.linear_out(torch.cat([context, queries], dim=-1)))
        return attn_h, weights
