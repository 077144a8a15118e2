# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases"]} hostile={"zero": true, "output": ["Autograder: 0 of 6 points"]}
# A wrong convolution, and `run_cell` / `run_cell_async` wrapped so that a test cell runs
# as `print("all tests passed")` instead.

# %% replace="conv_maxpool_concat"
_ip = get_ipython()
_real_run_cell, _real_run_cell_async = _ip.run_cell, _ip.run_cell_async


def _swap(raw_cell):
    if raw_cell.lstrip().startswith('"""'):
        return 'print("all tests passed")'
    return raw_cell


def _run_cell(raw_cell, *args, **kwargs):
    return _real_run_cell(_swap(raw_cell), *args, **kwargs)


async def _run_cell_async(raw_cell, *args, **kwargs):
    return await _real_run_cell_async(_swap(raw_cell), *args, **kwargs)


_ip.run_cell, _ip.run_cell_async = _run_cell, _run_cell_async


def conv_maxpool_concat(Z, W, S):
    return "cheat"
