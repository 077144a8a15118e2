# %% [markdown] expect={"lose": ["test_copy_query", "test_copy_query_hidden", "test_span_corruption", "test_span_corruption_hidden", "test_span_corruption_statistics", "test_evaluate_places", "test_evaluate_places_hidden"]}
# A typical partly wrong student (used by `make demo`): the query is not scaled by beta, the
# masked span sits between the two markers, and places are compared case-sensitively.

# %% replace="copy_query"
def copy_query(keys, j, beta):
    return keys[j]


# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    m = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - m)
    s = t[:start] + MASK_CHAR + t[start : start + m] + MASK_CHAR + t[start + m :]
    return s + PAD_CHAR * (block_size + 1 - len(s))


# %% replace="evaluate_places"
def evaluate_places(true_places, predicted_places):
    if len(true_places) != len(predicted_places):
        raise ValueError("lengths differ")
    return len(true_places), sum(t == p for t, p in zip(true_places, predicted_places))
