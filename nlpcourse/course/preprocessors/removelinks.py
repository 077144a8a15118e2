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
        for dirpath, dirnames, filenames in os.walk(folder):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    what = "symlink" if stat.S_ISLNK(mode) else "special file"
                    self.log.warning(
                        "Student %s: removed the %s %s its code left in its folder",
                        student,
                        what,
                        os.path.relpath(path, folder),
                    )
                    os.unlink(path)
        return nb, resources
