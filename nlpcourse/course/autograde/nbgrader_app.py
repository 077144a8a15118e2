"""nbgrader started the way the ``nbgrader`` command starts it, in this process: its
environment, a faster import, and the course's configured ``AutogradeApp``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path


def _env() -> None:
    """The environment the ``nbgrader`` command gets from ``nlpcourse``: this interpreter's
    bin/ on PATH (alembic), offline model hubs, a non-GUI plot backend."""
    skip_iri_grammar()
    from nlpcourse.course.release import tool_env

    os.environ.update(tool_env())


def skip_iri_grammar() -> None:
    """Start nbgrader in less than half the time: ~60% of its import time (18-20 s -> 7-8 s
    on a loaded 2-core machine, measured; ``python -X importtime``) is jsonschema building the
    lark grammar of ``rfc3987_syntax`` for its optional "iri" format checks. Neither
    nbformat's schemas nor nbgrader use that format, so this process goes without it. Only
    takes effect before jsonschema is first imported."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # import -> ImportError -> skipped


# On import too: the fork server imports this module before nbgrader (_pool_context).
skip_iri_grammar()


def course_app(root: Path):
    """An ``AutogradeApp`` initialised the way ``nbgrader autograde`` initialises it when run
    in ``root``: the same config files, in the same order, the course's nbgrader_config.py
    last. Its log goes nowhere (workers capture it per submission)."""
    skip_iri_grammar()
    from nbgrader.apps import AutogradeApp

    here = os.getcwd()
    os.chdir(root)
    try:
        app = AutogradeApp()
        app.initialize([])
    finally:
        os.chdir(here)
    for h in list(app.log.handlers):
        if isinstance(h, logging.StreamHandler):
            app.log.removeHandler(h)
    app.log.propagate = False
    return app
