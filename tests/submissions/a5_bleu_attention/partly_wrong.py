# %% [markdown] expect={"lose": ["test_get_ngram_counts", "test_get_ngram_counts_hidden", "test_compute_bleu_nltk", "test_forward", "test_forward_hidden"]}
# A typical partly wrong student (used by `make demo`): unclipped n-gram counts, and tanh
# forgotten in Eq. (5); everything else right.

# %% replace="get_ngram_counts"
def ngrams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def get_ngram_counts(refs, hyp, n):
    hyp_ngrams = ngrams(hyp, n)
    b_n = max(1, len(hyp_ngrams))
    seen = {g for r in refs for g in ngrams(r, n)}
    return sum(1 for g in hyp_ngrams if g in seen), b_n


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
        return self.linear_out(torch.cat([context, queries], dim=-1)), weights
