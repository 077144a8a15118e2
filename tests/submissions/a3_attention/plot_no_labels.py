# %% [markdown] expect={"lose": ["test_plot_attention", "test_plot_attention_hidden"]}
# Wrong: a heatmap without the tokens on the axes (seaborn's default numeric ticks).

# %% replace="plot_attention"
def plot_attention(A, tokens):
    A = A.detach().numpy() if torch.is_tensor(A) else np.asarray(A)
    fig, ax = plt.subplots()
    sns.heatmap(A, ax=ax)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    return ax
