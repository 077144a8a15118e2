# %% [markdown] expect={"lose": []}
# Right (another way): padded scores set to -1e9 (not -inf) and W_c applied as two halves with F.linear.

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        return torch.bmm(self.linear_in(Q), K.transpose(1, 2))

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], -1e9)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        d = queries.size(-1)
        W = self.linear_out.weight
        attn_h = torch.tanh(F.linear(context, W[:, :d]) + F.linear(queries, W[:, d:]))
        return attn_h, weights
