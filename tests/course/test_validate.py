"""`nlpcourse validate` reads nbgrader's Validator results: on a tiny course of its own, a right
assignment validates and a wrong one is reported cell by cell (the failing test with its error;
the test that passes on the stub)."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from conftest import ROOT

from nlpcourse.course import release as rel
from nlpcourse.course import validate


def text_notebook(name: str, answer: str, extra_test: str = "", total: int = 5) -> str:
    return textwrap.dedent(
        f'''\
        # %% [markdown]
        # # {name}: doubling ({total} points)

        # %% tags=["setup"]
        import nlpcourse

        device = nlpcourse.setup_notebook("{name}", gpu="optional")

        # %% nbgrader={{"grade_id": "double", "solution": true}}
        def double(x):
            ### BEGIN SOLUTION
            return {answer}
            ### END SOLUTION


        # %% nbgrader={{"grade_id": "test_double", "grade": true, "points": 5}}
        """double(2)."""
        assert double(2) == 4, "double(2) should be 4, got " + repr(double(2))
        '''
    ) + textwrap.dedent(extra_test)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("validate") / "course"
    (root / "source").mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    notebooks = {
        "t_good": text_notebook("t_good", "2 * x"),
        "t_bad": text_notebook(
            "t_bad",
            "x + x + 1",
            '''
            # %% nbgrader={"grade_id": "test_nothing", "grade": true, "points": 1}
            """Checks nothing of the student's."""
            assert 1 + 1 == 2
            ''',
            total=6,
        ),
    }
    for name, text in notebooks.items():
        (root / "source" / name).mkdir()
        (root / "source" / name / f"{name}.py").write_text(text, encoding="utf-8")
    rel.release(root, list(notebooks), write_registry=False)
    return root


@pytest.mark.slow
def test_validate_reads_the_validators_results(course):
    by = {(r.notebook.split("/")[1], r.inverted): r for r in validate.validate(course)}
    assert set(by) == {(a, inv) for a in ("t_good", "t_bad") for inv in (False, True)}

    for inverted in (False, True):
        good = by["t_good", inverted]
        assert good.ok and good.cells == {}, good.output
    assert by["t_good", False].output == "passes every test"
    assert by["t_good", True].output == "passes no test"

    source = by["t_bad", False]
    assert not source.ok
    assert list(source.cells) == ["failed"]
    [failed] = source.cells["failed"]
    assert failed["source"].startswith('"""double(2)."""')
    assert "double(2) should be 4, got 5" in failed["raw_error"]
    assert "a test cell fails" in source.output and "got 5" in source.output

    released = by["t_bad", True]
    assert not released.ok
    assert [c["source"] for c in released.cells["passed"]] == [
        '"""Checks nothing of the student\'s."""\nassert 1 + 1 == 2'
    ]
    assert "passes on the release" in released.output


@pytest.mark.slow
def test_a_validator_that_stops_is_a_failure_with_its_log(course, tmp_path):
    """A notebook the Validator cannot read: no results, so not ok, and the log says why."""
    broken = rel.copy_course(course, tmp_path / "broken", ["t_good"])
    shutil.copytree(course / "release", broken / "release")
    (broken / "release" / "t_good" / "t_good.ipynb").write_text("{not json", encoding="utf-8")
    source, released = validate.validate(broken, ["t_good"])
    assert source.ok
    assert not released.ok and released.cells == {}
    assert "Validator stopped" in released.output and "t_good.ipynb" in released.output
    assert "NotJSONError" in released.output or "JSONDecodeError" in released.output, (
        released.output
    )
