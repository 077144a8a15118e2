# %% [markdown] expect={"lose": []}
# Right, another way: a loop over heads slicing 64 features each, reusing single_head_attention
# (whose scale sqrt(D_q) is then sqrt(d_head)), stacked with torch.stack.

# %% replace="split_heads_attention"
def split_heads_attention(X, W_q, b_q, W_k, b_k, n_heads):
    d = W_q.shape[0] // n_heads
    heads = []
    for h in range(n_heads):
        s = slice(h * d, (h + 1) * d)
        A_h, _ = single_head_attention(X, W_q[s], b_q[s], W_k[s], b_k[s], W_q[s], b_q[s])
        heads.append(torch.as_tensor(np.asarray(A_h)))
    return torch.stack(heads)
