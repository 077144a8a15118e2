# %% [markdown] expect={"lose": []}
# Right, another way: 2b by torch autograd (float32) through conv1d and max, windows from
# the max's indices as a NumPy array.

# %% replace="z_prime"
import torch

z = torch.tensor(Z, dtype=torch.float32, requires_grad=True)  # (T, D)
outs, idx = [], []
for w in W:
    k = torch.tensor(w, dtype=torch.float32).T.unsqueeze(1)  # (D, 1, s)
    m = torch.nn.functional.conv1d(z.T.unsqueeze(0), k, groups=3)[0].max(dim=1)
    outs.append(m.values)  # (D,)
    idx.append(m.indices + 1)  # (D,)
torch.cat(outs).sum().backward()
windows = torch.cat(idx).numpy()
grad_Z = z.grad.numpy()
print(windows, grad_Z)
