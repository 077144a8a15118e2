"""Removing what a kernel wrote, whatever it wrote: at any depth, with any rights taken away,
never through a link, never raising.

A kernel runs as the grader's user and writes into its own folders (its work folder, home and
temp dir, the sandbox's ``/tmp`` and ``/dev/shm``). It can nest folders deeper than Python's
stack (``shutil.rmtree`` and ``os.walk`` recurse: RecursionError) and than PATH_MAX, and take
its own rights away (``chmod 000``: only root would still get in). Everything here walks with an
explicit list and keeps paths short; it runs only on folders no process writes to any more.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_DEPTH = 64  # folder levels walked where a tree is read, not only removed (copy back, /tmp)


def wipe_memory_fs(folder: Path) -> bool:
    """Remove everything in ``folder`` that lies on its own file system, never crossing into
    another: the sandbox's ``/tmp`` holds the mount points of what bubblewrap binds below it
    (a course or a venv under ``/tmp``), which stay, with the folders that lead to them. True
    if nothing else is left; False too when folders nest deeper than MAX_DEPTH (the zygote is
    then stopped, and its memory file systems go with it)."""
    top = str(folder)
    try:
        dev = os.lstat(top).st_dev
    except OSError:
        return False
    clean = True
    todo = [(top, 0, False)]  # (folder, depth, its contents done): children before parents
    while todo:
        d, depth, done = todo.pop()
        if done:
            if d != top:
                try:
                    os.rmdir(d)
                except OSError:
                    pass  # it leads to a mount point (what else is left made clean False)
            continue
        if depth > MAX_DEPTH:
            return False
        try:
            os.chmod(d, 0o700)
            entries = list(os.scandir(d))
        except OSError:
            return False
        todo.append((d, depth, True))
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                return False
            if st.st_dev != dev:
                continue  # a mount point
            if e.is_dir(follow_symlinks=False):
                todo.append((e.path, depth + 1, False))
            else:
                try:
                    os.unlink(e.path)
                except OSError:
                    clean = False
    return clean


def remove_all_in(folder: Path | str) -> bool:
    """Remove everything in ``folder``, at any depth, for a folder no process writes to any
    more (a kernel wrote it, and is gone): never following a link out of it, giving back the
    rights a kernel took away from its own folders (it runs as the grader's user), never
    recursing and never building a path longer than ``folder/<name>/<name>``, since a kernel
    can nest folders deeper than Python's stack and than PATH_MAX. Each folder met is moved up
    into ``folder`` itself, then emptied. True if ``folder`` is empty then; never raises."""
    top = str(folder)
    try:
        os.chmod(top, 0o700)
        todo = [e.name for e in os.scandir(top)]
    except OSError:
        return False
    moved = 0
    while todo:
        path = os.path.join(top, todo.pop())
        try:
            is_dir = stat.S_ISDIR(os.lstat(path).st_mode)
        except OSError:
            continue
        if not is_dir:
            _unlink(path)
            continue
        try:
            os.chmod(path, 0o700)  # a folder, not a link (lstat): nothing can swap it now
            with os.scandir(path) as it:
                children = [(c.path, c.is_dir(follow_symlinks=False)) for c in it]
        except OSError:
            continue
        for child, child_is_dir in children:
            if not child_is_dir:
                _unlink(child)
                continue
            while True:
                moved += 1
                name = f".nlpcourse-removing-{moved}"
                if not os.path.lexists(os.path.join(top, name)):
                    break
            try:
                os.chmod(child, 0o700)  # moving a folder writes its "..": it needs the right
                os.rename(child, os.path.join(top, name))
                todo.append(name)
            except OSError:
                pass
        try:
            os.rmdir(path)
        except OSError:
            pass
    try:
        with os.scandir(top) as it:
            return next(it, None) is None
    except OSError:
        return False


def remove_tree(folder: Path | str) -> None:
    """Remove ``folder`` and everything in it, at any depth (:func:`remove_all_in`); what
    cannot be removed stays, silently."""
    if os.path.lexists(folder) and not os.path.islink(folder):
        remove_all_in(folder)
        try:
            os.rmdir(folder)
        except OSError:
            pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
