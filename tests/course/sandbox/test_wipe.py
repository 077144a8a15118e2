"""wipe: removing what a kernel wrote at any depth (deeper than Python's stack and than
PATH_MAX), with its rights taken away, never through a link; tested as root and as another
user (for whom a folder without rights is closed)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import nest_folders

from nlpcourse.course.sandbox import wipe

NOBODY = 65534


@pytest.fixture(autouse=True)
def _no_deep_tree_left(tmp_path):
    """pytest removes old temp folders with shutil.rmtree, which fails on a deep nest."""
    yield
    wipe.remove_tree(tmp_path)


def locked_tree(folder: Path, outside: Path) -> None:
    """What a hostile kernel leaves: folders without rights, a link out, deep nests."""
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "left.txt").write_text("x")
    (folder / "deep" / "inner").mkdir()
    (folder / "deep" / "inner").chmod(0o000)
    (folder / "deep").chmod(0o000)
    os.symlink(outside, folder / "out")
    (folder / "sub").mkdir()
    os.symlink(outside, folder / "sub" / "out")
    nest_folders(folder, 3000)  # paths of 6000 characters: beyond PATH_MAX
    nest_folders(folder, 40, "n" * 200)  # 8000 characters in 40 levels
    folder.chmod(0o333)  # no read right on the folder itself


def test_remove_all_in_empties_any_tree_and_keeps_what_links_lead_to(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("the grader's")
    folder = tmp_path / "tmp"
    locked_tree(folder, outside)
    assert wipe.remove_all_in(folder) is True
    assert list(folder.iterdir()) == []
    assert (outside / "keep.txt").read_text() == "the grader's"


@pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="CPython 3.12.4 and 3.13 made rmtree walk without recursion"
)
def test_the_control_shutil_rmtree_fails_on_such_a_tree(tmp_path):
    """Why wipe exists (on Python 3.11, which the pack supports): the stock remover raises on
    the deep nest (not an OSError). Paths past PATH_MAX and folders a kernel locked are the
    reasons that stay on every version."""
    nest_folders(tmp_path / ".", 3000)
    with pytest.raises(RecursionError):
        shutil.rmtree(tmp_path / "d", ignore_errors=True)


def test_remove_tree_removes_the_folder_and_never_follows_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    folder = tmp_path / "zygote"
    locked_tree(folder, outside)
    wipe.remove_tree(folder)
    assert not folder.exists()
    link = tmp_path / "link"
    os.symlink(outside, link)
    wipe.remove_tree(link)  # a link given as the folder: neither it nor its target emptied
    assert (outside / "keep.txt").exists() and link.is_symlink()
    wipe.remove_tree(tmp_path / "absent")  # nothing there: nothing to do, no error


def test_wipe_memory_fs_empties_a_shallow_tree_and_gives_up_on_a_deep_one(tmp_path):
    shallow = tmp_path / "shallow"
    (shallow / "a" / "b").mkdir(parents=True)
    (shallow / "a" / "b" / "f").write_text("x")
    (shallow / "a").chmod(0o000)
    assert wipe.wipe_memory_fs(shallow) is True
    assert list(shallow.iterdir()) == []
    deep = tmp_path / "deep"
    deep.mkdir()
    nest_folders(deep, wipe.MAX_DEPTH + 5)
    assert wipe.wipe_memory_fs(deep) is False  # the caller stops the zygote: no exception
    deeper = tmp_path / "deeper"
    deeper.mkdir()
    nest_folders(deeper, 3000)
    assert wipe.wipe_memory_fs(deeper) is False


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to become another user")
def test_as_another_user_folders_without_rights_are_emptied_too(tmp_path):
    """Root's rights open every folder; a grader running as a user (a JupyterHub's) has only
    what the kernel left it. A forked child of this process becomes nobody (no interpreter to
    start, so none of root's folders need to be readable) and empties a tree nobody owns."""
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="nlpcourse-wipe-"))
    try:
        outside = base / "outside"
        outside.mkdir()
        (outside / "keep.txt").write_text("x")
        folder = base / "tmp"
        folder.mkdir()
        for p in (base, outside, folder):
            os.chown(p, NOBODY, NOBODY)
        pid = os.fork()
        if pid == 0:  # the child: build as nobody, then remove as nobody
            code = 3
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                locked_tree(folder, outside)
                try:
                    os.listdir(folder / "deep")
                    code = 4  # not locked: the test would prove nothing
                except PermissionError:
                    code = 0 if wipe.remove_all_in(folder) else 1
                    if code == 0 and os.listdir(folder):
                        code = 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, os.waitstatus_to_exitcode(status)
        assert (outside / "keep.txt").exists() and list(folder.iterdir()) == []
    finally:
        wipe.remove_tree(base)
