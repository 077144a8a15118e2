# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution; sys.settrace and sys.setprofile hooks that turn every AssertionError
# raised in a test cell into a harmless return (stock nbgrader would see no error).

# %% replace="conv_maxpool_concat"
import sys


def _tracer(frame, event, arg):
    if event == "exception" and arg and arg[0] is AssertionError:
        frame.f_globals["_cheat_seen"] = frame.f_globals.get("_cheat_seen", 0) + 1
    return _tracer


sys.settrace(_tracer)
sys.setprofile(lambda frame, event, arg: None)


def conv_maxpool_concat(Z, W, S):
    return "cheat"
