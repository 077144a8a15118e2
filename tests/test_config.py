"""The course config (nlpcourse/config.py): the students' repository and the release tag named
once and every URL made from them; tags that cannot be one refused with an example; the course
id nbgrader sets; finding the course root and its assignments."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from nlpcourse import config


def test_config_course_id_is_the_one_nbgrader_config_sets():
    found = re.search(
        r'^c\.CourseDirectory\.course_id = "([^"]+)"$',
        (ROOT / "nbgrader_config.py").read_text(),
        re.M,
    )
    assert found, "nbgrader_config.py no longer sets c.CourseDirectory.course_id"
    assert config.COURSE_ID == found.group(1), (
        f"nlpcourse/config.py's COURSE_ID is {config.COURSE_ID!r} but nbgrader_config.py sets "
        f"{found.group(1)!r}: make them agree"
    )


def test_every_url_is_the_students_repository_at_the_tag(monkeypatch):
    monkeypatch.setattr(config, "STUDENT_REPOSITORY", "uni/nlp-students")
    monkeypatch.setattr(config, "RELEASE_TAG", "v2")
    monkeypatch.delenv("NLPCOURSE_FIXTURE_URL", raising=False)
    assert config.install_spec() == "nlpcourse @ git+https://github.com/uni/nlp-students@v2"
    assert config.install_spec("v3").endswith("@v3")
    assert config.fixture_base_url() == (
        "https://raw.githubusercontent.com/uni/nlp-students/v2/release"
    )
    assert config.colab_url("a1_backprop") == (
        "https://colab.research.google.com/github/uni/nlp-students/blob/v2/"
        "release/a1_backprop/a1_backprop.ipynb"
    )
    assert config.blob_url("nlpcourse/gpt.py") == (
        "https://github.com/uni/nlp-students/blob/v2/nlpcourse/gpt.py"
    )
    assert "main" not in config.colab_url("a1_backprop") + config.fixture_base_url()


def test_the_committed_tag_is_a_tag():
    assert config.check_tag(config.RELEASE_TAG) == config.RELEASE_TAG


@pytest.mark.parametrize("bad", ["", "-x", "a b", "a..b", "x.lock", "v1.", "a/b", "é", "x" * 101])
def test_a_tag_that_cannot_be_one_is_refused_with_an_example(bad):
    with pytest.raises(ValueError, match="cannot be a release tag.*e.g. release-"):
        config.check_tag(bad)


def test_the_course_root_is_found_from_below_and_named_when_missing(tmp_path):
    assert config.find_course_root(ROOT / "source" / "a2_dropout_cnn") == ROOT
    with pytest.raises(FileNotFoundError, match="No course root found.*--root"):
        config.find_course_root(tmp_path)


def test_assignments_are_source_folders_with_their_text_notebook(tmp_path):
    for name, has_text in [("a1_x", True), ("a2_y", False), ("a3_z", True)]:
        (tmp_path / "source" / name).mkdir(parents=True)
        if has_text:
            (tmp_path / "source" / name / f"{name}.py").write_text("")
    (tmp_path / "source" / "README.md").write_text("")
    assert config.assignments(tmp_path) == ["a1_x", "a3_z"]
