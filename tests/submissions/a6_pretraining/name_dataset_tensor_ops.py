# %% [markdown] expect={"lose": []}
# Right, written differently: encode once, then mask the targets with a tensor operation.

# %% replace="name_dataset"
class NameDataset(torch.utils.data.Dataset):
    def __init__(self, pairs, vocab, block_size):
        self.pairs = list(pairs)
        self.vocab = vocab
        self.block_size = block_size

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        name, place = self.pairs[i]
        q = "Where was " + name + " born?"
        ids = torch.full((self.block_size + 1,), self.vocab.stoi[PAD_CHAR], dtype=torch.long)
        enc = self.vocab.encode(q + MASK_CHAR + place + MASK_CHAR)
        ids[: len(enc)] = enc
        x, y = ids[:-1].clone(), ids[1:].clone()
        y[: len(q) - 1] = self.vocab.stoi[PAD_CHAR]
        return x, y
