# %% [markdown] expect={"lose": ["test_get_ngram_counts", "test_get_ngram_counts_hidden", "test_compute_bleu_nltk"]}
# Wrong: unclipped counts, every hypothesis n-gram that occurs in some reference counts.

# %% replace="get_ngram_counts"
def ngrams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def get_ngram_counts(refs, hyp, n):
    hyp_ngrams = ngrams(hyp, n)
    b_n = max(1, len(hyp_ngrams))
    seen = {g for r in refs for g in ngrams(r, n)}
    a_n = sum(1 for g in hyp_ngrams if g in seen)
    return a_n, b_n
