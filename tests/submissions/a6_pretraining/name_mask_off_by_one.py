# %% [markdown] expect={"lose": ["test_name_dataset", "test_name_dataset_hidden", "test_finetune_hidden"]}
# Wrong: len(q) PADs instead of len(q) - 1, so the first ⁇ is never learnt and the targets
# are shifted.

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
        q = f"Where was {name} born?"
        s = q + MASK_CHAR + place + MASK_CHAR
        s = s + PAD_CHAR * (self.block_size + 1 - len(s))
        y = PAD_CHAR * len(q) + s[len(q) : -1]
        return self.vocab.encode(s[:-1]), self.vocab.encode(y)
