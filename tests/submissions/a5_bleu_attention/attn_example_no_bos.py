# %% [markdown] expect={"lose": ["test_attention_example"]}
# Wrong: the decoder input lacks <bos>, so every step is shifted by one.

# %% replace="attention_example"
def attention_example(model, vocab, sentence, step):
    src = vocab.encode(sentence)
    weights = model.attention_weights(src, src)
    return [(tok, float(w)) for tok, w in zip(sentence, weights[step])]
