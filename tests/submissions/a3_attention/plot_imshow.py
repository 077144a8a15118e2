# %% [markdown] expect={"lose": []}
# Right, another way: matplotlib's imshow with tick labels and a colour bar, no seaborn.

# %% replace="plot_attention"
def plot_attention(A, tokens):
    A = A.detach().numpy() if torch.is_tensor(A) else np.asarray(A)
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(A, cmap="magma")
    ax.set_xticks(range(len(tokens)), tokens, rotation=90)
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    fig.colorbar(im, ax=ax)
    return ax
