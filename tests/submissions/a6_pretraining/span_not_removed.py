# %% [markdown] expect={"lose": ["test_span_corruption", "test_span_corruption_hidden", "test_span_corruption_statistics"]}
# Wrong: the masked span is copied to the end but also left in its place.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    m = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - m)
    prefix, masked, suffix = t[:start], t[start : start + m], t[start + m :]
    s = prefix + MASK_CHAR + masked + suffix + MASK_CHAR + masked
    return (s + PAD_CHAR * (block_size + 1 - len(s)))[: block_size + 1]
