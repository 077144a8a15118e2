"""The data format between a student's kernel and the grader: JSON, arrays as raw bytes.

The kernel (:mod:`nlpcourse.probe`) turns what a student's function returned into plain JSON;
the grader (:mod:`nlpcourse.course.verdicts`) turns it back. Only these travel: ``None``, ``bool``,
``int``, ``float``, ``str``, lists, and tagged objects:

- ``{"$": "array", "dtype": "<f8", "shape": [2, 3], "b64": ...}`` a NumPy array (a NumPy scalar
  has shape ``[]``), ``"torch": true`` when it was a torch tensor; only numeric and bool dtypes;
- ``{"$": "tuple", "items": [...]}`` and ``{"$": "dict", "items": [[key, value], ...]}``;
- ``{"$": "object", "type": "module.Class", "repr": "..."}`` anything else, as a description.

Decoding never unpickles, never evaluates, never imports: a reply that does not follow the
format is refused with :class:`Malformed`, whatever the kernel put in it.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

MAX_REPLY_CHARS = 64_000_000  # ~48 MB of array data: a reply larger than this is refused
MAX_DEPTH = 40
DTYPE_KINDS = "biufc"  # bool, int, unsigned, float, complex: never object, str or void


class Malformed(ValueError):
    """A reply that does not follow the wire format (forged, truncated or too large)."""


class TorchArray(np.ndarray):
    """A NumPy array that was a torch tensor in the kernel (``isinstance(x, TorchArray)``)."""


class Opaque:
    """A value the format cannot carry (a model, a function, ...): its type name and repr."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


# --- kernel side -----------------------------------------------------------------------------


def _array(a: np.ndarray, torch: bool = False) -> dict:
    a = np.asarray(a, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
    if a.dtype.kind not in DTYPE_KINDS:
        return {"$": "object", "type": f"numpy.ndarray[{a.dtype}]", "repr": repr(a)[:300]}
    out = {
        "$": "array",
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "b64": base64.b64encode(a.tobytes()).decode("ascii"),
    }
    if torch:
        out["torch"] = True
    return out


def encode(obj, depth: int = 0):
    """``obj`` as JSON-ready data (see the module docstring)."""
    if depth > MAX_DEPTH:
        return {"$": "object", "type": "too-deep", "repr": ""}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj if abs(obj) < 2**62 else float(obj)
    if isinstance(obj, float):
        return obj
    if isinstance(obj, (np.ndarray, np.generic)):
        return _array(np.asarray(obj))
    mod = type(obj).__module__ or ""
    if mod.startswith("torch") and hasattr(obj, "detach") and hasattr(obj, "numpy"):
        t = obj.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        return _array(t.numpy(), torch=True)
    if isinstance(obj, list):
        return [encode(x, depth + 1) for x in obj]
    if isinstance(obj, tuple):
        return {"$": "tuple", "items": [encode(x, depth + 1) for x in obj]}
    if isinstance(obj, dict):
        items = [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in obj.items()]
        return {"$": "dict", "items": items}
    try:
        text = repr(obj)[:300]
    except Exception:  # noqa: BLE001 - a broken __repr__ is the student's
        text = "?"
    return {"$": "object", "type": f"{mod}.{type(obj).__qualname__}", "repr": text}


def dumps(obj) -> str:
    return json.dumps(obj, allow_nan=True)


# --- grader side -----------------------------------------------------------------------------


def _decode_array(d: dict):
    try:
        dtype = np.dtype(str(d["dtype"]))
        shape = tuple(int(n) for n in d["shape"])
        raw = base64.b64decode(str(d["b64"]), validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise Malformed(f"bad array ({exc})") from None
    if dtype.kind not in DTYPE_KINDS or dtype.hasobject or any(n < 0 for n in shape):
        raise Malformed(f"array of dtype {dtype} is not allowed")
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise Malformed("array bytes do not match its shape")
    a = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if d.get("torch") is True:
        a = a.view(TorchArray)
    return a[()] if shape == () and not d.get("torch") else a


def decode(data, depth: int = 0):
    """The value :func:`encode` made, from parsed JSON; :class:`Malformed` if it is not one."""
    if depth > MAX_DEPTH + 2:
        raise Malformed("nested too deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(x, depth + 1) for x in data]
    if not isinstance(data, dict):
        raise Malformed(f"unexpected {type(data).__name__}")
    tag = data.get("$")
    if tag == "array":
        return _decode_array(data)
    items = data.get("items")
    if tag == "tuple" and isinstance(items, list):
        return tuple(decode(x, depth + 1) for x in items)
    if tag == "dict" and isinstance(items, list):
        out = {}
        for pair in items:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise Malformed("bad dict item")
            key = decode(pair[0], depth + 1)
            try:
                out[key] = decode(pair[1], depth + 1)
            except TypeError:
                raise Malformed("unhashable dict key") from None
        return out
    if tag == "object":
        return Opaque(str(data.get("type", "?"))[:200], str(data.get("repr", ""))[:300])
    raise Malformed(f"unknown tag {tag!r}")


def parse(text: str):
    """Plain JSON of bounded size (an envelope, not yet decoded); :class:`Malformed` if not."""
    if not isinstance(text, str) or len(text) > MAX_REPLY_CHARS:
        raise Malformed("reply too large or not text")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise Malformed(f"not JSON ({type(exc).__name__})") from None


def loads(text: str):
    """Parse and decode one value; :class:`Malformed` if it is not valid wire JSON."""
    try:
        return decode(parse(text))
    except RecursionError:
        raise Malformed("nested too deep") from None
