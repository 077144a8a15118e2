# %% [markdown] expect={"lose": ["test_span_corruption", "test_span_corruption_hidden", "test_span_corruption_statistics"]}
# Wrong: ⁇ prefix suffix ⁇ masked, the first marker at the start instead of the span's place.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    m = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - m)
    s = MASK_CHAR + t[:start] + t[start + m :] + MASK_CHAR + t[start : start + m]
    return s + PAD_CHAR * (block_size + 1 - len(s))
