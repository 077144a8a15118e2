# %% [markdown] expect={"lose": ["test_layer5_inputs_hidden", "test_layer5_attention"]}
# Wrong: X is layer 5's *output* (last_hidden_state, hidden_states[6]), not its input.

# %% replace="layer5_inputs"
sentence = "The quick brown fox jumps over the lazy dog"
inputs = tokenizer(sentence, return_tensors="pt")
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
with torch.no_grad():
    X = model(**inputs).last_hidden_state[0]
