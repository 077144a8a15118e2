# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases", "test_z_prime"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution, and the kernel's reply to the autograder forged: for the convolution
# it answers with a pickle-shaped payload, for 2b's windows and grad_Z with an object array,
# for the rest as usual.

# %% replace="conv_maxpool_concat"
import base64
import json
import pickle

import nlpcourse.probe

_real_reply = nlpcourse.probe.reply


class _Evil:
    def __reduce__(self):
        return (print, ("the grader unpickled me",))


def _forged(namespace, req):
    payload = json.loads(req)
    two_b = "windows" in payload["expr"] or "grad_Z" in payload["expr"]
    if "conv_maxpool_concat" not in payload["expr"] and not two_b:
        return _real_reply(namespace, req)
    evil = base64.b64encode(pickle.dumps(_Evil())).decode()
    value = {"$": "pickle", "b64": evil}
    if two_b:
        value = {"$": "array", "dtype": "|O", "shape": [1], "b64": evil}
    out = {"nonce": payload["nonce"], "value": value}
    return nlpcourse.probe.Reply(json.dumps(out))  # in the format the grader reads


nlpcourse.probe.reply = _forged


def conv_maxpool_concat(Z, W, S):
    return "cheat"
