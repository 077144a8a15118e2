"""nlpcourse.wire: what the kernel sends decodes to the same data, and nothing else decodes."""

import base64
import json
import pickle

import numpy as np
import pytest
import torch

from nlpcourse import wire


def roundtrip(obj):
    return wire.loads(wire.dumps(wire.encode(obj)))


def test_plain_values_and_containers_round_trip():
    obj = {"a": [1, 2.5, None, True, "x"], 3: (1, (2, 3)), "nan": float("nan")}
    got = roundtrip(obj)
    assert got["a"] == [1, 2.5, None, True, "x"]
    assert got[3] == (1, (2, 3)) and isinstance(got[3], tuple)
    assert np.isnan(got["nan"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, bool, complex])
def test_arrays_keep_dtype_shape_and_values(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    got = roundtrip(a)
    assert got.dtype == a.dtype and got.shape == a.shape and np.array_equal(got, a)
    assert not isinstance(got, wire.TorchArray)


def test_numpy_scalar_and_torch_tensor():
    s = roundtrip(np.float32(1.5))
    assert s == 1.5 and isinstance(s, np.float32)
    t = roundtrip(torch.arange(6.0, requires_grad=True).reshape(2, 3))
    assert isinstance(t, wire.TorchArray) and t.shape == (2, 3) and t[1, 2] == 5.0


def test_other_objects_travel_as_descriptions_only():
    got = roundtrip(torch.nn.Linear(2, 3))
    assert isinstance(got, wire.Opaque) and "Linear" in got.type_name
    obj = roundtrip(np.array([object()], dtype=object))
    assert isinstance(obj, wire.Opaque)


class Evil:
    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled')",))


@pytest.mark.parametrize(
    "payload",
    [
        {"$": "pickle", "b64": base64.b64encode(pickle.dumps(Evil())).decode()},
        {"$": "array", "dtype": "|O", "shape": [1], "b64": base64.b64encode(b"x" * 8).decode()},
        {"$": "array", "dtype": "<f8", "shape": [3], "b64": base64.b64encode(b"x" * 8).decode()},
        {"$": "array", "dtype": "<f8", "shape": [-1], "b64": ""},
        {"$": "array", "dtype": "V8", "shape": [1], "b64": base64.b64encode(b"x" * 8).decode()},
        {"$": "dict", "items": [[[1], 2]]},
        {"$": "dict", "items": "nope"},
        {"no tag": 1},
    ],
)
def test_forged_payloads_are_refused(payload):
    with pytest.raises(wire.Malformed):
        wire.loads(json.dumps(payload))


def test_size_and_depth_limits():
    with pytest.raises(wire.Malformed):
        wire.loads("[" * 100 + "]" * 100)
    with pytest.raises(wire.Malformed):
        wire.loads("not json")
