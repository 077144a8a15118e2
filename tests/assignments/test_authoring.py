"""Every assignment in source/ has every piece the authoring guide's checklist lists
(source/README.md, "Adding an assignment"); a missing one fails with its name and the fix.

Fast: reads files, runs nothing. What needs a build or nbgrader (header points against the
graded cells, release golden, validate, the cases' scores) is checked in test_assignments.py.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from nlpcourse import config

SEE = "(see source/README.md, Adding an assignment)"
REQUIRED_CASES = ("reference", "blank", "partly_wrong")
MIN_CASES = 6  # test_assignments.py's floor
NAME = re.compile(r"^a\d+_[a-z0-9_]+$")
TITLE = re.compile(r"^# # .*\((\d+(?:\.\d+)?) points\)\s*$", re.M)
SETUP = re.compile(r'setup_notebook\(\s*"(?P<a>[^"]+)"(?P<args>[^)]*)\)', re.S)
NOT_RELEASED = {"__pycache__", ".ipynb_checkpoints", "hidden"}


def _readme_row(a: str) -> re.Pattern:
    return re.compile(
        rf"^\| \[{a}\]\(release/{a}/{a}\.ipynb\) \| [^|]+ \| (?P<points>\d+(?:\.\d+)?) \| "
        r"\[!\[Open In Colab\]\([^)]+\)\]\((?P<colab>[^)]+)\) \|$",
        re.M,
    )


def _bench_targets(path: Path) -> dict:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "TARGETS" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    return {}


def autograded_ids(text: str) -> list[str]:
    """grade_ids of the text notebook's autograded cells (graded code cells, no solution)."""
    out = []
    for m in re.finditer(r"^# %%(?! \[markdown\]).*?nbgrader=(\{.*\})\s*$", text, re.M):
        meta = json.loads(m.group(1))
        if meta.get("grade") and not meta.get("solution"):
            out.append(meta["grade_id"])
    return out


def checked_ids(path: Path) -> set[str]:
    """grade_ids a checks.py registers with ``@check("<id>", ...)`` (read, not imported)."""
    ids = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check":
            if node.args and isinstance(node.args[0], ast.Constant):
                ids.add(node.args[0].value)
    return ids


def missing_pieces(root: Path, a: str) -> list[str]:
    """What assignment ``a`` of the course tree at ``root`` lacks, one sentence per piece."""
    out = []
    src = root / "source" / a
    text_path = src / f"{a}.py"
    text = text_path.read_text(encoding="utf-8") if text_path.is_file() else ""
    if not text_path.is_file():
        return [
            f"source/{a} has no text notebook {a}.py, so the pack does not see it as an "
            f"assignment: name the notebook after its folder {SEE}"
        ]
    if not NAME.match(a):
        out.append(f"source/{a} is not named a<N>_<topic> (lower case), as the others are {SEE}")

    # The notebook itself.
    setup = SETUP.search(text)
    if not setup or setup.group("a") != a:
        out.append(
            f'source/{a}/{a}.py has no setup cell calling nlpcourse.setup_notebook("{a}", ...): '
            f"add it as the first code cell {SEE}"
        )
    elif re.search(r'gpu\s*=\s*"(recommended|required)"', setup.group("args")) and (
        "cpu_note" not in setup.group("args")
    ):
        out.append(
            f"source/{a}/{a}.py asks for a GPU but its setup_notebook call has no cpu_note=: say "
            f"what runs scaled down on a CPU {SEE}"
        )
    title = TITLE.search(text)
    if not title:
        out.append(
            f"source/{a}/{a}.py has no title line '# # <title> (<total> points)': add it to the "
            f"header cell {SEE}"
        )

    # Files next to the notebook.
    shipped = sorted(
        p.relative_to(src).as_posix()
        for p in src.rglob("*")
        if p.is_file()
        and p.name not in (f"{a}.py", f"{a}.ipynb")
        and not NOT_RELEASED & set(p.relative_to(src).parts)
        and p.suffix != ".pyc"
    )
    registry_file = root / "nlpcourse" / "fixtures.json"
    registry = json.loads(registry_file.read_text()) if registry_file.is_file() else {}
    listed = sorted(registry.get(a, {}))
    if shipped != listed:
        out.append(
            f"source/{a} ships {shipped or 'no files'} but nlpcourse/fixtures.json lists "
            f"{listed or 'none'} for it: run `make release` and commit the registry {SEE}"
        )
    hidden = src / "hidden"
    if hidden.is_dir():
        data = [p.name for p in hidden.iterdir() if p.is_file() and p.suffix != ".py"]
        makers = [p for p in hidden.iterdir() if p.suffix == ".py" and p.name != "checks.py"]
        if data and not makers:
            out.append(
                f"source/{a}/hidden/ holds {sorted(data)} but no seeded script that makes them: "
                f"commit it next to them {SEE}"
            )
    checks = hidden / "checks.py"
    graded = autograded_ids(text)
    if not checks.is_file():
        out.append(
            f"source/{a} has no hidden/checks.py: its autograded cells {graded} are scored by "
            f"checks that run in the grader, one @check per cell {SEE}"
        )
    else:
        missing = sorted(set(graded) - checked_ids(checks))
        if missing:
            out.append(
                f"source/{a}/hidden/checks.py has no @check for the autograded cell(s) "
                f"{missing}: add one each {SEE}"
            )
    if "### BEGIN HIDDEN TESTS" in text:
        out.append(
            f"source/{a}/{a}.py has hidden tests in the notebook, where the student's kernel "
            f"runs them: move them into hidden/checks.py {SEE}"
        )
    if not (root / "release" / a / f"{a}.ipynb").is_file():
        out.append(
            f"source/{a} has no release/{a}/{a}.ipynb: run `make release` and commit it {SEE}"
        )

    # Tests.
    cases = root / "tests" / "submissions" / a
    for case in REQUIRED_CASES:
        if not (cases / f"{case}.py").is_file():
            out.append(f"source/{a} has no tests/submissions/{a}/{case}.py: add one {SEE}")
    n = len([*cases.glob("*.py"), *cases.glob("*.ipynb")]) if cases.is_dir() else 0
    if n < MIN_CASES:
        out.append(
            f"source/{a} has {n} test submission(s) in tests/submissions/{a}/; at least "
            f"{MIN_CASES}: add the common wrong answers and the right alternatives {SEE}"
        )
    files = [*cases.glob("*.py")] if cases.is_dir() else []
    if not any('"no_better_than"' in f.read_text(encoding="utf-8") for f in files):
        out.append(
            f"source/{a} has no cheating case in tests/submissions/{a}/: add a wrong answer "
            f'with a trick, held to that answer by "no_better_than" {SEE}'
        )
    if not (root / "tests" / "assignments" / f"test_{a}.py").is_file():
        out.append(
            f"source/{a} has no tests/assignments/test_{a}.py: add its own tests (package code, "
            f"fixture scripts, the notebook on CPU) {SEE}"
        )

    # Where the pack lists its assignments.
    readme = root / "README.md"
    row = _readme_row(a).search(readme.read_text(encoding="utf-8")) if readme.is_file() else None
    if not row:
        out.append(
            f"source/{a} has no row in README.md's Assignments table: add `| [{a}]"
            f"(release/{a}/{a}.ipynb) | <topic> | <points> | <Colab badge> |` {SEE}"
        )
    else:
        if title and float(row.group("points")) != float(title.group(1)):
            out.append(
                f"README.md's Assignments table gives {a} {row.group('points')} points, its "
                f"header {title.group(1)}: make them agree {SEE}"
            )
        if row.group("colab") != config.colab_url(a):
            out.append(
                f"README.md's Colab link for {a} is {row.group('colab')}, not "
                f"{config.colab_url(a)} {SEE}"
            )
    bench = root / "bench" / "notebooks.py"
    if a not in (_bench_targets(bench) if bench.is_file() else {}):
        out.append(
            f"source/{a} has no CPU time target in bench/notebooks.py's TARGETS: add the one "
            f"its issue sets {SEE}"
        )
    return out


def test_the_guide_has_the_checklist_these_messages_point_to():
    guide = (ROOT / "source" / "README.md").read_text(encoding="utf-8")
    assert "\n## Adding an assignment\n" in guide


def source_folders(root: Path) -> list[str]:
    return sorted(
        p.name for p in (root / "source").iterdir() if p.is_dir() and p.name not in NOT_RELEASED
    )


@pytest.mark.parametrize("a", source_folders(ROOT))
def test_assignment_has_every_piece(a):
    missing = missing_pieces(ROOT, a)
    assert not missing, "\n".join(missing)


# A fake course tree with one complete assignment; each test below takes one piece away.
A = "a7_x"
TEXT = textwrap.dedent(
    f'''\
    # %% [markdown]
    # # Assignment 7: x (5 points)

    # %% tags=["setup"]
    import nlpcourse

    device = nlpcourse.setup_notebook("{A}", gpu="optional")

    # %% nbgrader={{"grade_id": "f", "solution": true}}
    def f():
        ### BEGIN SOLUTION
        return 1
        ### END SOLUTION

    # %% nbgrader={{"grade_id": "test_f", "grade": true, "points": 5}}
    """f."""
    assert f() == 1
    '''
)


@pytest.fixture
def tree(tmp_path) -> Path:
    (tmp_path / "source" / A / "hidden").mkdir(parents=True)
    (tmp_path / "source" / A / f"{A}.py").write_text(TEXT)
    (tmp_path / "source" / A / "data.npy").write_bytes(b"x")
    (tmp_path / "source" / A / "hidden" / "cases.npz").write_bytes(b"x")
    (tmp_path / "source" / A / "hidden" / "make_cases.py").write_text("")
    (tmp_path / "source" / A / "hidden" / "checks.py").write_text(
        '@check("test_f")\ndef f(k, rng, r):\n    r.expect(k.call("f") == 1, "f() must be 1")\n'
    )
    (tmp_path / "nlpcourse").mkdir()
    (tmp_path / "nlpcourse" / "fixtures.json").write_text(json.dumps({A: {"data.npy": "0" * 64}}))
    (tmp_path / "release" / A).mkdir(parents=True)
    (tmp_path / "release" / A / f"{A}.ipynb").write_text("{}")
    cases = tmp_path / "tests" / "submissions" / A
    cases.mkdir(parents=True)
    for name in [*REQUIRED_CASES, "w1", "w2"]:
        (cases / f"{name}.py").write_text("")
    (cases / "cheat.py").write_text('# %% [markdown] expect={"lose": [], "no_better_than": "w1"}')
    (tmp_path / "tests" / "assignments").mkdir()
    (tmp_path / "tests" / "assignments" / f"test_{A}.py").write_text("")
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    (tmp_path / "README.md").write_text(
        "| Assignment | Topic | Points | Open |\n|---|---|---|---|\n"
        f"| [{A}](release/{A}/{A}.ipynb) | x | 5 | "
        f"[![Open In Colab]({badge})]({config.colab_url(A)}) |\n"
    )
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "notebooks.py").write_text(f'TARGETS = {{\n    "{A}": 60,\n}}\n')
    return tmp_path


def test_a_complete_fake_assignment_has_every_piece(tree):
    assert missing_pieces(tree, A) == []


def _only(tree: Path) -> str:
    missing = missing_pieces(tree, A)
    assert len(missing) == 1, missing
    assert missing[0].endswith(SEE)
    return missing[0]


def test_a_notebook_not_named_after_its_folder_is_named(tree):
    (tree / "source" / A / f"{A}.py").rename(tree / "source" / A / "a7.py")
    assert source_folders(tree) == [A] and config.assignments(tree) == []
    assert _only(tree).startswith(f"source/{A} has no text notebook {A}.py")


def test_missing_partly_wrong_case_is_named(tree):
    (tree / "tests" / "submissions" / A / "partly_wrong.py").rename(
        tree / "tests" / "submissions" / A / "w4.py"
    )
    assert _only(tree) == f"source/{A} has no tests/submissions/{A}/partly_wrong.py: add one {SEE}"


def test_too_few_cases_are_named(tree):
    (tree / "tests" / "submissions" / A / "w2.py").unlink()
    assert f"has 5 test submission(s) in tests/submissions/{A}/; at least 6" in _only(tree)


def test_missing_cheating_case_is_named(tree):
    (tree / "tests" / "submissions" / A / "cheat.py").write_text("")
    assert "has no cheating case in tests/submissions/" in _only(tree)


def test_missing_own_test_file_is_named(tree):
    (tree / "tests" / "assignments" / f"test_{A}.py").unlink()
    assert _only(tree).startswith(f"source/{A} has no tests/assignments/test_{A}.py")


def test_missing_release_is_named(tree):
    (tree / "release" / A / f"{A}.ipynb").unlink()
    assert _only(tree).startswith(f"source/{A} has no release/{A}/{A}.ipynb: run `make release`")


def test_fixture_missing_from_the_registry_is_named(tree):
    (tree / "source" / A / "more.npy").write_bytes(b"y")
    assert _only(tree).startswith(
        f"source/{A} ships ['data.npy', 'more.npy'] but nlpcourse/fixtures.json lists ['data.npy']"
    )


def test_hidden_data_without_its_script_is_named(tree):
    (tree / "source" / A / "hidden" / "make_cases.py").unlink()
    assert _only(tree).startswith(f"source/{A}/hidden/ holds ['cases.npz'] but no seeded script")


def test_missing_readme_row_and_wrong_points_are_named(tree):
    readme = tree / "README.md"
    readme.write_text(readme.read_text().replace(" | 5 | ", " | 6 | "))
    assert _only(tree).startswith(
        f"README.md's Assignments table gives {A} 6 points, its header 5: make them agree"
    )
    readme.write_text("# no table\n")
    assert _only(tree).startswith(f"source/{A} has no row in README.md's Assignments table")


def test_missing_bench_target_is_named(tree):
    (tree / "bench" / "notebooks.py").write_text("TARGETS = {}\n")
    assert _only(tree).startswith(f"source/{A} has no CPU time target in bench/notebooks.py")


def test_setup_cell_title_and_cpu_note_are_named(tree):
    text = tree / "source" / A / f"{A}.py"
    text.write_text(TEXT.replace('gpu="optional"', 'gpu="recommended"'))
    assert "asks for a GPU but its setup_notebook call has no cpu_note=" in _only(tree)
    text.write_text(TEXT.replace(f'setup_notebook("{A}"', 'setup_notebook("a6_pretraining"'))
    assert _only(tree).startswith(
        f'source/{A}/{A}.py has no setup cell calling nlpcourse.setup_notebook("{A}", ...)'
    )
    text.write_text(TEXT.replace(" (5 points)", ""))
    assert _only(tree).startswith(f"source/{A}/{A}.py has no title line")


def test_an_autograded_cell_without_a_check_is_named(tree):
    (tree / "source" / A / "hidden" / "checks.py").write_text("")
    assert "no @check for the autograded cell(s) ['test_f']" in _only(tree)
    (tree / "source" / A / "hidden" / "checks.py").unlink()
    assert "has no hidden/checks.py" in _only(tree)


def test_hidden_tests_left_in_a_notebook_are_named(tree):
    path = tree / "source" / A / f"{A}.py"
    path.write_text(path.read_text() + "### BEGIN HIDDEN TESTS\nassert f()\n### END HIDDEN TESTS\n")
    assert "move them into hidden/checks.py" in _only(tree)
