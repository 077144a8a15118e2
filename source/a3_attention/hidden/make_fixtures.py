"""Make the released fixtures of A3 questions 2 and 3 (x.npy, W_*.npy, y.npy, *_mh.npy).

Run from anywhere: ``python source/a3_attention/hidden/make_fixtures.py``. Seeded, so the files
are the same on every run (tests/assignments/test_a3_attention.py checks the committed ones). Shapes follow
seed 003: T = 32 tokens, d_model = 256, d_qkv = 32, 8 heads. The expected outputs y come from an
explicit loop over tokens in float64, independent of the notebook's vectorised solution.
"""

from pathlib import Path

import numpy as np

SEED = 3003
T, D_MODEL, D_QKV, N_HEADS = 32, 256, 32, 8
OUT = Path(__file__).resolve().parent.parent  # source/a3_attention/


def attention_loop(x, W_q, W_k, W_v):
    """out_i = sum_j softmax_j(q_i . k_j / sqrt(d_qkv)) v_j, one query token at a time."""
    d_qkv = W_q.shape[1]
    out = np.zeros((x.shape[0], W_v.shape[1]))
    for i in range(x.shape[0]):
        q = x[i] @ W_q  # (d_qkv,)
        scores = np.array([q @ (x[j] @ W_k) for j in range(x.shape[0])]) / np.sqrt(d_qkv)
        w = np.exp(scores - scores.max())
        w /= w.sum()
        out[i] = sum(w[j] * (x[j] @ W_v) for j in range(x.shape[0]))
    return out  # (T, d_v)


def fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    f32 = lambda a: a.astype(np.float32)  # noqa: E731
    x = f32(rng.normal(size=(T, D_MODEL)))
    # Weights of scale 1/sqrt(fan_in), the usual initialisation: attention logits of order 1-5.
    W = {n: f32(rng.normal(size=(D_MODEL, D_QKV)) * 2.0 / np.sqrt(D_MODEL)) for n in "qkv"}
    W_o = f32(rng.normal(size=(D_QKV, D_MODEL)) / np.sqrt(D_QKV))
    x64 = x.astype(np.float64)
    y = attention_loop(x64, *(W[n].astype(np.float64) for n in "qkv")) @ W_o.astype(np.float64)
    Wmh = {
        n: f32(rng.normal(size=(N_HEADS, D_MODEL, D_QKV)) * 2.0 / np.sqrt(D_MODEL)) for n in "qkv"
    }
    W_o_mh = f32(rng.normal(size=(N_HEADS * D_QKV, D_MODEL)) / np.sqrt(N_HEADS * D_QKV))
    heads = [
        attention_loop(x64, *(Wmh[n][h].astype(np.float64) for n in "qkv")) for h in range(N_HEADS)
    ]
    y_mh = np.concatenate(heads, axis=1) @ W_o_mh.astype(np.float64)  # heads in order
    return {
        "x": x,
        "W_q": W["q"],
        "W_k": W["k"],
        "W_v": W["v"],
        "W_o": W_o,
        "y": y,
        "W_q_mh": Wmh["q"],
        "W_k_mh": Wmh["k"],
        "W_v_mh": Wmh["v"],
        "W_o_mh": W_o_mh,
        "y_mh": y_mh,
    }


def main(out: Path = OUT) -> None:
    for name, arr in fixtures().items():
        np.save(out / f"{name}.npy", arr)
        print(f"{name}.npy {arr.shape} {arr.dtype}")


if __name__ == "__main__":
    main()
