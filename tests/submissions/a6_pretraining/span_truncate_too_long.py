# %% [markdown] expect={"lose": ["test_span_corruption", "test_span_corruption_hidden", "test_span_corruption_statistics"]}
# Wrong: truncation up to block_size - 1 characters instead of 7/8 of the block size.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, block_size - 1)]
    m = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - m)
    s = t[:start] + MASK_CHAR + t[start + m :] + MASK_CHAR + t[start : start + m]
    return s + PAD_CHAR * (block_size + 1 - len(s))
