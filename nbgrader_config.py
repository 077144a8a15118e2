"""nbgrader configuration of the nlpcourse pack (read by every nbgrader command run here)."""

from pathlib import Path

try:
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearHiddenTests,
        ClearOutput,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from nlpcourse import settings
    from nlpcourse.course.preprocessors import ApplyVerdicts
    from nlpcourse.course.preprocessors.deduplicateidstidy import DeduplicateIdsTidy
    from nlpcourse.course.preprocessors.noteeditedcells import NoteEditedCells
    from nlpcourse.course.preprocessors.removelinks import RemoveLinks
    from nlpcourse.course.preprocessors.sandboxedexecute import SandboxedExecute
except ImportError as exc:  # pragma: no cover - a broken install
    raise SystemExit(
        f"nbgrader_config.py: {exc}. Install the pack first: `make install` "
        "(or `pip install -e '.[instructor]'`)."
    ) from exc

c = get_config()  # noqa: F821 (nbgrader provides it)
root = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "nlpcourse"
c.CourseDirectory.root = str(root)
# SQLite in the course root by default; NLPCOURSE_DB_URL takes any SQLAlchemy URL, e.g.
# postgresql://user@host/nlpcourse for a shared gradebook (nlpcourse/settings.py reads both).
c.CourseDirectory.db_url = settings.db_url(root)

# Never copied into release/ (nor into autograde or feedback folders): the text notebooks
# (the .ipynb built from them is what is released) and the autograder-only folder hidden/.
text_notebooks = [f"{p.name}.py" for p in (root / "source").glob("*/") if p.is_dir()]
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "hidden",
    *text_notebooks,
]

# The heaviest graded cell imports torch + transformers and loads a small model: 30 s (the
# default) is too tight on a busy 2-core machine.
# NLPCOURSE_CELL_TIMEOUT overrides it (the hostile-submission tests use a short one).
c.Execute.timeout = settings.cell_timeout()
c.Execute.interrupt_on_timeout = True
# Errors in graded notebooks print as plain Python tracebacks (IPython's xmode Plain): the same
# frames and message, without the highlighted source context, which costs a fresh kernel about
# 60 ms for its first traceback and 10 ms for each next one (a blank notebook has one a cell).
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Plain"]

c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE\n"
        'raise NotImplementedError("Replace this line with your solution, run the cell, '
        'then run the test cell below it.")'
    )
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE (double-click this cell to write your answer)"

# Each assignment's checks (source/<a>/hidden/checks.py) run here, in the grader's process,
# after each autograded cell; ApplyVerdicts writes their verdicts into the notebook.
c.SandboxedExecute.source_dir = str(root / "source")

# Grading integrity (README, "Threat model"). Submissions are untrusted: before anything runs,
# say what is wrong with a hand-in; undo and report edits to locked cells; put deleted test
# cells back; run the kernel in bubblewrap (nlpcourse/course/sandbox/: no network, no view of the
# course root, limits on memory, CPU, processes and output); feedback shows no hidden test.
c.Autograde.pre_convert_hook = "nlpcourse.course.hooks.check_submission"
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    NoteEditedCells,
    DeduplicateIdsTidy,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]
# Limits of each student's kernel (nlpcourse.course.sandbox.kernel.SandboxKernelManager).
c.SandboxKernelManager.memory_mb = 6144
c.SandboxKernelManager.cpu_seconds = 1800
c.SandboxKernelManager.max_processes = 64
c.SandboxKernelManager.max_file_mb = 200
# Warm kernels (nlpcourse/course/sandbox/warm.py): each grading process keeps a zygote that
# has imported what the notebooks import, and forks a fresh kernel per notebook inside the same
# kind of sandbox (nothing shared between students; README, "Grading speed").
# NLPCOURSE_COLD_KERNELS=1 starts every kernel cold instead.
c.SandboxKernelManager.warm = not settings.cold_kernels()
c.SandboxKernelManager.warm_imports = [
    "numpy",
    "torch",
    "matplotlib",
    "nlpcourse",
    "nlpcourse.graph",
    "nlpcourse.corpus",
    "nlpcourse.seq2seq",
    "nlpcourse.reviews",
    "nlpcourse.gpt",
    "nlpcourse.birthplaces",
    "nlpcourse.knowledge",
    "nlpcourse.hub",
    "tqdm.auto",
]
# Imported into a worker's zygote at its first notebook of the assignment: pyplot where the
# notebook plots; torch._dynamo, which torch.optim loads at the first optimizer step (with
# sympy: about 1 s per kernel).
c.SandboxKernelManager.warm_imports_by_assignment = {
    "a1_backprop": ["matplotlib.pyplot"],
    "a3_attention": [
        "matplotlib.pyplot",
        "seaborn",
        "transformers",
        "transformers.models.distilbert.modeling_distilbert",
    ],
    "a4_classifiers": ["torch._dynamo"],
    "a5_bleu_attention": ["matplotlib.pyplot", "torch._dynamo"],
    "a6_pretraining": ["torch._dynamo"],
}
c.SandboxedExecute.max_output_bytes = 2_000_000
c.GenerateFeedback.preprocessors = [
    GetGrades,
    ClearHiddenTests,
    CSSHTMLHeaderPreprocessor,
]
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    ApplyVerdicts,
    RemoveLinks,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
