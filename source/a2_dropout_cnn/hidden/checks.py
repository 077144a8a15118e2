"""a2_dropout_cnn's checks: they run in the grader, never in the student's kernel.

One function per autograded cell (see nlpcourse/course/verdicts.py and source/README.md, "Writing a
check"). Inputs come from ``rng`` (the course secret, the student, the cell); the references
here are independent of the solution: the closed form for dropout, torch's ``conv1d`` and an
explicit loop (make_cases.py) for the convolution.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from make_cases import reference as loop_reference

from nlpcourse.course.verdicts import Raised, check

HERE = Path(__file__).parent
NEW_RNG = "__import__('numpy').random.default_rng(seed)"
STACK = "__import__('numpy').stack"
# Tolerances, each stated in the notebook's text. The statistical bounds of 1c (6 standard
# deviations, variance ratios within (VAR_LO, VAR_HI)) fail a correct dropout with probability
# below 1e-8 per student. The convolution's tolerance lets float32 arithmetic pass.
VAR_LO, VAR_HI = 0.5, 2.0
CONV_TOL = {"rtol": 1e-5, "atol": 1e-6}
GRAD_ATOL = 1e-6


def _gamma(p):
    return 1.0 / (1.0 - p)


# --- 1b dropout_scale -------------------------------------------------------------------------


@check("test_dropout_scale", parts={"no_drop": 1, "half": 1, "refuses_one": 1})
def dropout_scale_visible(k, rng, r):
    """dropout_scale at 0 and 0.5, and p_drop = 1 refused (the visible cases)."""
    got = k.call("dropout_scale", 0.0)
    r.expect(
        got == 1.0,
        f"with p_drop = 0 nothing is dropped, so the scale must be 1.0; got {got!r}",
        "no_drop",
    )
    r.close(k.call("dropout_scale", 0.5), 2.0, "dropout_scale(0.5)", "half", atol=1e-12)
    raised = k.raises("dropout_scale", 1.0)
    r.expect(
        raised == "ValueError",
        f"dropout_scale(1.0) must raise ValueError, not {raised}",
        "refuses_one",
    )


@check("test_dropout_scale_hidden", parts={"values": 3, "errors": 2})
def dropout_scale_hidden(k, rng, r):
    """dropout_scale on other drop probabilities; ValueError for each bad one."""
    for p in [*rng.uniform(0.01, 0.99, size=5), 0.999]:
        got = k.call("dropout_scale", float(p))
        r.close(got, _gamma(p), f"dropout_scale({p:.4f})", "values", rtol=1e-9, atol=0)
    for bad in [-rng.uniform(0.01, 1), 1.0, 1 + rng.uniform(0.01, 5), 7]:
        raised = k.raises("dropout_scale", float(bad))
        r.expect(
            raised == "ValueError",
            f"dropout_scale({bad:.3g}) must raise ValueError (got {raised})",
            "errors",
        )


# --- 1c dropout --------------------------------------------------------------------------------


@check("test_dropout", parts={"type": 1, "scale": 2, "inference": 1})
def dropout_visible(k, rng, r):
    """The visible cases: shape, dtype, kept units' scale, inference mode."""
    a = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
    out = k.eval(f"dropout(a, 0.25, {NEW_RNG})", a=a, seed=0)
    if not isinstance(out, np.ndarray):
        r.fail(f"dropout must return a NumPy array, got {type(out).__name__}")
    r.expect(
        out.shape == a.shape and out.dtype == a.dtype,
        f"the output has shape {out.shape} and dtype {out.dtype}; the input's are "
        f"{a.shape} and {a.dtype}",
        "type",
    )
    kept = out != 0
    r.close(
        out[kept], a[kept] / 0.75, "the units that survive (scaled by 1/0.75)", "scale", rtol=1e-6
    )
    same = k.eval(f"dropout(a, 0.25, {NEW_RNG}, train=False)", a=a, seed=1)
    r.expect(
        isinstance(same, np.ndarray) and np.array_equal(same, a),
        "with train=False dropout must return the activations unchanged",
        "inference",
    )


@check(
    "test_dropout_hidden",
    parts={
        "drop_rate": 2,
        "kept_scale": 2,
        "expectation": 1,
        "inference": 1,
        "dtypes": 1,
        "errors": 1,
    },
)
def dropout_hidden(k, rng, r):
    """Drop rate (binomial bound) and independence (the spread of the dropped counts), kept
    units' scale, expectation of w.a', inference, dtypes and shapes, errors."""
    for p in [rng.uniform(0.1, 0.35), rng.uniform(0.6, 0.85)]:
        a = rng.uniform(0.5, 2.0, size=(200, 250))
        out = r.array(
            k.eval(f"dropout(a, p, {NEW_RNG})", a=a, p=p, seed=int(rng.integers(1 << 31))),
            f"dropout(a, {p:.3f})",
            shape=a.shape,
        )
        rate = float(np.mean(out == 0))
        tol = 6 * np.sqrt(p * (1 - p) / a.size)  # Binomial(n, p) / n: 6 standard deviations
        r.expect(
            abs(rate - p) < tol,
            f"p_drop={p:.3f}: your dropout zeroed a share {rate:.4f} of the units",
            "drop_rate",
        )
        # Independent entries: the dropped count of each row (250 units) and of each column
        # (200) is Binomial, so its variance is n p (1 - p); a fixed count per call, or masks
        # shared along an axis, are far off (a ratio of 0, or of 100 and more). The sample
        # variance of 200 counts over n p (1 - p) is about chi2(199) / 199: it leaves
        # (VAR_LO, VAR_HI) with probability 4e-10 below and 2e-15 above (fewer for 250, 800).
        dropped = out == 0
        for axis, n_units, what in [(1, a.shape[1], "row"), (0, a.shape[0], "column")]:
            ratio = dropped.sum(axis).var(ddof=1) / (n_units * p * (1 - p))
            r.expect(
                VAR_LO < ratio < VAR_HI,
                f"p_drop={p:.3f}: the number of units dropped per {what} varies "
                f"{ratio:.2f} times as much as independent draws per unit would: each unit "
                "must be dropped independently of the others",
                "drop_rate",
            )
        kept = out != 0
        r.close(
            out[kept],
            a[kept] * _gamma(p),
            f"p_drop={p:.3f}: the kept units",
            "kept_scale",
            rtol=1e-6,
        )
        # E[w . a'] = w . a: the mean over R draws has sd sqrt(p/(1-p) sum w^2 x^2 / R).
        w, x, R = rng.normal(size=100), rng.uniform(0.5, 2.0, size=100), 800
        # one (R, 100) array comes back, not R arrays: a fraction of the cost to send
        draws = r.array(
            k.eval(
                f"{STACK}([dropout(x, p, g) for g in [{NEW_RNG}] for _ in range(R)])",
                x=x,
                p=p,
                R=R,
                seed=int(rng.integers(1 << 31)),
            ),
            "repeated dropout",
            shape=(R, 100),
        )
        # ... and from one call to the next: a fixed number of drops per call is not dropout.
        counts = (draws == 0).sum(1)  # (R,)
        ratio = counts.var(ddof=1) / (x.size * p * (1 - p))
        r.expect(
            VAR_LO < ratio < VAR_HI,
            f"p_drop={p:.3f}: over {R} calls on {x.size} units the number of dropped units "
            f"varied {ratio:.2f} times as much as independent draws per unit would",
            "drop_rate",
        )
        zs = draws @ w
        sd = np.sqrt(p / (1 - p) * np.sum(w**2 * x**2) / R)
        r.expect(
            abs(zs.mean() - w @ x) < 6 * sd,
            f"p_drop={p:.3f}: over {R} draws the mean of w . dropout(x) was "
            f"{zs.mean():.3f}, off by more than 6 standard deviations: is the scale right?",
            "expectation",
        )
    a = rng.normal(size=(5, 7))
    same = k.eval(f"dropout(a, 0.9, {NEW_RNG}, train=False)", a=a, seed=3)
    r.expect(
        isinstance(same, np.ndarray) and np.array_equal(same, a),
        "with train=False (p_drop = 0.9) the activations must come back unchanged",
        "inference",
    )
    same = k.eval(f"dropout(a, 0.0, {NEW_RNG})", a=a, seed=4)
    r.expect(
        isinstance(same, np.ndarray) and np.array_equal(same, a),
        "with p_drop = 0 nothing may change in training either",
        "inference",
    )
    for dt, shape in [(np.float64, (10,)), (np.float32, (2, 3, 4))]:
        o = k.eval(f"dropout(a, 0.5, {NEW_RNG})", a=np.ones(shape, dtype=dt), seed=5)
        r.expect(
            isinstance(o, np.ndarray) and o.shape == shape and o.dtype == dt,
            f"for a {np.dtype(dt).name} input of shape {shape} the output had shape "
            f"{getattr(o, 'shape', None)} and dtype {getattr(o, 'dtype', type(o).__name__)}",
            "dtypes",
        )
    for bad in [-rng.uniform(0.01, 1), 1 + rng.uniform(0, 2)]:
        raised = k.eval_raises(f"dropout(a, p, {NEW_RNG})", a=a, p=float(bad), seed=6)
        r.expect(
            raised == "ValueError",
            f"dropout with p_drop={bad:.3g} must raise ValueError (got {raised})",
            "errors",
        )


# --- 2a conv_maxpool_concat --------------------------------------------------------------------

Z = np.array(
    [
        [1.3, 0.4, -0.2],
        [-3.1, 1.1, 2.1],
        [0.9, 2.8, -1.5],
        [1.3, 2.4, 0.1],
        [1.0, 1.0, 0.5],
        [3.0, -1.4, -0.2],
        [-0.7, 1.8, 1.3],
    ]
)  # the notebook's example, (T, D) = (7, 3)
W = [np.ones((2, 3)), 2 * np.ones((3, 3))]
S = [2, 3]


def torch_reference(Z, W):
    """Depthwise cross-correlation by torch, max over time, concatenated: (N_F * D,)."""
    x = torch.as_tensor(np.asarray(Z, dtype=np.float64)).T[None]  # (1, D, T)
    outs = []
    for w in W:
        k = torch.as_tensor(np.asarray(w, dtype=np.float64)).T[:, None, :]  # (D, 1, s)
        B = F.conv1d(x, k, groups=x.shape[1])  # (1, D, T - s + 1)
        outs.append(B[0].max(dim=1).values)  # (D,)
    return torch.cat(outs).numpy()


def conv(k, Z, W, S):
    return k.call("conv_maxpool_concat", Z, list(W), list(S))


@check("test_conv_maxpool_concat", parts={"shape": 1, "width_one": 1})
def conv_visible(k, rng, r):
    """The visible cases: a 1-D array of 6 numbers; width-1 filters of ones."""
    out = conv(k, Z, W, S)
    r.expect(
        isinstance(out, np.ndarray) and out.shape == (6,),
        f"two filters on D = 3 features give a 1-D array of 6 numbers; got "
        f"{type(out).__name__} of shape {getattr(out, 'shape', None)}",
        "shape",
    )
    r.close(
        conv(k, Z, [np.ones((1, 3))], [1]),
        Z.max(axis=0),
        "a width-1 filter of ones (must give the column maxima of Z: is the max over axis 0?)",
        "width_one",
        **CONV_TOL,
    )


@check("test_conv_vs_torch")
def conv_vs_torch(k, rng, r):
    """Random shapes and non-symmetric filters against torch's depthwise conv1d."""
    shapes = [(9, 3, [2, 3]), (12, 5, [4, 1, 3]), (20, 2, [5, 5]), (6, 8, [3, 2, 6])]
    shapes.append((int(rng.integers(8, 30)), int(rng.integers(1, 7)), [1, 4, 7]))
    for T, D, widths in shapes:
        Zr = rng.normal(size=(T, D))
        Wr = [rng.normal(size=(s, D)) for s in widths]
        want = torch_reference(Zr, Wr)
        r.close(conv(k, Zr, Wr, widths), want, f"T={T}, D={D}, widths {widths}", **CONV_TOL)


@check("test_conv_edge_cases", parts={"t_equals_s": 1, "one_feature_ints": 1, "fixed": 2})
def conv_edge_cases(k, rng, r):
    """T equal to the filter width, one integer feature, and the fixed hidden cases."""
    Zs = np.round(rng.normal(size=(3, 2)) * 3, 1)
    ws = np.round(rng.normal(size=(3, 2)), 1)
    r.close(
        conv(k, Zs, [ws], [3]),
        (ws * Zs).sum(axis=0),
        "T equal to the filter width",
        "t_equals_s",
        **CONV_TOL,
    )
    # Drawn again until a flipped filter (the commonest mistake) gives another answer: on
    # about 1 draw in 4 it gave the same max, and two students with that bug scored apart.
    while True:
        Zi = rng.integers(-5, 6, size=(5, 1))
        wi = rng.integers(-2, 3, size=(2, 1))
        if not np.array_equal(loop_reference(Zi, [wi[::-1]]), loop_reference(Zi, [wi])):
            break
    r.close(
        conv(k, Zi, [wi], [2]),
        loop_reference(Zi, [wi]),
        "one feature, integer arrays",
        "one_feature_ints",
        **CONV_TOL,
    )
    cases = np.load(HERE / "conv_cases.npz")
    for i in range(int(cases["n"])):
        Wc = [cases[f"W{i}_{j}"] for j in range(int(cases[f"nf{i}"]))]
        r.close(
            conv(k, cases[f"Z{i}"], Wc, [w.shape[0] for w in Wc]),
            cases[f"out{i}"],
            f"fixed hidden case {i}",
            "fixed",
            **CONV_TOL,
        )


# --- 2b windows, grad_Z ------------------------------------------------------------------------


def windows_reference(Z, W):
    """The 1-based start of the window max pooling keeps, per filter and feature, by an
    explicit loop over windows (first maximum on a tie; the example has none)."""
    out = []
    for w in W:
        s = w.shape[0]
        for j in range(Z.shape[1]):
            vals = [sum(w[i, j] * Z[t + i, j] for i in range(s)) for t in range(len(Z) - s + 1)]
            out.append(1 + max(range(len(vals)), key=vals.__getitem__))
    return np.array(out)


def grad_reference(Z, W):
    """d(sum of Z')/dZ by torch autograd through conv1d and max: (T, D)."""
    z = torch.tensor(Z, dtype=torch.float64, requires_grad=True)  # (T, D)
    outs = []
    for w in W:
        k = torch.as_tensor(w, dtype=torch.float64).T[:, None, :]  # (D, 1, s)
        B = F.conv1d(z.T[None], k, groups=z.shape[1])  # (1, D, T - s + 1)
        outs.append(B[0].amax(dim=1))  # (D,)
    torch.cat(outs).sum().backward()
    return z.grad.numpy()


@check("test_z_prime", parts={"windows": 3, "grad_rows": 2, "grad_values": 3})
def z_prime(k, rng, r):
    """windows (exact) and grad_Z (its non-zero pattern, then its values) for the example."""
    want_t = windows_reference(Z, W)
    if not k.defined("windows"):
        r.expect(False, "windows is not defined: run the cell that sets it", "windows")
    else:
        try:
            got = k.eval("[float(t) for t in windows]")
        except Raised as exc:
            got = f"not a list of numbers ({exc.type_name}: {exc.message[:80]})"
        if isinstance(got, str):
            r.expect(False, f"windows is {got}", "windows")
        elif not isinstance(got, list) or len(got) != want_t.size:
            size = len(got) if isinstance(got, list) else None
            r.expect(False, f"windows must hold {want_t.size} positions, got {size}", "windows")
        else:
            bad = [i for i, (g, t) in enumerate(zip(got, want_t, strict=True)) if g != t]
            n, j = divmod(bad[0], Z.shape[1]) if bad else (0, 0)
            r.expect(
                not bad,
                f"{len(bad)} of {want_t.size} window positions are not where B is largest "
                f"(first: windows[{n * Z.shape[1] + j}], filter {n + 1}, feature {j + 1}, "
                "counted from 1 as t in the formula)",
                "windows",
            )
    want_g = grad_reference(Z, W)
    if not k.defined("grad_Z"):
        msg = "grad_Z is not defined: run the cell that sets it"
        r.expect(False, msg, "grad_rows")
        r.expect(False, msg, "grad_values")
        return
    got = r.array(k.eval("grad_Z"), "grad_Z", shape=want_g.shape, part="grad_rows")
    rows = np.abs(got) > GRAD_ATOL
    wrong = int((rows != (want_g != 0)).sum())
    r.expect(
        wrong == 0,
        f"{wrong} entries of grad_Z are non-zero where no gradient reaches Z, or zero where "
        "one does: only the rows of the window max pooling keeps get a gradient",
        "grad_rows",
    )
    r.expect(
        wrong == 0, "the values cannot be right where the non-zero pattern is not", "grad_values"
    )
    r.close(got, want_g, "grad_Z", "grad_values", rtol=0, atol=GRAD_ATOL)
