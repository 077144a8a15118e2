"""t1_double's checks, in the grader's process: the model of a check at its smallest."""

from nlpcourse.course.verdicts import check


@check("test_double")
def double_visible(k, rng, r):
    """double(2) is 4."""
    r.expect(k.call("double", 2) == 4, "double(2) should be 4")


@check("test_double_hidden", parts={"numbers": 2, "strings": 2})
def double_hidden(k, rng, r):
    """Whole numbers and floats from rng (exact), and TypeError for a string."""
    xs = [int(v) for v in rng.integers(-1000, 1000, size=5)]
    xs += [float(v) for v in rng.normal(size=3)]
    got = k.eval("[double(x) for x in xs]", xs=xs)
    for x, g in zip(xs, got, strict=True):
        r.expect(g == 2 * x, f"double({x!r}) gave {g!r}, not twice it", "numbers")
    raised = k.raises("double", "ab")
    r.expect(raised == "TypeError", f'double("ab") must raise TypeError, not {raised}', "strings")
