"""nlpcourse: the shared package of the course pack.

Every notebook's first code cell (the setup cell) calls it::

    import nlpcourse
    device = nlpcourse.setup_notebook("a2_dropout_cnn", gpu="optional")

and later cells import the modules their assignment uses: ``nlpcourse.graph`` (a1),
``hub`` (a3, a4), ``reviews`` (a4), ``corpus`` and ``seq2seq`` (a5), ``birthplaces`` and
``gpt`` (a6), and ``setup_cell.grading()`` to skip training under the autograder.

Instructors use the ``nlpcourse`` command (build, release, validate, demo, grade-cases,
markscheme, autograde, report, lab); see ``nlpcourse --help``.
"""

from nlpcourse.config import __version__
from nlpcourse.setup_cell import setup_notebook

__all__ = ["__version__", "setup_notebook"]
