# %% [markdown] expect={"lose": ["test_predict_place", "test_predict_place_hidden"]}
# Wrong: the prompt lacks the ⁇ after the question, so the model is not asked to answer.

# %% replace="predict_place"
def predict_place(model, vocab, name, device):
    prompt = f"Where was {name} born?"
    x = vocab.encode(prompt)[None, :].to(device)
    out = gpt.generate(model, x, model.block_size - x.shape[1], stop_id=vocab.stoi[MASK_CHAR])
    return vocab.decode(out[0, x.shape[1] :]).split(MASK_CHAR)[0]
