"""Checks every assignment must pass: build, header points, release golden, no leaks, nbgrader
validate, and its test submissions scored as expected through a real autograde."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from conftest import LEAK_PATTERNS, ROOT, assignments

from nlpcourse import registry
from nlpcourse.course import build, submissions, validate
from nlpcourse.course import release as rel

ASSIGNMENTS = assignments()
REQUIRED_CASES = ("reference", "blank", "partly_wrong")


def test_there_are_assignments():
    assert "a2_dropout_cnn" in ASSIGNMENTS


def test_fixture_registry_matches_release():
    assert registry.load_registry() == registry.registry_for_release(ROOT / "release"), (
        "nlpcourse/fixtures.json is out of date with release/: run `make release`"
    )


class Assignment:
    """The checks every assignment must pass, made into one class per assignment below
    (``TestA1Backprop``, ...): `make test` runs `pytest --dist loadscope`, which sends a class's
    tests to one worker as a unit (and a file's plain functions to one worker), so the six
    assignments' real autogrades, most of the suite's time, spread over the workers."""

    a: str

    def test_build_is_deterministic(self, built):
        a = self.a
        first = built[a].read_bytes()
        build.build_assignment(ROOT, a)
        assert built[a].read_bytes() == first

    def test_header_points_match_graded_cells(self, built):
        a = self.a
        nb = nbformat.read(built[a], as_version=4)
        title = next(
            c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")
        )
        m = re.search(r"\((\d+(?:\.\d+)?) points\)", title.splitlines()[0])
        assert m, f"{a}: the title line must end with '(<total> points)'"
        total = sum(build.points_table(nb).values())
        assert float(m.group(1)) == total, (
            f"{a}: header says {m.group(1)} points, cells sum to {total}"
        )

    def test_part_headings_match_their_cells(self, built):
        """A heading `## Part X · ... (N points)` promises N: the graded cells up to the next
        part heading must sum to it."""
        a = self.a
        nb = nbformat.read(built[a], as_version=4)
        parts: list[list] = []  # [heading, promised, found]
        for c in nb.cells:
            m = c.metadata.get("nbgrader", {})
            if c.cell_type == "markdown":
                h = re.search(r"^## (Part .*?\((\d+(?:\.\d+)?) points[^)]*\))", c.source, re.M)
                if h:
                    parts.append([h.group(1), float(h.group(2)), 0.0])
            if m.get("grade") and parts:
                parts[-1][2] += float(m.get("points", 0))
        wrong = [f"{h!r} promises {p:g}, its cells sum to {f:g}" for h, p, f in parts if p != f]
        assert not wrong, f"{a}: " + "; ".join(wrong)

    def test_every_hand_graded_cell_has_a_mark_scheme(self, built):
        """What `nlpcourse markscheme` prints for each cell a person grades names its points: a
        written answer's "**Mark scheme (N).**", a figure's "**How it is marked (N).**"."""
        a = self.a
        from nlpcourse.course.cli import _mark_schemes

        nb = nbformat.read(built[a], as_version=4)
        for cell, scheme in _mark_schemes(nb):
            m = cell.metadata["nbgrader"]
            head = re.search(
                r"\*\*(?:Mark scheme|How it is marked) \((\d+(?:\.\d+)?)\)\.\*\*", scheme
            )
            assert head, f"{a}: {m['grade_id']} has no mark scheme a grader can print"
            assert float(head.group(1)) == m["points"], (m["grade_id"], head.group(0), m["points"])

    def test_every_question_has_a_visible_assert(self, built):
        """Each solution code cell is followed (before the next solution) by a test cell with an
        assert outside the hidden region."""
        a = self.a
        nb = nbformat.read(built[a], as_version=4)
        current, seen_visible = None, {}
        for c in nb.cells:
            m = c.metadata.get("nbgrader", {})
            if c.cell_type == "code" and m.get("solution"):
                current = m["grade_id"]
                seen_visible.setdefault(current, False)
            elif c.cell_type == "code" and m.get("grade") and current:
                visible = c.source.split("### BEGIN HIDDEN TESTS")[0]
                if re.search(r"^\s*assert ", visible, re.M):
                    seen_visible[current] = True
                first = c.source.lstrip().splitlines()[0]
                assert first.startswith('"""'), f"{m['grade_id']}: test cells open with a docstring"
        missing = [k for k, v in seen_visible.items() if not v]
        assert not missing, f"{a}: no visible assert after solution cells {missing}"

    def test_release_has_no_solutions_or_hidden_tests(self, built):
        a = self.a
        rdir = ROOT / "release" / a
        assert (rdir / f"{a}.ipynb").is_file(), f"release/{a} is missing: run `make release`"
        assert not rel.author_only_files(rdir, a), "author-only files in release/: check ignore"
        text = (rdir / f"{a}.ipynb").read_text()
        leak = LEAK_PATTERNS.search(text)
        assert not leak, f"release/{a} contains {leak.group(0)!r}"
        src = nbformat.read(built[a], as_version=4)
        cells = nbformat.read(rdir / f"{a}.ipynb", as_version=4).cells
        released = "\n".join(c.source for c in cells)
        for cell in src.cells:
            m = cell.metadata.get("nbgrader", {})
            secret = []
            if m.get("solution") and cell.cell_type == "code":
                secret = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
            elif m.get("solution"):
                secret = [cell.source]
            secret += re.findall(
                r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S
            )
            for block in secret:
                for line in block.splitlines():
                    line = line.strip()
                    if len(line) > 25 and not line.startswith("#"):
                        assert line not in released, f"{m['grade_id']}: line leaked: {line!r}"

    @pytest.mark.slow
    def test_release_is_golden(self, released):
        """release/<a> is byte for byte what a fresh `nlpcourse release` makes from source/."""
        a = self.a
        course = released(a)
        fresh, committed = course / "release" / a, ROOT / "release" / a
        names = lambda d: sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())  # noqa: E731
        assert names(fresh) == names(committed), "release/ files differ: run `make goldens`"
        for n in names(fresh):
            assert (fresh / n).read_bytes() == (committed / n).read_bytes(), (
                f"release/{a}/{n} is not what `nlpcourse release` makes from source/: run "
                "`make goldens` and commit release/"
            )

    @pytest.mark.slow
    def test_nbgrader_validate(self, released):
        """The source passes all its tests; the release (every stub) passes none."""
        a = self.a
        course = released(a)
        results = validate.validate(course, [a])
        assert len(results) == 2
        for r in results:
            assert r.ok, f"{r.notebook} (invert={r.inverted}):\n{r.output[-3000:]}"

    @pytest.mark.slow
    def test_submissions_score_as_expected(self, tmp_path):
        """Every test submission (right in other ways, wrong in the common ways, and cheating:
        no better than the wrong answer it wraps) scores as its case file says, through a real
        autograde (nbgrader's, driven by `nlpcourse autograde`'s engine)."""
        a = self.a
        folder = ROOT / "tests" / "submissions" / a
        assert folder.is_dir(), f"{a} has no test submissions in {folder}"
        cases = submissions.load_cases(folder)
        names = {c.name for c in cases}
        assert set(REQUIRED_CASES) <= names, f"{a}: missing cases {set(REQUIRED_CASES) - names}"
        assert len(cases) >= 6, f"{a}: too few test submissions to prove the tests' strength"
        results, log = submissions.grade_cases(ROOT, a, cases, workdir=tmp_path / "course")
        table = submissions.format_table(results)
        bad = [r for r in results if r.problems]
        assert not bad, (
            f"cases not scored as expected:\n{table}\n\nnbgrader log tail:\n{log[-3000:]}"
        )
        by = {r.case.name: r for r in results}
        full = sum(s.max_score for s in by["reference"].scores.values() if not s.manual)
        assert by["reference"].total == full
        assert by["blank"].total == 0
        assert 0 < by["partly_wrong"].total < full
        left = list((tmp_path / "course" / "autograded").glob("*/*/hidden"))
        assert not left, (
            f"hidden files left in autograded folders (they would reach feedback): {left}"
        )
        shutil.rmtree(tmp_path / "course", ignore_errors=True)


for _a in ASSIGNMENTS:
    _name = "Test" + "".join(w.capitalize() for w in _a.split("_"))
    _doc = f"{_a}: {Assignment.__doc__}"
    globals()[_name] = type(_name, (Assignment,), {"a": _a, "__doc__": _doc})
