"""nlpcourse.course.verdicts: checks decide from data, and no reply the kernel can forge fools them.

The kernel is played here by a namespace and ``eval`` (what ipykernel does with a user
expression): ``send`` returns the ``repr`` of the expression's value, as the kernel would.
"""

import json

import jupytext
import numpy as np
import pytest
from conftest import ROOT

from nlpcourse.course import submissions, verdicts

A2 = ROOT / "source" / "a2_dropout_cnn"


def fake_kernel(ns: dict) -> verdicts.Kernel:
    return verdicts.Kernel(lambda expr: repr(eval(expr, ns)))


def test_call_eval_raises_and_defined():
    ns = {"f": lambda x, scale=1: np.asarray(x) * scale, "g": lambda: 1 / 0}
    k = fake_kernel(ns)
    assert np.array_equal(k.call("f", np.arange(3), scale=2), [0, 2, 4])
    assert k.eval("f(x)[1]", x=[5, 6]) == 6
    assert k.raises("g") == "ZeroDivisionError" and k.raises("f", 1) is None
    assert k.eval_raises("undefined_name") == "NameError"
    assert k.defined("f") and not k.defined("h")
    with pytest.raises(verdicts.Raised, match=r"g\(\) raised ZeroDivisionError"):
        k.call("g")


def test_ask_returns_the_value_or_records_what_the_student_raised():
    k = fake_kernel({"f": lambda x: x * 2, "g": lambda: [][0]})
    r = verdicts.Report(parts={"a": 1, "b": 1})
    assert verdicts.ask(k, r, "f(x)", "f(3)", "a", x=3) == (6, True)
    assert verdicts.ask(k, r, "g()", "g()", "b") == (None, False)
    r.expect(True, "", "a")
    assert r.lines() == ["b: g() raised IndexError: list index out of range"]
    assert r.fraction() == 0.5, "the exception costs its own part only"


@pytest.mark.parametrize(
    "value, want",
    [(3, 3.0), (2.5, 2.5), (np.float32(1.5), 1.5), (np.int64(-2), -2.0), (np.array([[4.0]]), 4.0),
     (True, None), (np.array(True), None), (np.array([1.0, 2.0]), None), ("3", None),
     (None, None), (np.array(["x"]), None)],
)  # fmt: skip
def test_number_is_one_number_and_nothing_else(value, want):
    assert verdicts.number(value) == want


@pytest.mark.parametrize(
    "forged",
    [
        "'not json !'",
        "42",
        repr(json.dumps({"nonce": "0-1", "value": 1})),  # the JSON as a quoted string
        json.dumps({"nonce": "other", "value": 1}),
        json.dumps({"nonce": None}),
        json.dumps({"nonce": "x", "value": 1})[:-1],  # cut short
        "[" * 100_000 + "]" * 100_000,  # nested past Python's recursion limit
    ],
)
def test_forged_or_malformed_replies_are_no_reply(forged):
    k = verdicts.Kernel(lambda expr: forged)
    with pytest.raises(verdicts.NoReply):
        k.call("f", 1)


def test_report_parts_all_or_nothing_and_unreported():
    r = verdicts.Report()
    assert r.fraction() == 0.0, "a check that recorded nothing must not score"
    r.expect(True, "")
    assert r.fraction() == 1.0
    r.expect(False, "wrong")
    assert r.fraction() == 0.0 and r.lines() == ["wrong"]
    r = verdicts.Report(parts={"a": 1, "b": 3, "c": 1})
    r.expect(True, "", "a")
    r.expect(True, "", "b")
    r.expect(False, "b broke", "b")
    assert r.fraction() == pytest.approx(1 / 5)
    assert "b: b broke" in r.lines() and any(ln.startswith("c: not checked") for ln in r.lines())
    with pytest.raises(KeyError):
        r.expect(True, "", "nope")


def test_close_and_array_messages_show_the_students_numbers_only():
    r = verdicts.Report()
    want = np.array([1.0, 2.0, 3.0])
    assert not r.close(np.array([1.0, 2.5, 3.0]), want, "f(x)")
    (msg,) = r.lines()
    assert "1 of 3 values" in msg and "2.5" in msg and "(1,)" in msg
    assert "2.0" not in msg.replace("2.5", ""), "the expected value must not be shown"
    r = verdicts.Report()
    assert not r.close("text", want, "f(x)")
    assert "'text', not a number" in r.lines()[0]


def test_run_turns_every_outcome_into_a_verdict():
    k = fake_kernel({"f": lambda: 1 / 0})

    def uses_raising_function(k, rng, r):
        r.expect(k.call("f") == 1, "f")

    def buggy_check(k, rng, r):
        raise TypeError("bug in the check")

    def no_reply(k, rng, r):
        raise verdicts.NoReply("the kernel died")

    rng = np.random.default_rng(0)
    v = verdicts.run(verdicts.Check("c", uses_raising_function), k, rng)
    assert v.fraction == 0 and "raised ZeroDivisionError" in v.lines[0]
    v = verdicts.run(verdicts.Check("c", buggy_check), k, rng)
    assert v.fraction == 0 and v.internal_error and "instructor" in v.lines[0]
    v = verdicts.run(verdicts.Check("c", no_reply), k, rng)
    assert v.fraction == 0 and "no answer" in v.lines[0]


def test_rng_is_per_student_and_reproducible():
    a = verdicts.rng_for("s", "a2", "alice", "test_x").random(3)
    assert np.array_equal(a, verdicts.rng_for("s", "a2", "alice", "test_x").random(3))
    assert not np.array_equal(a, verdicts.rng_for("s", "a2", "bob", "test_x").random(3))
    assert not np.array_equal(a, verdicts.rng_for("t", "a2", "alice", "test_x").random(3))


def test_load_checks_reports_a_broken_file(tmp_path):
    (tmp_path / "checks.py").write_text("raise RuntimeError('oops')\n")
    with pytest.raises(verdicts.ChecksError, match="oops"):
        verdicts.load_checks(tmp_path / "checks.py")


def test_an_assignment_without_checks_stops_instead_of_trusting_the_kernel(tmp_path):
    """Autograded cells and no hidden/checks.py: the grader refuses (the instructor's error),
    since otherwise the kernel's own outputs would decide those cells; a notebook without
    autograded cells needs no checks."""
    import nbformat

    from nlpcourse.course.preprocessors.sandboxedexecute import SandboxedExecute

    (tmp_path / "hw").mkdir()
    ep = SandboxedExecute(source_dir=str(tmp_path), sandbox=False)
    test = nbformat.v4.new_code_cell("assert True")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_f"}
    resources = {"nbgrader": {"assignment": "hw", "student": "s"}}
    with pytest.raises(verdicts.ChecksError, match=r"checks\.py is missing.*test_f"):
        ep._load_checks(nbformat.v4.new_notebook(cells=[test]), resources)
    ep._load_checks(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), resources)
    assert ep._checks is None


def notebook_namespace(case_name: str) -> dict:
    """a2's source notebook executed in this process with a case's cells swapped in."""
    nb = jupytext.read(A2 / "a2_dropout_cnn.py")
    case = submissions.load_case(
        ROOT / "tests" / "submissions" / "a2_dropout_cnn" / f"{case_name}.py"
    )
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "setup" in cell.metadata.get("tags", []):
            continue
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("grade"):
            continue  # the visible tests are not needed here
        src = case.replace.get(gid, cell.source) if gid else cell.source
        exec(submissions.strip_solution_delimiters(src), ns)
    return ns


def run_all(case_name: str) -> dict[str, float]:
    checks = verdicts.load_checks(A2 / "hidden" / "checks.py")
    k = fake_kernel(notebook_namespace(case_name))
    return {
        gid: verdicts.run(c, k, verdicts.rng_for("t", "a2", case_name, gid)).fraction
        for gid, c in checks.items()
    }


def test_a2_checks_give_the_reference_full_marks_and_a_wrong_answer_less():
    assert set(run_all("reference").values()) == {1.0}
    wrong = run_all("conv_flipped_filter")
    assert wrong["test_conv_vs_torch"] < 1 and wrong["test_dropout"] == 1.0


def test_shared_is_made_once_per_process_across_reloads_of_checks(tmp_path):
    """A checks.py is run afresh for every notebook; what it asks verdicts.shared for is made
    once per process, per key."""
    (tmp_path / "checks.py").write_text(
        "from nlpcourse.course.verdicts import check, shared\n"
        "MADE = []\n"
        "def _make():\n    MADE.append(1)\n    return object()\n"
        "VALUE = shared(('test_shared', __file__), _make)\n"
        "@check('t')\ndef t(k, rng, r):\n    r.expect(True, '')\n"
    )
    first = verdicts.load_checks(tmp_path / "checks.py")["t"].fn.__globals__
    second = verdicts.load_checks(tmp_path / "checks.py")["t"].fn.__globals__
    assert first is not second, "each load is a fresh module"
    assert first["VALUE"] is second["VALUE"] and second["MADE"] == [], "made once"
    other = verdicts.shared(("test_shared", "another key"), object)
    assert other is not first["VALUE"]
