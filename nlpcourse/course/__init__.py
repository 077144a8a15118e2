"""The instructor's engine: everything that builds, releases, grades and reports a course.

Notebooks never import this subpackage; it needs the ``instructor`` extra (nbgrader, Dask,
jupytext, ...), and nothing outside it imports it (a test checks both). By concern:

- authoring: :mod:`.build` (text notebook -> .ipynb), :mod:`.release` (nbgrader
  ``generate_assignment``, its environment), :mod:`.validate`, :mod:`.questions` (the
  notebooks' headers);
- grading: :mod:`.preprocessors` (one nbgrader preprocessor per file), :mod:`.hooks`
  (autograde's pre-convert hook), :mod:`.sandbox` (bubblewrap, limits, preflight),
  :mod:`.verdicts` (the checks run in the grader's process), :mod:`.autograde`
  (``nlpcourse autograde``: coordinator, workers, gradebook);
- test submissions: :mod:`.submissions` (cases, ``grade-cases``);
- instructors' tools: :mod:`.report`, :mod:`.lab`, :mod:`.demo`, :mod:`.cli` (the
  ``nlpcourse`` command), :mod:`.systools` (the system tools the test suite needs).
"""
