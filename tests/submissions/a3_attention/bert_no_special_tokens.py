# %% [markdown] expect={"lose": ["test_layer5_inputs", "test_layer5_inputs_hidden", "test_layer5_attention"]}
# Wrong: tokenized without [CLS] and [SEP] (add_special_tokens=False).

# %% replace="layer5_inputs"
sentence = "The quick brown fox jumps over the lazy dog"
inputs = tokenizer(sentence, return_tensors="pt", add_special_tokens=False)
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
with torch.no_grad():
    outputs = model(**inputs, output_hidden_states=True)
X = outputs.hidden_states[5][0]
