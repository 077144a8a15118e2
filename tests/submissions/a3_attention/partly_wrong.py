# %% [markdown] expect={"lose": ["test_apply_self_attention", "test_apply_self_attention_hidden", "test_apply_self_attention_large", "test_layer5_inputs_hidden", "test_layer5_attention"]}
# A typical partly wrong student (used by `make demo`): scales one head by sqrt(d_model), and
# takes layer 5's input from the embeddings (hidden_states[0]); the rest is right.

# %% replace="apply_self_attention"
def apply_self_attention(x, W_q, W_k, W_v, W_o):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    alpha = softmax(Q @ K.T / np.sqrt(x.shape[1]))
    return alpha @ V @ W_o


# %% replace="layer5_inputs"
sentence = "The quick brown fox jumps over the lazy dog"
inputs = tokenizer(sentence, return_tensors="pt")
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
with torch.no_grad():
    outputs = model(**inputs, output_hidden_states=True)
X = outputs.hidden_states[0][0]
