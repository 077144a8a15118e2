"""RemoveLinks: symlinks and special files a student's code left are deleted before nbgrader
copies its folder with the instructor's rights.
"""

from __future__ import annotations

import os

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class RemoveLinks(Preprocessor):
    """After the student's code ran: delete symlinks, FIFOs, sockets and device files it left
    in its autograde folder. nbgrader later copies that folder (feedback) with the
    instructor's rights, and a copy follows a link to, say, ``source/`` or the gradebook."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        import stat

        folder = resources["metadata"]["path"]
        student = resources.get("nbgrader", {}).get("student", "?")
        # An explicit list, not os.walk, which recurses: a kernel can nest folders deeper than
        # Python's stack. Beyond PATH_MAX nothing can reach a link by its path, nbgrader neither.
        todo = [folder]
        while todo:
            try:
                entries = list(os.scandir(todo.pop()))
            except OSError:
                continue
            for e in entries:
                try:
                    mode = e.stat(follow_symlinks=False).st_mode
                except OSError:
                    continue
                if stat.S_ISDIR(mode):
                    todo.append(e.path)
                elif stat.S_ISLNK(mode) or not stat.S_ISREG(mode):
                    what = "symlink" if stat.S_ISLNK(mode) else "special file"
                    self.log.warning(
                        "Student %s: removed the %s %s its code left in its folder",
                        student,
                        what,
                        os.path.relpath(e.path, folder),
                    )
                    os.unlink(e.path)
        return nb, resources
