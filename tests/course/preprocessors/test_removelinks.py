"""RemoveLinks: what a student's code left in its folder that a later copy with the
instructor's rights would follow (symlinks, FIFOs, sockets) is deleted; files and folders stay."""

from __future__ import annotations

import logging
import os
import socket

import nbformat
from conftest import nest_folders

from nlpcourse.course.preprocessors import RemoveLinks
from nlpcourse.course.sandbox.wipe import remove_tree


def test_links_and_special_files_go_files_stay(tmp_path, caplog):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "answer.npy").write_bytes(b"data")
    (work / "sub" / "notes.txt").write_text("kept")
    secret = tmp_path / "gradebook.db"
    secret.write_text("grades")
    os.symlink(secret, work / "gb.db")
    os.symlink(tmp_path, work / "sub" / "up")
    os.mkfifo(work / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(work / "sock"))
    sock.close()
    nb = nbformat.v4.new_notebook()
    with caplog.at_level(logging.WARNING):
        RemoveLinks().preprocess(
            nb, {"metadata": {"path": str(work)}, "nbgrader": {"student": "s1"}}
        )
    left = sorted(str(p.relative_to(work)) for p in work.rglob("*"))
    assert left == ["answer.npy", "sub", "sub/notes.txt"], left
    assert secret.read_text() == "grades"
    assert caplog.text.count("Student s1: removed the") == 4, caplog.text


def test_a_link_below_folders_nested_deeper_than_the_stack_goes_too(tmp_path):
    """os.walk recursed on Python 3.11: 1500 levels (a 3000-character path, within PATH_MAX)
    raised RecursionError and the link stayed."""
    work = tmp_path / "work"
    work.mkdir()
    nest_folders(work, 1500, link_to=str(tmp_path))
    RemoveLinks().preprocess(
        nbformat.v4.new_notebook(), {"metadata": {"path": str(work)}, "nbgrader": {"student": "s"}}
    )
    deepest = str(work) + "/d" * 1500
    try:
        assert os.path.isdir(deepest) and os.listdir(deepest) == []
    finally:
        remove_tree(work)  # pytest's own clean-up of old temp folders would recurse
