# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution; a custom exception handler swallows every error and the traceback
# display is replaced, so no failing test cell shows an error.

# %% replace="conv_maxpool_concat"
_ip = get_ipython()
_ip.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
_ip.showtraceback = lambda *a, **k: None
_ip.showsyntaxerror = lambda *a, **k: None


def conv_maxpool_concat(Z, W, S):
    return "cheat"
