"""NoteEditedCells: edits to locked cells are undone (nbgrader) and reported to the student."""

from __future__ import annotations

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

NOTES_MARK = "nlpcourse_autograder_notes"


def _norm(source: str) -> list[str]:
    return [ln.rstrip() for ln in source.strip().splitlines() if ln.strip()]


class NoteEditedCells(Preprocessor):
    """Before nbgrader's OverwriteCells: find what the student changed that the autograder
    will undo, tell the instructor (log) and the student (a note at the top of the graded
    notebook, which reaches the feedback).

    Reported: locked cells whose code was edited, cells whose type was changed, graded cells
    that were deleted (OverwriteCells.add_missing_cells puts them back) or duplicated.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        student = info.get("student", "?")
        notes = []
        seen: dict[str, int] = {}
        nb.cells = [c for c in nb.cells if not c.metadata.get(NOTES_MARK)]
        with Gradebook(info["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            sources = {c.name: c for c in source_nb.source_cells}
            graded = {c.name for c in source_nb.grade_cells}
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid is None or gid not in sources:
                    continue
                seen[gid] = seen.get(gid, 0) + 1
                src = sources[gid]
                if seen[gid] > 1:
                    notes.append(f"cell `{gid}` appears {seen[gid]} times: the last copy is graded")
                    continue
                if cell.cell_type != src.cell_type:
                    notes.append(
                        f"cell `{gid}` was turned from {src.cell_type} into {cell.cell_type}: "
                        "it was turned back and graded as the original"
                    )
                elif src.locked and _norm(cell.source) != _norm(src.source):
                    notes.append(
                        f"locked cell `{gid}` was edited: your edit was undone and the original "
                        "cell was run instead"
                    )
            for gid in sorted(graded - set(seen)):
                notes.append(f"test cell `{gid}` was deleted: it was put back and run")
        for note in notes:
            self.log.warning("Student %s: %s", student, note.replace("`", "'"))
        if notes:
            text = "**Autograder notes.** Cells of this notebook are not yours to change:\n\n"
            text += "\n".join(f"- {n}" for n in notes)
            cell = nbformat.v4.new_markdown_cell(text, metadata={NOTES_MARK: True})
            nb.cells.insert(0, cell)
        return nb, resources
