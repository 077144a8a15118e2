"""What runs in the student's kernel when the autograder asks it for data.

Under autograde the grader (:mod:`nlpcourse.course.verdicts`) sends, after a graded cell ran, a
request: an expression (``dropout_scale(p)``) and its inputs. The kernel evaluates it in the
notebook's namespace with :func:`reply` and hands back the value in the wire format
(:mod:`nlpcourse.wire`), or the type and message of the exception it raised. The request
travels as JSON text in a string literal, the reply as the ``repr`` of a :class:`Reply`, which
is the JSON itself: the arrays inside are base64 once, never encoded again. Nothing here
decides anything: no expected value, reference or tolerance ever reaches the kernel. Code in
the notebook can change what this module returns, and gains nothing by it: the grader only
ever learns what the student's code produced.
"""

from __future__ import annotations

import json

from nlpcourse import wire


def request(nonce: str, expr: str, args: dict) -> str:
    """The request as wire JSON text (written into an expression as a string literal)."""
    inputs = {k: wire.encode(v) for k, v in args.items()}
    return wire.dumps({"nonce": nonce, "expr": expr, "args": inputs})


class Reply:
    """The outcome as wire JSON text; its ``repr`` is that text, so the kernel's text/plain
    answer to the grader is the JSON as it is, not a quoted and escaped string."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def reply(namespace: dict, req: str) -> Reply:
    """Evaluate the request's expression in ``namespace`` (the notebook's globals) with its
    inputs bound; the outcome as a :class:`Reply`."""
    payload = json.loads(req)
    env = dict(namespace)
    env.update({k: wire.decode(v) for k, v in payload["args"].items()})
    out: dict = {"nonce": payload["nonce"]}
    try:
        out["value"] = wire.encode(eval(payload["expr"], env))  # noqa: S307 - the kernel's own
    except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt are answers too
        if isinstance(exc, KeyboardInterrupt):
            raise
        out["raised"] = {"type": type(exc).__name__, "message": str(exc)[:1000]}
    return Reply(wire.dumps(out))


def axes_data(fig=None) -> list[dict]:
    """What a matplotlib figure shows, as data: per Axes its title, axis labels, tick labels,
    images (arrays), lines (x, y) and texts. ``fig`` defaults to the current figure."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig = fig if fig is not None else plt.gcf()
    out = []
    for ax in fig.get_axes():
        out.append(
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "xticklabels": [t.get_text() for t in ax.get_xticklabels()],
                "yticklabels": [t.get_text() for t in ax.get_yticklabels()],
                "images": [np.asarray(im.get_array(), dtype=float) for im in ax.get_images()],
                "meshes": [
                    np.asarray(m.get_array(), dtype=float)
                    for m in ax.collections
                    if m.get_array() is not None
                ],
                "lines": [
                    (np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float))
                    for ln in ax.get_lines()
                ],
                "texts": [t.get_text() for t in ax.texts],
            }
        )
    return out
