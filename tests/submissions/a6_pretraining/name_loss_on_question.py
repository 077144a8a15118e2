# %% [markdown] expect={"lose": ["test_name_dataset", "test_name_dataset_hidden", "test_finetune_hidden"]}
# Wrong: the targets are simply s[1:], so the loss also counts the question's characters.

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
        s = f"Where was {name} born?" + MASK_CHAR + place + MASK_CHAR
        s = s + PAD_CHAR * (self.block_size + 1 - len(s))
        return self.vocab.encode(s[:-1]), self.vocab.encode(s[1:])
