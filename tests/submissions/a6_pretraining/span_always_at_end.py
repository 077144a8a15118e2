# %% [markdown] expect={"lose": ["test_span_corruption_statistics"]}
# Wrong: the masked span is always the end of the truncated text (empty suffix).

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    m = rng.randint(1, max(1, len(t) // 2 - 1))
    start = len(t) - m
    s = t[:start] + MASK_CHAR + t[start + m :] + MASK_CHAR + t[start : start + m]
    return s + PAD_CHAR * (block_size + 1 - len(s))
