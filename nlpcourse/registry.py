"""Data registry: the released fixture files, each with a sha256, and the pack's cache folder.

``fixtures.json`` (written by ``nlpcourse release``) lists, per assignment, the supporting files
that ``release/<a>/`` ships next to the notebook. A student who opened the notebook alone (Colab)
gets them fetched by the setup cell; a file whose checksum does not match is refused. The
checksums travel with the package: Colab installs it from the students' repository at the
release's tag and fetches the files from that same tag (``config.fixture_base_url``), so the
list, the files and the notebook are always of one release. A failed fetch is one plain message
in Jupyter (:class:`FixtureError`), not a traceback.

:func:`cache_dir` is the pack's per-machine cache (``$NLPCOURSE_CACHE``, else
``~/.cache/nlpcourse``), where :mod:`nlpcourse.hub` builds its seeded checkpoints once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from nlpcourse import config, settings

REGISTRY_FILE = Path(__file__).with_name("fixtures.json")


class FixtureError(RuntimeError):
    """A fixture that could not be fetched or failed its checksum; the message says what to do.

    In Jupyter (IPython) the message is all a student sees: IPython shows what an exception's
    ``_render_traceback_`` returns instead of the traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"Setup stopped: {self}"]


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_registry() -> dict[str, dict[str, str]]:
    if not REGISTRY_FILE.exists():
        return {}
    return json.loads(REGISTRY_FILE.read_text(encoding="utf-8"))


def registry_for_release(release_dir: Path) -> dict[str, dict[str, str]]:
    """assignment -> {relative file name: sha256} for every non-notebook file in release/."""
    out: dict[str, dict[str, str]] = {}
    for adir in sorted(p for p in release_dir.iterdir() if p.is_dir()):
        files = {
            f.relative_to(adir).as_posix(): sha256(f)
            for f in sorted(adir.rglob("*"))
            if f.is_file() and f.suffix != ".ipynb"
        }
        if files:
            out[adir.name] = files
    return out


def _download(url: str, dest: Path, expected: str | None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as resp:
            shutil.copyfileobj(resp, out)
        got = sha256(tmp)
        if expected and got != expected:
            raise FixtureError(
                f"the data file {dest.name} downloaded from {url} is not the one this release "
                f"was made with (sha256 {got[:12]}…, expected {expected[:12]}…). Run this cell "
                "again; if it fails again, use Runtime > Disconnect and delete runtime and run "
                "it once more, and if it still fails, tell your instructor, with this message."
            )
        os.replace(tmp, dest)
    except (urllib.error.URLError, OSError) as exc:
        raise FixtureError(
            f"could not download the data file {dest.name} from {url} ({exc}). Check that "
            "the runtime is online and run this cell again, or put the file next to the "
            "notebook by hand (it is in the assignment's folder of the course repository)."
        ) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def missing_fixtures(assignment: str, dest: str | os.PathLike = ".") -> list[str]:
    """The released files of ``assignment`` not present (or corrupt) in ``dest``."""
    files = load_registry().get(assignment, {})
    d = Path(dest)
    return [n for n, h in files.items() if not (d / n).is_file() or sha256(d / n) != h]


def fetch_fixtures(
    assignment: str, dest: str | os.PathLike = ".", base_url: str | None = None
) -> list[str]:
    """Download the released files of ``assignment`` that are missing in ``dest``.

    Returns the names fetched. Every file is checked against the registry's sha256.
    """
    base = (base_url or config.fixture_base_url()).rstrip("/")
    files = load_registry().get(assignment, {})
    fetched = []
    for name in missing_fixtures(assignment, dest):
        _download(f"{base}/{assignment}/{name}", Path(dest) / name, files[name])
        fetched.append(name)
    return fetched


def cache_dir() -> Path:
    """The pack's per-machine cache: ``$NLPCOURSE_CACHE``, else ``~/.cache/nlpcourse``."""
    return settings.cache_dir()
