"""One SQLAlchemy engine per gradebook in a grading worker, not one per ``Gradebook`` opened.

nbgrader's ``Gradebook`` makes a new engine each time it is opened: several times for every
notebook it autogrades. An engine's dialect and its cache of compiled SQL live and die with
it, so a worker compiled the same queries again for every notebook: a fifth of its CPU on a2
(py-spy). SQLAlchemy's advice is one engine per database per process, made once.

:func:`reuse_engines` makes nbgrader's ``Gradebook`` take this process's engine for its URL
(``nbgrader.api.create_engine`` is the name it calls). Nothing else changes: each
``Gradebook`` still has its own session, and ``Gradebook.close`` still disposes of the engine's
pooled connections; the engine, its dialect and its cache stay for the next one. Workers call
it (one grading at a time per process); the coordinator does not.
"""

from __future__ import annotations

import threading

_ENGINES: dict[tuple, object] = {}
_LOCK = threading.Lock()


def reuse_engines() -> None:
    """From now on in this process, nbgrader's Gradebooks share one engine per URL and
    options. Calling it again changes nothing."""
    import nbgrader.api as api

    if getattr(api.create_engine, "reuses_engines", False):
        return
    make = api.create_engine

    def create_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        with _LOCK:
            engine = _ENGINES.get(key)
            if engine is None:
                engine = _ENGINES[key] = make(url, **options)
        return engine

    create_engine.reuses_engines = True
    api.create_engine = create_engine
