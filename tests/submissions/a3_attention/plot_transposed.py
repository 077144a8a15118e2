# %% [markdown] expect={"lose": ["test_plot_attention_hidden"]}
# Wrong: draws A transposed (keys down the side), so a row no longer shows one token's weights.

# %% replace="plot_attention"
def plot_attention(A, tokens):
    A = A.detach().numpy() if torch.is_tensor(A) else np.asarray(A)
    fig, ax = plt.subplots()
    sns.heatmap(A.T, xticklabels=tokens, yticklabels=tokens, ax=ax)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    return ax
