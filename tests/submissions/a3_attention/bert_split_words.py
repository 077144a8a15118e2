# %% [markdown] expect={"lose": ["test_layer5_inputs", "test_layer5_inputs_hidden", "test_layer5_attention"]}
# Wrong: not tokenized as the model was trained: str.split() words looked up one by one
# (capitalised "The" becomes [UNK]), with [CLS]/[SEP] added by hand.

# %% replace="layer5_inputs"
sentence = "The quick brown fox jumps over the lazy dog"
tokens = ["[CLS]", *sentence.split(), "[SEP]"]
ids = torch.tensor([tokenizer.convert_tokens_to_ids(tokens)])
with torch.no_grad():
    outputs = model(input_ids=ids, output_hidden_states=True)
X = outputs.hidden_states[5][0]
