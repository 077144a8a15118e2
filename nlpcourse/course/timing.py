"""Where a grading process spends its time: named phases, summed until read.

The sandbox and the Execute preprocessor time their steps with :func:`phase` (the kernel's
start, its first reply, the cells, the grader's checks, the kernel's stop); a worker reads the
sums after each submission with :func:`take`, and ``bench/autograde_class.py`` prints them, so
the next bottleneck is visible. One grading at a time per process (the worker's lock).
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

_SUMS: defaultdict[str, float] = defaultdict(float)


@contextmanager
def phase(name: str):
    """Add the block's wall time to ``name`` (also when it raises)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        _SUMS[name] += time.perf_counter() - t0


def add(name: str, seconds: float) -> None:
    _SUMS[name] += seconds


def take() -> dict[str, float]:
    """The sums since the last call (seconds by phase), then start again from zero."""
    out = dict(_SUMS)
    _SUMS.clear()
    return out
