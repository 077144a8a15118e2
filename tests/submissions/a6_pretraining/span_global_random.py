# %% [markdown] expect={"lose": ["test_span_corruption_hidden"]}
# Wrong: draws from the global `random` module instead of `rng`, so a seed does not reproduce it.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: random.randint(4, int(block_size * 7 / 8))]
    m = random.randint(1, max(1, len(t) // 2 - 1))
    start = random.randint(0, len(t) - m)
    s = t[:start] + MASK_CHAR + t[start + m :] + MASK_CHAR + t[start : start + m]
    return s + PAD_CHAR * (block_size + 1 - len(s))
