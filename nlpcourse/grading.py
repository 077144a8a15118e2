"""nbgrader preprocessors of the pack, registered in ``nbgrader_config.py``.

Files that only the autograder may see live in ``source/<a>/hidden/``. ``generate_assignment``
never copies them (``hidden`` is in ``CourseDirectory.ignore``), so they never reach
``release/`` or a student. During ``autograde``, :class:`CopyHiddenFiles` puts them into the
student's autograde folder just before the notebook runs (hidden tests open them as
``hidden/<name>``) and :class:`RemoveHiddenFiles` deletes them right after, so they do not
travel on into feedback.
"""

from __future__ import annotations

import os
import shutil

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

HIDDEN_DIR = "hidden"


def _dest(resources) -> str:
    return os.path.join(resources["metadata"]["path"], HIDDEN_DIR)


class CopyHiddenFiles(Preprocessor):
    """Copy ``<source_dir>/<assignment>/hidden/`` next to the notebook being autograded."""

    enabled = Bool(True).tag(config=True)
    source_dir = Unicode("", help="The course's source/ folder").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment")
        src = os.path.join(self.source_dir, assignment or "", HIDDEN_DIR)
        if assignment and os.path.isdir(src):
            dest = _dest(resources)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(src, dest)
        return nb, resources


class RemoveHiddenFiles(Preprocessor):
    """Delete the hidden files again once the notebook has run."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        shutil.rmtree(_dest(resources), ignore_errors=True)
        return nb, resources
