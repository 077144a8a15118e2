# %% [markdown] expect={"lose": ["test_predict_place", "test_predict_place_hidden"], "no_better_than": "predict_keeps_marker"}
# Cheat: predict_keeps_marker's wrong prediction (the closing marker kept), returned as a str
# that claims to equal any string (==, startswith, strip and casefold all agree). A check in
# the kernel (`assert predict_place(...) == "Oslo"`) passes; the grader only gets the text, and
# scores it no better than the plain wrong answer.

# %% replace="predict_place"
class AnyStr(str):
    __hash__ = str.__hash__

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def startswith(self, *args):
        return True

    def strip(self, *args):
        return self

    def casefold(self):
        return self

    lower = casefold


def predict_place(model, vocab, name, device):
    prompt = f"Where was {name} born?" + MASK_CHAR
    x = vocab.encode(prompt)[None, :].to(device)
    out = gpt.generate(model, x, model.block_size - x.shape[1], stop_id=vocab.stoi[MASK_CHAR])
    return AnyStr(vocab.decode(out[0, x.shape[1] :]))
