# %% [markdown] expect={"lose": ["test_forward_hidden", "test_copy_task"]}
# Wrong: the mask is ignored, padded source positions get attention (the copy task checks that
# padded keys get none).

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        return torch.bmm(self.linear_in(Q), K.transpose(1, 2))

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        attn_h = torch.tanh(self.linear_out(torch.cat([context, queries], dim=-1)))
        return attn_h, weights
