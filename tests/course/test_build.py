"""The build: text notebook -> nbgrader notebook, with metadata filled in and mistakes refused."""

from __future__ import annotations

import textwrap

import pytest

from nlpcourse import config
from nlpcourse.course import build

SETUP = (
    '# %% tags=["setup"]\nimport nlpcourse\n\n'
    'device = nlpcourse.setup_notebook("ax", gpu="optional")\n'
)


def nb(body: str):
    return build.notebook_from_text(
        "# %% [markdown]\n# # AX (5 points)\n\n" + SETUP + textwrap.dedent(body), "ax"
    )


def test_metadata_is_completed_and_ids_are_stable():
    out = nb(
        """
        # %% nbgrader={"grade_id": "f", "solution": true}
        def f():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION

        # %% nbgrader={"grade_id": "test_f", "grade": true, "points": 5}
        \"\"\"Check f.\"\"\"
        assert f() == 1
        """
    )
    cells = {c.id: c for c in out.cells}
    assert cells["f"].metadata.nbgrader == {
        "grade": False,
        "grade_id": "f",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    assert cells["test_f"].metadata.nbgrader["locked"] is True
    assert cells["test_f"].metadata.nbgrader["points"] == 5
    # the badge on top, the setup cell with the Colab install lines in front of the call
    assert out.cells[0].id == "colab_badge" and "colab.research.google.com" in out.cells[0].source
    setup = cells["setup"]
    assert setup.source.index("google.colab") < setup.source.index("setup_notebook(")
    # markdown without metadata is locked with a content-derived id
    md = [c for c in out.cells if c.cell_type == "markdown" and c.id.startswith("md_")]
    assert md and all(c.metadata.nbgrader["locked"] for c in md)
    assert (
        build.notebook_from_text("# %% [markdown]\n# # AX (5 points)\n\n" + SETUP, "ax").cells[1].id
        == md[0].id
    )


@pytest.mark.parametrize(
    "body, message",
    [
        ('# %% nbgrader={"solution": true}\nx = 1\n', "needs a grade_id"),
        ('# %% nbgrader={"grade_id": "a b"}\nx = 1\n', "needs a grade_id"),
        ('# %% nbgrader={"grade_id": "t", "grade": true}\nassert 1\n', 'needs "points"'),
        ('# %% nbgrader={"grade_id": "t", "points": 3}\nx = 1\n', "not graded"),
        (
            '# %% nbgrader={"grade_id": "t", "solution": true, "locked": true}\nx = 1\n',
            "cannot be locked",
        ),
        ('# %% nbgrader={"grade_id": "t", "colour": 1}\nx = 1\n', "unknown nbgrader key"),
        (
            '# %% nbgrader={"grade_id": "t", "solution": true}\nx = 1\n'
            '# %% nbgrader={"grade_id": "t", "solution": true}\ny = 1\n',
            "used twice",
        ),
    ],
)
def test_metadata_mistakes_are_refused_with_the_fix(body, message):
    with pytest.raises(build.BuildError, match=message):
        nb(body)


def test_setup_cell_rules():
    with pytest.raises(build.BuildError, match="exactly one code cell"):
        build.notebook_from_text("# %%\nx = 1\n", "ax")
    with pytest.raises(build.BuildError, match="names another assignment"):
        build.notebook_from_text(SETUP.replace('"ax"', '"ay"'), "ax")
    with pytest.raises(build.BuildError, match="first code cell"):
        build.notebook_from_text("# %%\nx = 1\n\n" + SETUP, "ax")


def test_build_error_names_the_file(tmp_path):
    (tmp_path / "source" / "ax").mkdir(parents=True)
    (tmp_path / "source" / "ax" / "ax.py").write_text("# %%\nx = 1\n")
    with pytest.raises(build.BuildError, match=r"source/ax/ax.py"):
        build.build_assignment(tmp_path, "ax")
    with pytest.raises(build.BuildError, match="no text notebook"):
        build.build_assignment(tmp_path, "missing")


def test_badge_install_line_and_package_links_name_the_students_repository_at_the_tag(
    monkeypatch,
):
    monkeypatch.setattr(config, "STUDENT_REPOSITORY", "org/students")
    monkeypatch.setattr(config, "RELEASE_TAG", "week2")
    out = nb(
        """
        # %% [markdown]
        # Read [`nlpcourse/gpt.py`](nlpcourse/gpt.py) and [the paper](https://arxiv.org/x).
        """
    )
    badge = out.cells[0].source
    assert (
        "(https://colab.research.google.com/github/org/students/blob/week2/release/ax/ax.ipynb)"
        in badge
    )
    setup = next(c.source for c in out.cells if c.id == "setup")
    assert '"NLPCOURSE_REPOSITORY_URL", "https://github.com/org/students")' in setup
    assert 'spec = f"nlpcourse @ git+{url}@week2"' in setup
    assert "Course release week2." in setup and "_render_traceback_" in setup
    link = out.cells[-1].source
    assert "(https://github.com/org/students/blob/week2/nlpcourse/gpt.py)" in link
    assert "(https://arxiv.org/x)" in link
    monkeypatch.setattr(config, "RELEASE_TAG", "no good")
    with pytest.raises(ValueError, match="cannot be a release tag"):
        build.bootstrap_lines()
