"""Pack-wide settings: the repository, the assignments' names, and where the course root is.

The repository is named here once; the Colab badge, the Colab install line and the fixture
download address are all made from it.
"""

from __future__ import annotations

import os
from pathlib import Path

from nlpcourse import settings

__version__ = "0.1.0"

#: The public repository students' Colab runtimes install from and fetch fixtures from.
REPOSITORY = "nlpcourse/nlpcourse"
#: The branch the Colab links and installs follow.
BRANCH = "main"
#: The course id: the same as ``c.CourseDirectory.course_id`` in nbgrader_config.py, which sets
#: it (nothing writes it there; a test checks they agree); bench/autograde_class.py opens the
#: gradebook with it.
COURSE_ID = "nlpcourse"


def repository_url() -> str:
    return f"https://github.com/{REPOSITORY}"


def fixture_base_url() -> str:
    """Where released fixtures are downloaded from: ``<base>/<assignment>/<file>``."""
    return settings.fixture_url(f"https://raw.githubusercontent.com/{REPOSITORY}/{BRANCH}/release")


def colab_url(assignment: str) -> str:
    return (
        f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/"
        f"release/{assignment}/{assignment}.ipynb"
    )


def find_course_root(start: str | os.PathLike | None = None) -> Path:
    """The folder holding ``nbgrader_config.py`` and ``source/``: ``start`` or a parent of it."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "nbgrader_config.py").is_file() and (folder / "source").is_dir():
            return folder
    raise FileNotFoundError(
        f"No course root found at or above {here}: a course root holds nbgrader_config.py and "
        "source/. Run the command from the pack's folder or pass --root."
    )


def assignments(root: Path) -> list[str]:
    """Every assignment: a folder ``source/<name>/`` holding the text notebook ``<name>.py``."""
    return sorted(
        p.name for p in (root / "source").iterdir() if p.is_dir() and (p / f"{p.name}.py").is_file()
    )
