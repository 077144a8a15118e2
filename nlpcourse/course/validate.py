"""Validate: nbgrader's ``Validator`` on each source notebook (must pass every test) and,
inverted, on each released one (must pass none); it reads the Validator's results (the
cells that failed, passed or changed), not the text ``nbgrader validate`` prints.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nlpcourse import config
from nlpcourse.course.release import build_all, tool_env


@dataclass
class ValidateResult:
    notebook: str
    inverted: bool
    ok: bool
    #: What went wrong, in words, made from ``cells`` (or the log of a Validator that crashed).
    output: str
    #: ``nbgrader.validator.Validator.validate()``'s result: ``{"failed" | "passed" | "changed" |
    #: "type_changed": [cell, ...]}``, each cell a dict with its ``source`` (``failed`` ones also
    #: their ``raw_error``); empty when the notebook validates.
    cells: dict = field(default_factory=dict)


def validator_results(notebook: str, invert: bool) -> dict:
    """``Validator.validate(notebook)``, the Validator configured as ``nbgrader validate``
    configures it (nbgrader_config.py of the current folder, ``--invert``).

    Run in a subprocess of :func:`validate` (in the course root, with :func:`tool_env`), as
    ``nbgrader validate`` itself would be.
    """
    from nbgrader.apps.validateapp import ValidateApp
    from nbgrader.validator import Validator

    app = ValidateApp()
    app.initialize(["--invert"] if invert else [])
    return Validator(parent=app).validate(notebook)


_RUN_VALIDATOR = (
    "import json, sys\n"
    "from nlpcourse.course.validate import validator_results\n"
    "found = validator_results(sys.argv[1], sys.argv[2] == 'invert')\n"
    "with open(sys.argv[3], 'w', encoding='utf-8') as f:\n"
    "    json.dump(found, f)\n"
)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _head(source: str, lines: int = 4) -> str:
    kept = source.splitlines()[:lines]
    more = "\n    ..." if len(source.splitlines()) > lines else ""
    return "\n".join("    " + line for line in kept) + more


def describe(cells: dict, inverted: bool) -> str:
    """Validator results in words: which cells fail, pass or changed, with their errors."""
    if not cells:
        return "passes no test" if inverted else "passes every test"
    parts = []
    for cell in cells.get("type_changed", []):
        parts.append(
            f"a {cell['old_type']} cell is now a {cell['new_type']} cell (rebuild the notebook):"
            f"\n{_head(cell['source'])}"
        )
    for cell in cells.get("changed", []):
        head = _head(cell["source"])
        parts.append(f"a locked cell changed since the build (its checksum differs):\n{head}")
    for cell in cells.get("passed", []):
        parts.append(
            "a test cell passes on the release, where every answer is a stub (give it a visible "
            f"line that calls the student's code):\n{_head(cell['source'])}"
        )
    for cell in cells.get("failed", []):
        error = _ANSI.sub("", cell.get("raw_error", "")).strip()
        parts.append(f"a test cell fails:\n{_head(cell['source'])}\n  error:\n{error}")
    return f"{len(parts)} problem(s):\n\n" + "\n\n".join(parts)


def validate(root: Path, names: list[str] | None = None) -> list[ValidateResult]:
    """nbgrader's Validator on sources (all tests pass) and inverted on releases (none pass)."""
    names = names or config.assignments(root)
    build_all(root, names)
    results = []
    for a in names:
        for nb, invert in [
            (root / "source" / a / f"{a}.ipynb", False),
            (root / "release" / a / f"{a}.ipynb", True),
        ]:
            if not nb.exists():
                results.append(ValidateResult(str(nb), invert, False, "missing: run release"))
                continue
            with tempfile.TemporaryDirectory(prefix="nlpcourse-validate-") as tmp:
                found = Path(tmp) / "results.json"
                proc = subprocess.run(
                    [sys.executable, "-c", _RUN_VALIDATOR, str(nb), "invert" if invert else "",
                     str(found)],
                    cwd=root, env=tool_env(), capture_output=True, text=True, check=False,
                )  # fmt: skip
                cells = json.loads(found.read_text(encoding="utf-8")) if found.exists() else None
            name = str(nb.relative_to(root))
            if proc.returncode or cells is None:
                output = (
                    f"nbgrader's Validator stopped (exit {proc.returncode}) on {name}:\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
                )
                results.append(ValidateResult(name, invert, False, output))
                continue
            results.append(ValidateResult(name, invert, not cells, describe(cells, invert), cells))
    return results
