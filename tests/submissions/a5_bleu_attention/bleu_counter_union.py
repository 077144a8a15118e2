# %% [markdown] expect={"lose": []}
# Right (another way): per-reference Counters combined with Counter union (`|` takes the max),
# then Counter intersection (`&` takes the min) with the hypothesis.

# %% replace="get_ngram_counts"
def ngrams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def get_ngram_counts(refs, hyp, n):
    hyp_ngrams = ngrams(hyp, n)
    b_n = max(1, len(hyp_ngrams))
    best = Counter()
    for r in refs:
        best |= Counter(ngrams(r, n))
    a_n = sum((Counter(hyp_ngrams) & best).values())
    return a_n, b_n
