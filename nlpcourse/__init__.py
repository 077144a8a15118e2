"""nlpcourse: the shared package of the course pack.

Every notebook's first code cell (the setup cell) calls it::

    import nlpcourse
    device = nlpcourse.setup_notebook("a2_dropout_cnn", gpu="optional")

and later cells import the modules their assignment uses (``nlpcourse.graph`` in a1,
``nlpcourse.seq2seq`` in a5, ...) and ``nlpcourse.setup_cell.grading()`` (true under the
autograder, where long cells skip training).

Instructors use the ``nlpcourse`` command (build, release, publish, validate, demo, grade-cases,
markscheme, autograde, report, lab); see ``nlpcourse --help``.
"""

from nlpcourse.config import __version__
from nlpcourse.setup_cell import setup_notebook

__all__ = ["__version__", "setup_notebook"]
