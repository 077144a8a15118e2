# %% [markdown] expect={"lose": ["test_get_ngram_counts", "test_get_ngram_counts_hidden", "test_compute_bleu_nltk"]}
# Wrong: clipped by the sum of the counts over the references instead of their maximum.

# %% replace="get_ngram_counts"
def ngrams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def get_ngram_counts(refs, hyp, n):
    hyp_ngrams = ngrams(hyp, n)
    b_n = max(1, len(hyp_ngrams))
    total = Counter()
    for r in refs:
        total.update(ngrams(r, n))
    a_n = sum(min(c, total[g]) for g, c in Counter(hyp_ngrams).items())
    return a_n, b_n
