"""nlpcourse: the shared package of the course pack.

Students meet one function of it, in every notebook's first code cell::

    import nlpcourse
    device = nlpcourse.setup_notebook("a2_dropout_cnn", gpu="optional")

Instructors use the ``nlpcourse`` command (build, release, validate, demo, grade test
submissions); see ``nlpcourse --help``.
"""

from nlpcourse.config import __version__
from nlpcourse.setup_cell import setup_notebook

__all__ = ["__version__", "setup_notebook"]
