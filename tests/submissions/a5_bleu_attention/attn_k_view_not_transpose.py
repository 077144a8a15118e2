# %% [markdown] expect={"lose": ["test_score", "test_score_hidden", "test_forward_hidden"]}
# Wrong: K reshaped with view(B, d, T) instead of transposed: right shape, wrong numbers. (The copy
# task still passes: linear_in learns to undo the fixed permutation, so only the score tests catch it.)

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        B, T, d = K.shape
        return torch.bmm(self.linear_in(Q), K.reshape(B, d, T))

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        attn_h = torch.tanh(self.linear_out(torch.cat([context, queries], dim=-1)))
        return attn_h, weights
