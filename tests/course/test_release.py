"""`nlpcourse release` (nlpcourse/course/release.py): a release in a course root other than the
pack's own leaves the installed package's fixture registry alone; the copy of a course that
grade-cases and the tests work in."""

from __future__ import annotations

from conftest import ROOT

from nlpcourse.course import release as rel


def test_a_release_in_another_course_leaves_the_package_registry_alone(tmp_path):
    """A demo or release in a scratch course once emptied the package's fixtures.json."""
    from nlpcourse import registry

    before = registry.REGISTRY_FILE.read_bytes()
    (tmp_path / "release" / "a9_x").mkdir(parents=True)
    (tmp_path / "release" / "a9_x" / "data.npy").write_bytes(b"not the pack's")
    assert rel.write_fixture_registry(tmp_path) is False
    assert registry.REGISTRY_FILE.read_bytes() == before
    assert rel.write_fixture_registry(ROOT) is True  # the pack's own root: same content
    assert registry.REGISTRY_FILE.read_bytes() == before


def test_copy_course_takes_the_named_assignments_and_the_config(tmp_path):
    """A fresh course root: the config and the named sources (hidden checks too), no built
    notebooks and no state."""
    course = rel.copy_course(ROOT, tmp_path / "c", ["a2_dropout_cnn"])
    assert (course / "nbgrader_config.py").read_bytes() == (
        ROOT / "nbgrader_config.py"
    ).read_bytes()
    assert sorted(p.name for p in (course / "source").iterdir()) == ["a2_dropout_cnn"]
    assert (course / "source" / "a2_dropout_cnn" / "hidden" / "checks.py").is_file()
    assert not list(course.rglob("*.ipynb")) and not (course / "gradebook.db").exists()
