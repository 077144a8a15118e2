"""Checks that decide a graded cell's score in the grader's process, never in the student's.

An assignment's checks live in ``source/<assignment>/hidden/checks.py``, a file that is never
released and never visible inside the sandbox. It holds one function per autograded cell::

    from nlpcourse.course.verdicts import check

    @check("test_double_hidden", parts={"values": 3, "errors": 2})
    def double_hidden(k, rng, r):
        for x in rng.normal(size=4):
            r.close(k.call("double", float(x)), 2 * x, f"double({x:.3f})", part="values")
        r.expect(k.raises("double", "a") == "TypeError", "double('a') must raise TypeError",
                 part="errors")

``k`` (:class:`Kernel`) asks the student's kernel for data, ``rng`` is drawn from the course
secret, the student and the cell (fresh inputs per student, the same on a re-grade), ``r``
(:class:`Report`) collects what passed and what failed. The references, expected values and
tolerances stay here, in the grader. :class:`nlpcourse.course.sandbox.SandboxedExecute` runs a
cell's check right after the cell ran; :class:`nlpcourse.course.preprocessors.ApplyVerdicts`
writes the verdicts into the notebook, where nbgrader scores them as usual (partial credit
included).
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlpcourse import probe, wire

CHECKS_FILE = "checks.py"
_REGISTRY: dict[str, Check] = {}


class NoReply(Exception):
    """The kernel gave no usable answer: it died, timed out, or sent a malformed reply."""


class Raised(Exception):
    """The student's code raised an exception while the grader asked for a value."""

    def __init__(self, what: str, type_name: str, message: str):
        super().__init__(f"{what} raised {type_name}: {message}")
        self.what, self.type_name, self.message = what, type_name, message


class Stop(Exception):
    """Raised by :meth:`Report.fail`: the check ends here."""


# --- asking the kernel -----------------------------------------------------------------------


def _short(v) -> str:
    if isinstance(v, (bool, int, str)) or v is None:
        return repr(v) if len(repr(v)) <= 40 else f"<{type(v).__name__}>"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, np.ndarray):
        return f"<array {tuple(v.shape)}>"
    return f"<{type(v).__name__}>"


class Kernel:
    """The student's running kernel, as the checks see it: it answers with data only."""

    def __init__(self, send: Callable[[str], str]):
        self._send = send
        self._ids = itertools.count()

    def eval(self, expr: str, **inputs):
        """The value of ``expr`` evaluated in the notebook's namespace, with ``inputs`` bound
        as names. Raises :class:`Raised` if the student's code raised, :class:`NoReply` if no
        usable answer came."""
        nonce = f"{next(self._ids)}-{np.random.default_rng().integers(1 << 62):x}"
        req = probe.request(nonce, expr, inputs)
        text = self._send(f"__import__('nlpcourse.probe').probe.reply(globals(), {req!r})")
        try:
            out = wire.parse(text)
        except wire.Malformed as exc:
            why = f"the kernel's reply was not in the autograder's format ({exc})"
            raise NoReply(why) from None
        if not isinstance(out, dict) or out.get("nonce") != nonce:
            raise NoReply("the kernel's reply did not answer the autograder's request")
        if "raised" in out and isinstance(out["raised"], dict):
            exc = out["raised"]
            raise Raised(expr, str(exc.get("type", "?"))[:100], str(exc.get("message", ""))[:1000])
        if "value" not in out:
            raise NoReply("the kernel's reply held no value")
        try:
            return wire.decode(out["value"])
        except wire.Malformed as exc:
            raise NoReply(f"the kernel's reply could not be read ({exc})") from None

    def call(self, name: str, *args, **kwargs):
        """``name(*args, **kwargs)`` in the kernel; the arguments travel as data."""
        if not name.isidentifier():
            raise ValueError(f"not a function name: {name!r}")
        binds = {f"_nlpcourse_a{i}": a for i, a in enumerate(args)}
        binds.update({f"_nlpcourse_k_{k}": v for k, v in kwargs.items()})
        argtext = [*binds][: len(args)] + [f"{k}=_nlpcourse_k_{k}" for k in kwargs]
        try:
            return self.eval(f"{name}({', '.join(argtext)})", **binds)
        except Raised as exc:
            shown = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
            raise Raised(f"{name}({', '.join(shown)})", exc.type_name, exc.message) from None

    def raises(self, name: str, *args, **kwargs) -> str | None:
        """The exception type name that ``name(*args, **kwargs)`` raised, or None."""
        try:
            self.call(name, *args, **kwargs)
        except Raised as exc:
            return exc.type_name
        return None

    def eval_raises(self, expr: str, **inputs) -> str | None:
        """The exception type name that evaluating ``expr`` raised, or None."""
        try:
            self.eval(expr, **inputs)
        except Raised as exc:
            return exc.type_name
        return None

    def defined(self, name: str) -> bool:
        """Whether the notebook defines ``name``."""
        return self.eval(f"{name!r} in globals()") is True


def ask(k: Kernel, r: Report, expr: str, what: str, part: str | None = None, **inputs):
    """``(k.eval(expr, **inputs), True)``, or ``(None, False)`` with the student's exception
    recorded in ``r`` against ``part`` ("<what> raised <type>: <message>"): the shared first
    step of a check that asks for one value and goes on to the next case if it raised."""
    try:
        return k.eval(expr, **inputs), True
    except Raised as exc:
        r.expect(False, f"{what} raised {exc.type_name}: {exc.message}", part)
        return None, False


def number(v) -> float | None:
    """A scalar the student returned, as a float; None if it is not one number (a bool, a
    bool array, a string or an array of more than one element is not)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iuf":
        return float(v.reshape(()))
    return None


# --- collecting the outcome ------------------------------------------------------------------


@dataclass
class Report:
    """What a check found. Without ``parts`` a check is all or nothing; with parts (name ->
    weight) each part scores if it passed at least once and never failed."""

    parts: dict[str, float] | None = None
    failed: dict[str, list[str]] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)

    def _names(self, part: str | None) -> list[str]:
        if self.parts is None:
            return ["all"]
        if part is None:
            return list(self.parts)
        if part not in self.parts:
            raise KeyError(f"unknown part {part!r} (declared: {sorted(self.parts)})")
        return [part]

    def expect(self, ok, message: str, part: str | None = None) -> bool:
        """Record a case: ``message`` (plain words, the student's own numbers, never an
        expected value of a hidden case) is shown when ``ok`` is false."""
        ok = bool(ok)
        for name in self._names(part):
            if ok:
                self.passed.add(name)
            else:
                self.failed.setdefault(name, [])
                if message not in self.failed[name]:
                    self.failed[name].append(message)
        return ok

    def fail(self, message: str, part: str | None = None):
        """Record a failure and end the check."""
        self.expect(False, message, part)
        raise Stop(message)

    def array(self, got, what: str, shape=None, part: str | None = None) -> np.ndarray:
        """``got`` as a float array, or the check ends with a message saying what it was."""
        if isinstance(got, (np.ndarray, np.generic, int, float)) and not isinstance(got, bool):
            a = np.asarray(got)
        elif isinstance(got, (list, tuple)):
            try:
                a = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                self.fail(f"{what} returned a {type(got).__name__} that is not numeric", part)
        else:
            self.fail(f"{what} returned {_short(got)}, not a number or an array", part)
        if a.dtype.kind not in "biuf":
            self.fail(f"{what} returned an array of dtype {a.dtype}, not numbers", part)
        if shape is not None and tuple(a.shape) != tuple(shape):
            self.fail(f"{what} has shape {tuple(a.shape)}, expected {tuple(shape)}", part)
        return a.astype(float)

    def close(self, got, want, what: str, part: str | None = None, rtol=1e-7, atol=1e-9) -> bool:
        """``got`` equals ``want`` (shape and values within the tolerances)."""
        want = np.asarray(want, dtype=float)
        try:
            a = self.array(got, what, shape=want.shape, part=part)
        except Stop:
            return False
        bad = ~np.isclose(a, want, rtol=rtol, atol=atol)
        if not bad.any():
            return self.expect(True, "", part)
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
        yours = a[idx] if a.ndim else a
        where = f" at index {idx}" if idx else ""
        return self.expect(
            False,
            f"{what}: {int(bad.sum())} of {bad.size} values are wrong (tolerance rtol={rtol:g}, "
            f"atol={atol:g}); e.g. yours is {float(yours):.6g}{where}",
            part,
        )

    def fraction(self) -> float:
        if self.parts is None:
            return 1.0 if self.passed and not self.failed else 0.0
        total = sum(self.parts.values())
        got = sum(w for p, w in self.parts.items() if p in self.passed and p not in self.failed)
        return got / total if total else 0.0

    def lines(self) -> list[str]:
        out = []
        for name in self.parts or ["all"]:
            label = "" if self.parts is None else f"{name}: "
            msgs = self.failed.get(name, [])
            out += [f"{label}{msg}" for msg in msgs[:3]]
            if len(msgs) > 3:
                out.append(f"{label}... and {len(msgs) - 3} more like these")
            if name not in self.failed and name not in self.passed:
                out.append(f"{label}not checked (an earlier problem stopped the check)")
        return out


# --- checks, their registry, and running one -------------------------------------------------


@dataclass
class Check:
    grade_id: str
    fn: Callable
    parts: dict[str, float] | None = None
    doc: str = ""


def check(grade_id: str, parts: dict[str, float] | None = None):
    """Register the decorated function as the check of the graded cell ``grade_id``."""

    def register(fn):
        doc = " ".join((fn.__doc__ or "").split())
        _REGISTRY[grade_id] = Check(grade_id, fn, dict(parts) if parts else None, doc)
        return fn

    return register


_SHARED: dict = {}


def shared(key, make: Callable):
    """``make()``, made once per grading process and handed to the checks of every notebook
    graded in it (``load_checks`` runs a checks.py afresh for each notebook, so module-level
    caches last one notebook only). For read-only reference data that is costly to build, such
    as a3's DistilBERT (~4 s a notebook): a student's grading must never see what another's
    left, so what ``make`` returns must not be changed by any check (freeze its arrays). ``key``
    names what is made and from what (e.g. a path with its modification time)."""
    if key not in _SHARED:
        _SHARED[key] = make()
    return _SHARED[key]


class ChecksError(RuntimeError):
    """An assignment's checks.py cannot be loaded or does not cover its graded cells."""


def load_checks(path: str | Path) -> dict[str, Check]:
    """The checks a ``checks.py`` registers (its folder is on ``sys.path`` while it loads, so
    it can import its neighbours in ``hidden/``)."""
    path = Path(path)
    name = "nlpcourse_checks_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    before = dict(_REGISTRY)
    _REGISTRY.clear()
    sys.path.insert(0, str(path.parent))
    sys.modules[name] = module  # as an import does (dataclasses look their module up)
    try:
        spec.loader.exec_module(module)
        return dict(_REGISTRY)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise ChecksError(f"{path}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(path.parent))
        _REGISTRY.clear()
        _REGISTRY.update(before)


def rng_for(secret: str, assignment: str, student: str, grade_id: str) -> np.random.Generator:
    """The generator of a cell's hidden inputs: fixed by the course secret, the student and
    the cell, so inputs differ between students and a re-grade draws the same ones."""
    digest = hashlib.sha256("\0".join([secret, assignment, student, grade_id]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


@dataclass
class Verdict:
    """A graded cell's outcome: the share of its points and the lines that explain it."""

    grade_id: str
    fraction: float
    lines: list[str]
    summary: str = ""
    internal_error: bool = False


def run(chk: Check, kernel: Kernel, rng: np.random.Generator, log=None) -> Verdict:
    """Run one check; whatever happens, a verdict comes back."""
    r = Report(parts=chk.parts)
    try:
        chk.fn(kernel, rng, r)
    except Stop:
        pass
    except Raised as exc:
        r.expect(False, str(exc))
    except NoReply as exc:
        return Verdict(chk.grade_id, 0.0, [f"no answer from your notebook: {exc}"], chk.doc)
    except Exception as exc:  # noqa: BLE001 - a check that breaks must not stop the grading
        if log is not None:
            log.error("Check %s failed in the grader:\n%s", chk.grade_id, traceback.format_exc())
        return Verdict(
            chk.grade_id,
            0.0,
            [
                f"the autograder could not check this answer ({type(exc).__name__}); "
                "your instructor has been told and will look at it"
            ],
            chk.doc,
            internal_error=True,
        )
    return Verdict(chk.grade_id, r.fraction(), r.lines(), chk.doc)
