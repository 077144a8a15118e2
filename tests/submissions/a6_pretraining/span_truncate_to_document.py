# %% [markdown] expect={"lose": ["test_span_corruption_statistics"]}
# Wrong (seen in public solutions): the truncation length is drawn from [4, min(len(document),
# 7/8 block_size)] instead of [4, 7/8 block_size], so a short document is kept whole far too
# rarely. Identical to the rule on long documents: only a short document shows it.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    t = document[: rng.randint(4, min(len(document), int(block_size * 7 / 8)))]
    n_masked = rng.randint(1, max(1, len(t) // 2 - 1))
    start = rng.randint(0, len(t) - n_masked)
    s = t[:start] + MASK_CHAR + t[start + n_masked :] + MASK_CHAR + t[start : start + n_masked]
    return s + PAD_CHAR * (block_size + 1 - len(s))
