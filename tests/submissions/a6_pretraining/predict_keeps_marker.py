# %% [markdown] expect={"lose": ["test_predict_place", "test_predict_place_hidden"]}
# Wrong: returns the generated text with the closing ⁇ (and whatever follows).

# %% replace="predict_place"
def predict_place(model, vocab, name, device):
    prompt = f"Where was {name} born?" + MASK_CHAR
    x = vocab.encode(prompt)[None, :].to(device)
    out = gpt.generate(model, x, model.block_size - x.shape[1], stop_id=vocab.stoi[MASK_CHAR])
    return vocab.decode(out[0, x.shape[1] :])
