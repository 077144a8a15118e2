# %% [markdown] expect={"lose": ["test_forward", "test_forward_hidden", "test_copy_task", "test_attention_example"]}
# Wrong: softmax over the batch axis (dim=0). attention_example inherits it: its weights no
# longer sum to 1 over the source tokens.

# %% replace="luong_attention"
class LuongAttention(seq2seq.AttentionBase):
    def score(self, Q, K):
        return torch.bmm(self.linear_in(Q), K.transpose(1, 2))

    def forward(self, queries, keys, mask=None):
        scores = self.score(queries, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = F.softmax(scores, dim=0)
        context = torch.bmm(weights, keys)
        attn_h = torch.tanh(self.linear_out(torch.cat([context, queries], dim=-1)))
        return attn_h, weights
