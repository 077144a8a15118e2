"""nlpcourse.course.timing: phases add up, and take() starts again from zero."""

import time

import pytest

from nlpcourse.course import timing


def test_phases_sum_and_take_resets():
    timing.take()
    with timing.phase("a"):
        time.sleep(0.02)
    with timing.phase("a"):
        time.sleep(0.02)
    timing.add("b", 1.5)
    got = timing.take()
    assert got["b"] == 1.5
    assert 0.04 <= got["a"] < 1.0
    assert timing.take() == {}


def test_a_phase_that_raises_is_counted():
    timing.take()
    with pytest.raises(ValueError), timing.phase("x"):
        time.sleep(0.01)
        raise ValueError
    assert timing.take()["x"] >= 0.01
