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
    """Remove everything in ``folder``, at any depth, giving back the rights a kernel took
    away from its own folders (it runs as the grader's user). Never recursing and never
    through a path longer than one name, since a kernel can nest folders deeper than Python's
    stack and than PATH_MAX: each folder met is moved up into ``folder`` itself, then emptied.
    Every step goes through a file descriptor of a folder opened without following links, as
    ``shutil.rmtree`` does: a link swapped in for a folder is removed, never followed, even by
    a process still writing. True if ``folder`` is empty then; never raises."""
    try:
        top = _open_folder(str(folder))
    except OSError:
        return False
    try:
        with os.scandir(top) as it:
            todo = [e.name for e in it]
        moved = 0
        while todo:
            name = todo.pop()
            try:
                fd = _open_folder(name, top)
            except OSError:  # not a folder (a file, a link), or one that cannot be opened
                _unlink(name, top)
                continue
            try:
                with os.scandir(fd) as it:
                    children = [(c.name, c.is_dir(follow_symlinks=False)) for c in it]
                for child, is_dir in children:
                    if not is_dir:
                        _unlink(child, fd)
                        continue
                    up = _free_name(top, moved := moved + 1)
                    try:
                        os.close(_open_folder(child, fd))  # moving it writes its "..": rights
                        os.rename(child, up, src_dir_fd=fd, dst_dir_fd=top)
                        todo.append(up)
                    except OSError:
                        pass  # it cannot be moved: it stays, and the result is False
            except OSError:
                pass
            finally:
                os.close(fd)
            try:
                os.rmdir(name, dir_fd=top)
            except OSError:
                pass
        with os.scandir(top) as it:
            return next(it, None) is None
    except OSError:
        return False
    finally:
        os.close(top)


def _free_name(dir_fd: int, n: int) -> str:
    """``.nlpcourse-removing-<n>``, or the first later one that nothing in ``dir_fd`` has."""
    while True:
        name = f".nlpcourse-removing-{n}"
        try:
            os.lstat(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return name
        n += 1


def _open_folder(name: str, dir_fd: int | None = None) -> int:
    """A descriptor of the folder ``name`` (relative to ``dir_fd``), opened without following
    a link, after giving its owner every right on it; OSError if it is not a folder."""
    handle = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY, dir_fd=dir_fd)
    try:
        os.chmod(f"/proc/self/fd/{handle}", 0o700)  # that very folder, whatever its name is now
        return os.open(f"/proc/self/fd/{handle}", os.O_RDONLY | os.O_DIRECTORY)
    finally:
        os.close(handle)


def remove_tree(folder: Path | str) -> None:
    """Remove ``folder`` and everything in it, at any depth (:func:`remove_all_in`); what
    cannot be removed stays, silently."""
    if os.path.lexists(folder) and not os.path.islink(folder):
        remove_all_in(folder)
        try:
            os.rmdir(folder)
        except OSError:
            pass


def _unlink(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass
