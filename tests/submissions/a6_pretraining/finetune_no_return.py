# %% [markdown] expect={"lose": ["test_finetune", "test_finetune_hidden"]}
# Wrong: trains but returns nothing.

# %% replace="finetune"
def finetune(model, pairs, vocab, settings):
    dataset = NameDataset(pairs, vocab, model.block_size)
    gpt.Trainer(model, dataset, gpt.TrainerConfig(**settings)).train()
