"""The data registry (nlpcourse/registry.py): checksums of every released file, fetching the
missing ones from a local HTTP server as Colab fetches them from the students' repository, and
a failed or corrupt download refused with one plain message, nothing half-written left."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from conftest import ROOT

from nlpcourse import registry


def test_the_committed_registry_is_what_the_release_holds():
    assert registry.load_registry() == registry.registry_for_release(ROOT / "release")


@pytest.fixture
def served(tmp_path, monkeypatch):
    """release/t1/{x.npy, data/y.txt} served on loopback; the registry lists them."""
    site = tmp_path / "site"
    (site / "t1" / "data").mkdir(parents=True)
    (site / "t1" / "x.npy").write_bytes(b"\x93NUMPY fake")
    (site / "t1" / "data" / "y.txt").write_text("hello\n")
    (site / "t1" / "t1.ipynb").write_text("{}")
    listed = registry.registry_for_release(site)
    assert listed == {
        "t1": {
            "data/y.txt": registry.sha256(site / "t1" / "data" / "y.txt"),
            "x.npy": registry.sha256(site / "t1" / "x.npy"),
        }
    }, "notebooks are not fixtures; files in sub-folders are, by relative path"
    monkeypatch.setattr(registry, "load_registry", lambda: listed)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_missing_files_are_fetched_and_checked(served, tmp_path):
    site, url = served
    dest = tmp_path / "nb"
    dest.mkdir()
    assert sorted(registry.missing_fixtures("t1", dest)) == ["data/y.txt", "x.npy"]
    assert sorted(registry.fetch_fixtures("t1", dest, url)) == ["data/y.txt", "x.npy"]
    assert (dest / "data" / "y.txt").read_text() == "hello\n"
    assert registry.fetch_fixtures("t1", dest, url) == [], "nothing twice"
    (dest / "x.npy").write_bytes(b"edited")  # a corrupt local copy is fetched again
    assert registry.fetch_fixtures("t1", dest, url) == ["x.npy"]


def test_a_corrupt_download_is_refused_and_leaves_nothing(served, tmp_path):
    site, url = served
    (site / "t1" / "x.npy").write_bytes(b"tampered")
    dest = tmp_path / "nb"
    dest.mkdir()
    with pytest.raises(registry.FixtureError, match="x.npy downloaded from .* is not the one"):
        registry.fetch_fixtures("t1", dest, url)
    assert not (dest / "x.npy").exists()
    assert not [p for p in dest.iterdir() if p.name.startswith(".download-")]


def test_an_unreachable_server_is_one_plain_message(served, tmp_path):
    _, url = served
    err = pytest.raises(registry.FixtureError, registry.fetch_fixtures, "t1", tmp_path, url + "/no")
    msg = str(err.value)
    assert "could not download the data file" in msg and "run this cell again" in msg
    assert err.value._render_traceback_() == [f"Setup stopped: {msg}"]


def test_cache_dir_follows_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPCOURSE_CACHE", str(tmp_path / "c"))
    assert registry.cache_dir() == tmp_path / "c"
