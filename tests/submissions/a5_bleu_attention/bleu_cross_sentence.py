# %% [markdown] expect={"lose": ["test_compute_bleu", "test_compute_bleu_nltk", "test_compute_bleu_edge_cases"]}
# Wrong: the corpus glued into one long hypothesis and one long reference per reference
# index, so n-grams cross sentence boundaries.

# %% replace="compute_bleu"
def compute_bleu(reference_lists, hypotheses):
    hyp = [t for h in hypotheses for t in h]
    ref = []
    for refs, h in zip(reference_lists, hypotheses):
        ref += min(refs, key=lambda r: (abs(len(r) - len(h)), len(r)))
    p = []
    for n in range(1, 5):
        a_n, b_n = get_ngram_counts([ref], hyp, n)
        p.append(a_n / b_n)
    if min(p) == 0:
        return 0.0
    return min(1.0, math.exp(1 - len(ref) / len(hyp))) * math.prod(p) ** 0.25
