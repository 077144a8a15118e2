"""Every environment variable the pack reads, in one place, with one rule for true/false.

Each setting is a function, read when called (so a test or a notebook can change the
environment and see the change). A switch is true for ``1``, ``true``, ``yes``, ``on`` and false
for an unset or empty variable or ``0``, ``false``, ``no``, ``off`` (any case, spaces ignored);
anything else is an error that names the variable and the accepted values, never a silent guess.

Variables:

- ``NLPCOURSE_OFFLINE``, ``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE``: download nothing (any one
  of them); models and data sets come from local files.
- ``NLPCOURSE_MODEL_DIR``: a folder of local checkpoints, ``<dir>/<model name>``; set, it also
  keeps models offline.
- ``NLPCOURSE_CACHE``: the pack's cache folder (default ``~/.cache/nlpcourse``).
- ``NLPCOURSE_FIXTURE_URL``: where the setup cell downloads released fixtures from
  (``<url>/<assignment>/<file>``; default: the students' repository at the release's tag).
- ``NLPCOURSE_DB_URL``: the gradebook, any SQLAlchemy URL (default SQLite
  ``<course root>/gradebook.db``).
- ``NLPCOURSE_CELL_TIMEOUT``: seconds a cell may run under autograde (default 240).
- ``NLPCOURSE_ALLOW_UNSANDBOXED``: autograde runs student code without bubblewrap (trusted
  submissions only).
- ``NLPCOURSE_COLD_KERNELS``: autograde starts every kernel cold (a new sandbox and interpreter
  per notebook) even where the course's config asks for warm ones (a comparison, or a fault).
- ``NLPCOURSE_GRADER_SECRET``: the course secret that hidden inputs are drawn from (default:
  the file ``<course root>/.nlpcourse-secret``, made on first use). Never passed to a kernel.
- ``NBGRADER_EXECUTION``: set by nbgrader while it runs a notebook (autograde, validate).

The Colab bootstrap in each notebook's first cell reads ``NLPCOURSE_REPOSITORY_URL`` itself (the
git URL it installs the release's tag from, instead of the students' GitHub repository): it runs
before the package is installed, so it cannot import this module.
"""

from __future__ import annotations

import os
from pathlib import Path

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})

CELL_TIMEOUT_DEFAULT = 240
SECRET_ENV = "NLPCOURSE_GRADER_SECRET"
SECRET_FILE = ".nlpcourse-secret"


class SettingError(ValueError):
    """An environment variable holds a value the pack cannot read."""


def flag(name: str) -> bool:
    """The one rule for true/false variables (see the module docstring)."""
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise SettingError(
        f"{name}={raw!r} is neither true nor false: set it to 1/true/yes/on or 0/false/no/off, "
        "or unset it."
    )


def text(name: str) -> str | None:
    """A variable's value, or None where it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def offline() -> bool:
    """Download nothing (any of the three offline switches)."""
    return any(flag(v) for v in ("NLPCOURSE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def grading() -> bool:
    """nbgrader is running the notebook (autograde or validate): it sets NBGRADER_EXECUTION
    to the mode's name, so any non-empty value counts."""
    return text("NBGRADER_EXECUTION") is not None


def model_dir() -> Path | None:
    value = text("NLPCOURSE_MODEL_DIR")
    return Path(value) if value else None


def cache_dir() -> Path:
    value = text("NLPCOURSE_CACHE")
    return Path(value) if value else Path.home() / ".cache" / "nlpcourse"


def fixture_url(default: str) -> str:
    return text("NLPCOURSE_FIXTURE_URL") or default


def db_url(root: str | os.PathLike) -> str:
    """The gradebook's SQLAlchemy URL: $NLPCOURSE_DB_URL, else SQLite in the course root."""
    return text("NLPCOURSE_DB_URL") or f"sqlite:///{Path(root) / 'gradebook.db'}"


def cell_timeout() -> int:
    raw = text("NLPCOURSE_CELL_TIMEOUT")
    if raw is None:
        return CELL_TIMEOUT_DEFAULT
    try:
        seconds = int(raw)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise SettingError(f"NLPCOURSE_CELL_TIMEOUT={raw!r}: give a whole number of seconds > 0.")
    return seconds


def allow_unsandboxed() -> bool:
    return flag("NLPCOURSE_ALLOW_UNSANDBOXED")


def cold_kernels() -> bool:
    return flag("NLPCOURSE_COLD_KERNELS")


def grader_secret(root: str | os.PathLike) -> str:
    """The course secret: $NLPCOURSE_GRADER_SECRET, else ``<root>/.nlpcourse-secret``, which
    is made (random, readable by its owner only) the first time a course grades."""
    value = text(SECRET_ENV)
    if value:
        return value
    path = Path(root) / SECRET_FILE
    if not path.exists():
        import secrets
        import tempfile

        # Written aside, then linked into place: two graders starting at once agree on one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
