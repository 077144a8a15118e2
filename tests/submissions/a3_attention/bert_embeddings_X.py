# %% [markdown] expect={"lose": ["test_layer5_inputs_hidden", "test_layer5_attention"]}
# Wrong: X taken from the embeddings (hidden_states[0]) instead of layer 5's input.

# %% replace="layer5_inputs"
sentence = "The quick brown fox jumps over the lazy dog"
inputs = tokenizer(sentence, return_tensors="pt")
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
with torch.no_grad():
    outputs = model(**inputs, output_hidden_states=True)
X = outputs.hidden_states[0][0]
