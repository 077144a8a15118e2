# %% [markdown] expect={"lose": ["test_score", "test_score_hidden", "test_forward_hidden"]}
# Wrong: score is Q K^T, without self.linear_in. (The copy task still passes: plain dot products
# already peak on the aligned token.)

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        return torch.bmm(Q, K.transpose(1, 2))

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        attn_h = torch.tanh(self.linear_out(torch.cat([context, queries], dim=-1)))
        return attn_h, weights
