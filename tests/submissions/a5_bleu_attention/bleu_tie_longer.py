# %% [markdown] expect={"lose": ["test_compute_bleu_edge_cases"]}
# Wrong: equally close references resolved towards the longer one. Only the edge case of a tie
# shows it (the random corpora of test_compute_bleu_nltk have no ties since #16: a slip in the
# tie rule costs that rule's part, not the whole of BLEU).

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
        R += min((len(r) for r in refs), key=lambda k: (abs(k - len(hyp)), -k))
    if min(a[1:]) == 0:
        return 0.0
    return min(1.0, math.exp(1 - R / H)) * math.prod(a[n] / b[n] for n in range(1, 5)) ** 0.25
