# %% [markdown] expect={"lose": ["test_span_corruption", "test_span_corruption_hidden"]}
# Wrong: no padding, the string is as long as the truncated document plus two markers.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    m = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - m)
    return t[:start] + MASK_CHAR + t[start + m :] + MASK_CHAR + t[start : start + m]
