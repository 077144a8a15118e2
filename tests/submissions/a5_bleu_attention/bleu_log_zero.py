# %% [markdown] expect={"lose": ["test_compute_bleu", "test_compute_bleu_nltk", "test_compute_bleu_edge_cases"]}
# Wrong: takes log of every precision without checking for zero (ValueError on no match).

# %% replace="compute_bleu"
def compute_bleu(reference_lists, hypotheses):
    a = [0] * 5
    b = [0] * 5
    R = H = 0
    for refs, hyp in zip(reference_lists, hypotheses):
        for n in range(1, 5):
            a_n, b_n = get_ngram_counts(refs, hyp, n)
            a[n] += a_n
            b[n] += b_n
        H += len(hyp)
        R += min((len(r) for r in refs), key=lambda k: (abs(k - len(hyp)), k))
    logp = sum(math.log(a[n] / b[n]) for n in range(1, 5)) / 4
    return min(1.0, math.exp(1 - R / H)) * math.exp(logp)
