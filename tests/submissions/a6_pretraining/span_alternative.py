# %% [markdown] expect={"lose": []}
# Right, written differently: masked length from rng.random() (mean about a quarter), start
# from rng.randrange, padding with str.ljust.

# %% replace="span_corruption"
def span_corruption(document, block_size, rng):
    length = rng.randint(4, int(block_size * 7 / 8))
    text = document[:length]
    span = max(1, round(rng.random() * len(text) / 2))
    start = rng.randrange(len(text) - span + 1)
    out = f"{text[:start]}{MASK_CHAR}{text[start + span :]}{MASK_CHAR}{text[start : start + span]}"
    return out.ljust(block_size + 1, PAD_CHAR)
