# %% [markdown] expect={"lose": []} isolation={"victim": "reference", "control": "dropout_scale", "trigger": ""}
# Right answers, then library functions monkeypatched: `np.concatenate`, `np.einsum` (both
# used by the reference convolution) off by one, `np.allclose` always true, and torch's
# `conv1d` and numpy's `default_rng` replaced.

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])

# --- poison ---
import torch


def _iso_off_by_one(f):
    def patched(*args, **kwargs):
        return f(*args, **kwargs) + 1.0

    return patched


np.concatenate = _iso_off_by_one(np.concatenate)
np.einsum = _iso_off_by_one(np.einsum)
np.allclose = lambda *a, **k: True
torch.nn.functional.conv1d = _iso_off_by_one(torch.nn.functional.conv1d)
np.random.default_rng = lambda seed=None, _f=np.random.default_rng: _f(0)
