"""nlpcourse.course.autograde.engines: nbgrader's Gradebooks in a worker share one engine per
database, so SQL compiled for one notebook is not compiled again for the next."""

from __future__ import annotations

import nbgrader.api as api
import pytest
from nbgrader.api import Gradebook

from nlpcourse.course.autograde import engines


@pytest.fixture
def reusing(monkeypatch):
    """reuse_engines() for this test only: nbgrader's create_engine and the engines made are
    put back afterwards."""
    monkeypatch.setattr(api, "create_engine", api.create_engine)
    monkeypatch.setattr(engines, "_ENGINES", {})
    engines.reuse_engines()


def _cached_sql(engine) -> int:
    return len(engine._compiled_cache)


def test_gradebooks_share_the_engine_and_its_compiled_sql(tmp_path, reusing):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_student("s1")
        first = gb.engine
    with Gradebook(url) as gb:
        assert gb.engine is first, "a second Gradebook on the same database made a new engine"
        gb.find_student("s1")
        cached = _cached_sql(gb.engine)
    with Gradebook(url) as gb:
        gb.add_student("s2")  # written after the previous Gradebook disposed of the pool
        assert gb.find_student("s1").id == "s1"
        assert _cached_sql(gb.engine) == cached, "the same queries were compiled again"
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with Gradebook(other) as gb:
        assert gb.engine is not first, "two databases must not share an engine"
        assert [s.id for s in gb.students] == []
    with Gradebook(url) as gb:
        assert sorted(s.id for s in gb.students) == ["s1", "s2"]


def test_without_it_each_gradebook_makes_its_own_engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as a, Gradebook(url) as b:
        assert a.engine is not b.engine


def test_calling_it_twice_wraps_once(reusing):
    wrapped = api.create_engine
    engines.reuse_engines()
    assert api.create_engine is wrapped
