# %% [markdown] expect={"lose": []}
# Right, another way: torch's depthwise conv1d and amax, converted back to NumPy.

# %% replace="conv_maxpool_concat"
import torch


def conv_maxpool_concat(Z, W, S):
    x = torch.tensor(np.asarray(Z, dtype=float)).T.unsqueeze(0)  # (1, D, T)
    outs = []
    for w in W:
        k = torch.tensor(np.asarray(w, dtype=float)).T.unsqueeze(1)  # (D, 1, s)
        outs.append(torch.nn.functional.conv1d(x, k, groups=x.shape[1])[0].amax(dim=1))
    return torch.cat(outs).numpy()
