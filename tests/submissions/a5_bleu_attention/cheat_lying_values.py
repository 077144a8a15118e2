# %% [markdown] expect={"lose": ["test_get_ngram_counts", "test_get_ngram_counts_hidden", "test_compute_bleu_nltk"], "no_better_than": "bleu_unclipped"}
# Cheat: bleu_unclipped's unclipped counts, returned as ints that claim to equal anything (==,
# - and abs all say "equal"), with math.isclose patched to agree. A check in the kernel passes;
# the grader only gets the numbers, and scores it no better than the plain wrong answer.

# %% replace="get_ngram_counts"
import math


class AnyInt(int):
    __hash__ = int.__hash__

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return 0

    __rsub__ = __sub__


math.isclose = lambda *args, **kwargs: True


def ngrams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def get_ngram_counts(refs, hyp, n):
    hyp_ngrams = ngrams(hyp, n)
    b_n = max(1, len(hyp_ngrams))
    seen = {g for r in refs for g in ngrams(r, n)}
    a_n = sum(1 for g in hyp_ngrams if g in seen)
    return AnyInt(a_n), AnyInt(b_n)
