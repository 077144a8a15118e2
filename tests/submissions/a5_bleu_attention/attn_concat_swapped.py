# %% [markdown] expect={"lose": ["test_forward_hidden"]}
# Wrong: [h_t; c_t] instead of [c_t; h_t], against the layout of linear_out's weight.

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        return torch.bmm(self.linear_in(Q), K.transpose(1, 2))

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        attn_h = torch.tanh(self.linear_out(torch.cat([queries, context], dim=-1)))
        return attn_h, weights
