"""nbgrader preprocessors of the pack, one per file, named after its class (as nbgrader's)."""

from nlpcourse.course.preprocessors.applyverdicts import ApplyVerdicts
from nlpcourse.course.preprocessors.deduplicateidstidy import DeduplicateIdsTidy
from nlpcourse.course.preprocessors.noteeditedcells import NoteEditedCells
from nlpcourse.course.preprocessors.removelinks import RemoveLinks
from nlpcourse.course.preprocessors.sandboxedexecute import SandboxedExecute

__all__ = [
    "ApplyVerdicts",
    "DeduplicateIdsTidy",
    "NoteEditedCells",
    "RemoveLinks",
    "SandboxedExecute",
]
