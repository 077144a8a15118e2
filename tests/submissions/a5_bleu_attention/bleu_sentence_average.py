# %% [markdown] expect={"lose": ["test_compute_bleu_nltk", "test_compute_bleu_edge_cases"]}
# Wrong: sentence-level BLEU averaged over the corpus instead of corpus-level sums.

# %% replace="compute_bleu"
def _sentence_bleu(refs, hyp):
    p = []
    for n in range(1, 5):
        a_n, b_n = get_ngram_counts(refs, hyp, n)
        p.append(a_n / b_n)
    if min(p) == 0:
        return 0.0
    r = min((len(x) for x in refs), key=lambda k: (abs(k - len(hyp)), k))
    return min(1.0, math.exp(1 - r / len(hyp))) * math.prod(p) ** 0.25


def compute_bleu(reference_lists, hypotheses):
    scores = [_sentence_bleu(r, h) for r, h in zip(reference_lists, hypotheses)]
    return sum(scores) / len(scores)
