# %% [markdown] expect={"lose": []}
# Right, written differently: an explicit greedy loop instead of gpt.generate.

# %% replace="predict_place"
def predict_place(model, vocab, name, device):
    ids = vocab.encode(f"Where was {name} born?" + MASK_CHAR).tolist()
    answer = ""
    model.eval()
    with torch.no_grad():
        while len(ids) < model.block_size:
            logits, _ = model(torch.tensor([ids], device=device))
            nxt = int(logits[0, -1].argmax())
            if vocab.itos[nxt] == MASK_CHAR:
                break
            answer += vocab.itos[nxt]
            ids.append(nxt)
    return answer
