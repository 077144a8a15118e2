"""Make conv_cases.npz: hidden test cases for A2 question 2a (autograder only).

Run from anywhere: ``python source/a2_dropout_cnn/hidden/make_cases.py``. Seeded, so the file
is the same on every run; tests/assignments/test_a2_dropout_cnn.py checks that the committed file matches
(floats within a tolerance). The expected outputs come from an explicit triple loop over the
seed's formula, independent of any vectorised code.
"""

from pathlib import Path

import numpy as np

SEED = 2222
SHAPES = [(4, 3, [4]), (5, 1, [2, 5]), (10, 4, [3, 2, 1]), (16, 6, [7, 4]), (8, 2, [8, 1, 3, 2])]


def reference(Z, W):
    T, D = Z.shape
    out = []
    for w in W:
        s = w.shape[0]
        B = np.zeros((T - s + 1, D))
        for t in range(T - s + 1):
            for j in range(D):
                B[t, j] = sum(w[k, j] * Z[t + k, j] for k in range(s))
        out.extend(B.max(axis=0))
    return np.array(out)


def cases(seed: int = SEED) -> dict[str, np.ndarray]:
    """name -> array, as saved in conv_cases.npz."""
    rng = np.random.default_rng(seed)
    arrays = {"n": np.array(len(SHAPES))}
    for i, (T, D, widths) in enumerate(SHAPES):
        Z = np.round(rng.normal(size=(T, D)) * 3, 2)
        W = [np.round(rng.normal(size=(s, D)), 2) for s in widths]
        arrays[f"Z{i}"] = Z
        arrays[f"nf{i}"] = np.array(len(W))
        for k, w in enumerate(W):
            arrays[f"W{i}_{k}"] = w
        arrays[f"out{i}"] = reference(Z, W)
    return arrays


def main() -> None:
    arrays = cases()
    out = Path(__file__).with_name("conv_cases.npz")
    with open(out, "wb") as f:
        np.savez(f, **arrays)


if __name__ == "__main__":
    main()
