"""nbgrader preprocessors of the pack, one per file, named after its class (as nbgrader's).

The older ones still live in :mod:`nlpcourse.grading`; they move here one at a time.
"""

from nlpcourse.preprocessors.applyverdicts import ApplyVerdicts

__all__ = ["ApplyVerdicts"]
