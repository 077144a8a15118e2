# %% [markdown] expect={"lose": ["test_span_corruption_statistics"]}
# Wrong (seen in public solutions): the masked span is always centred in the text, so its start
# is not random. Its mean start is what a uniform start gives: only the start's spread shows it.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, int(block_size * 7 / 8))]
    n_masked = rng.randint(1, max(1, len(t) // 2 - 1))
    start = (len(t) - n_masked) // 2
    s = t[:start] + MASK_CHAR + t[start + n_masked :] + MASK_CHAR + t[start : start + n_masked]
    return s + PAD_CHAR * (block_size + 1 - len(s))
