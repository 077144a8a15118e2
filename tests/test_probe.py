"""nlpcourse.probe: the kernel side evaluates a request in a namespace and answers as data."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nlpcourse import probe, wire  # noqa: E402


def answer(ns, expr, **args):
    out = json.loads(repr(probe.reply(ns, probe.request("n1", expr, args))))
    assert out["nonce"] == "n1"
    return out


def test_reply_evaluates_in_the_namespace_with_inputs_bound():
    ns = {"double": lambda x: 2 * x}
    out = answer(ns, "double(a)", a=np.arange(3.0))
    assert np.array_equal(wire.decode(out["value"]), [0.0, 2.0, 4.0])
    assert "a" not in ns, "inputs must not leak into the notebook's namespace"


def test_exceptions_come_back_as_type_and_message():
    def bad(p):
        raise ValueError(f"bad p {p}")

    out = answer({"bad": bad}, "bad(1.5)")
    assert out["raised"] == {"type": "ValueError", "message": "bad p 1.5"}
    assert answer({}, "sys.exit(3)")["raised"]["type"] == "NameError"


def test_axes_data_reads_a_figure():
    fig, ax = plt.subplots()
    ax.imshow(np.eye(3))
    ax.set_title("attention")
    ax.set_xticks(range(3), ["a", "b", "c"])
    ax.plot([0, 1], [2, 3])
    data = wire.loads(wire.dumps(wire.encode(probe.axes_data(fig))))
    assert data[0]["title"] == "attention" and data[0]["xticklabels"] == ["a", "b", "c"]
    assert np.array_equal(data[0]["images"][0], np.eye(3))
    assert np.array_equal(data[0]["lines"][0][1], [2, 3])
    plt.close(fig)
