"""Pack-wide settings: the students' repository and release tag, the assignments' names, and
where the course root is.

The students' repository and the tag of the release are named here once; the build bakes them
into every release notebook (the Colab badge, the setup cell's install line), and the package
makes the fixture download address from them. ``nlpcourse publish`` writes the student tree to
that repository and tags it with ``RELEASE_TAG``; it refuses a release built for another tag.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from nlpcourse import settings

__version__ = "0.1.0"

#: The students' repository on GitHub ("owner/name"): ``nlpcourse publish`` writes what students
#: may see (the release, the student package, a README) into a clone of it, and Colab opens the
#: notebooks, installs the package and fetches the data files from it. Keep the course's own
#: repository (solutions, hidden checks, test submissions) private; this one is public.
STUDENT_REPOSITORY = "nlpcourse/nlpcourse-students"
#: The tag the release is built for: badges, installs and fixture downloads point at the
#: students' repository *at this tag*, so a notebook handed out in week 2 keeps running against
#: week 2's package. A new release: change it, ``make release``, commit, ``nlpcourse publish``.
RELEASE_TAG = "release-2026-12-04"
#: The course id: the same as ``c.CourseDirectory.course_id`` in nbgrader_config.py, which sets
#: it (nothing writes it there; a test checks they agree); bench/autograde_class.py opens the
#: gradebook with it.
COURSE_ID = "nlpcourse"


#: What a tag may be: a git ref name that needs no quoting in a URL.
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_tag(tag: str) -> str:
    """``tag`` if it can name a release, else a ValueError saying what a tag may hold."""
    if not TAG_RE.match(tag) or ".." in tag or tag.endswith((".", ".lock")):
        raise ValueError(
            f"{tag!r} cannot be a release tag: use letters, digits, '.', '_' and '-', starting "
            "with a letter or digit (e.g. release-2026-09-14 or v1.2)"
        )
    return tag


def repository_url() -> str:
    """The students' repository on GitHub (what the setup cell installs from)."""
    return f"https://github.com/{STUDENT_REPOSITORY}"


def install_spec(tag: str | None = None) -> str:
    """What pip installs on Colab: the student package at the release's tag."""
    return f"nlpcourse @ git+{repository_url()}@{tag or RELEASE_TAG}"


def fixture_base_url() -> str:
    """Where released fixtures are downloaded from: ``<base>/<assignment>/<file>``, the
    students' repository at the tag this package was released with."""
    return settings.fixture_url(
        f"https://raw.githubusercontent.com/{STUDENT_REPOSITORY}/{RELEASE_TAG}/release"
    )


def blob_url(path: str, tag: str | None = None) -> str:
    """A file of the students' repository at the release's tag, as GitHub shows it."""
    return f"https://github.com/{STUDENT_REPOSITORY}/blob/{tag or RELEASE_TAG}/{path}"


def colab_url(assignment: str, tag: str | None = None) -> str:
    """The Colab link of a release notebook, at the release's tag."""
    return (
        f"https://colab.research.google.com/github/{STUDENT_REPOSITORY}/blob/{tag or RELEASE_TAG}/"
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
