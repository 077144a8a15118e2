# %% [markdown] expect={"lose": []}
# Right, another way: torch.nn.functional.dropout on a tensor (ignores rng, uses torch's
# generator). Full points.

# %% replace="dropout"
import torch


def dropout(a, p_drop, rng, train=True):
    dropout_scale(p_drop)  # the ValueError for bad p_drop
    t = torch.from_numpy(np.ascontiguousarray(a))
    return torch.nn.functional.dropout(t, p=p_drop, training=train).numpy()
