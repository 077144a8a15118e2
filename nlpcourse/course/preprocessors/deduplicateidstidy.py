"""DeduplicateIdsTidy: nbgrader's DeduplicateIds without the empty metadata it leaves."""

from __future__ import annotations

from nbgrader.preprocessors import DeduplicateIds


class DeduplicateIdsTidy(DeduplicateIds):
    """nbgrader's DeduplicateIds, then drop the empty ``nbgrader`` metadata it leaves on the
    copies: with ``OverwriteCells.add_missing_cells`` nbgrader 0.9.6 otherwise fails on them
    (KeyError 'grade_id') and the student gets no grade at all."""

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"].get("grade_id"):
                del cell.metadata["nbgrader"]
        return nb, resources
