"""SandboxedExecute: nbgrader's Execute with the sandboxed kernel, an output cap, kernel
deaths scored, and the grader's checks run after each autograded cell.

The kernel answers expressions (:mod:`nlpcourse.probe`); every check, reference and
expected value stays in this process (:mod:`nlpcourse.course.verdicts`).
"""

from __future__ import annotations

from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from nlpcourse import settings
from nlpcourse.course import timing, verdicts
from nlpcourse.course.preprocessors.applyverdicts import DIED_KEY, KEY, autograded
from nlpcourse.course.sandbox.bwrap import (
    SandboxUnavailable,
    allow_unsandboxed,
    bwrap_problem,
    refusal_message,
)
from nlpcourse.course.sandbox.kernel import SandboxKernelManager


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


class SandboxedExecute(Execute):
    """nbgrader's Execute with the sandboxed kernel, an output cap, and kernel deaths scored."""

    sandbox = Bool(True, help="Run kernels in bubblewrap (SandboxKernelManager)").tag(config=True)
    max_output_bytes = Integer(
        2_000_000, help="Output a cell may send; the rest is dropped with a note"
    ).tag(config=True)
    source_dir = Unicode(
        "",
        help="The course's source/ folder: an assignment's checks are read from "
        "<source_dir>/<assignment>/hidden/checks.py and run in this process after each "
        "autograded cell (nlpcourse.course.verdicts)",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._checks = None
        self._died_in = None
        self.kernel_manager_class = SandboxKernelManager if self.sandbox else AsyncKernelManager

    def _load_checks(self, nb, resources) -> None:
        """The assignment's checks (None outside autograde: no assignment, no source_dir).

        An assignment whose notebook has autograded cells but no checks.py stops here with
        the instructor's error: nothing in the kernel may decide those cells' scores.
        """
        self._checks = None
        info = (resources or {}).get("nbgrader", {})
        assignment = info.get("assignment")
        if not (self.source_dir and assignment):
            return
        path = Path(self.source_dir) / assignment / "hidden" / verdicts.CHECKS_FILE
        if not path.is_file():
            graded = [c.metadata["nbgrader"].get("grade_id") for c in nb.cells if autograded(c)]
            if graded:
                raise verdicts.ChecksError(
                    f"{path} is missing, and the autograded cells {graded} of {assignment} "
                    "have nothing to decide their scores: write one check per cell "
                    "(source/README.md, 'Writing a check'), then autograde again."
                )
            return
        self._checks = verdicts.load_checks(path)  # ChecksError: the instructor's, stops here
        self._secret = settings.grader_secret(Path(self.source_dir).parent)
        self._who = (assignment, str(info.get("student", "")))
        resources[KEY] = {}

    async def async_start_new_kernel(self, **kwargs):
        with timing.phase("kernel start"):
            return await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        with timing.phase("kernel handshake"):
            return await super().async_start_new_kernel_client()

    async def _async_cleanup_kernel(self) -> None:
        with timing.phase("kernel stop"):
            return await super()._async_cleanup_kernel()

    # nbclient binds its sync names to its own coroutines: rebind them to these
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def _ask(self, expr: str) -> str:
        """Evaluate ``expr`` in the kernel as a user expression; its text/plain repr."""
        if self._died_in is not None:
            raise verdicts.NoReply(f"the kernel died in cell {self._died_in}")
        try:
            msg_id = self.kc.execute(
                "", silent=True, store_history=False, user_expressions={"r": expr}
            )
            reply = self.wait_for_reply(msg_id)
            if reply is None:  # timed out: nbclient interrupted the kernel
                if self.wait_for_reply(msg_id) is None:
                    self._died_in = self._cell_id
                    raise verdicts.NoReply(
                        f"it ran longer than {self.timeout} s and did not stop when interrupted"
                    )
                raise verdicts.NoReply(f"it ran longer than {self.timeout} s (interrupted)")
        except DeadKernelError:
            self._died_in = self._cell_id
            raise verdicts.NoReply("the kernel died while answering") from None
        content = reply.get("content", {})
        expr_out = content.get("user_expressions", {}).get("r", {})
        if content.get("status") != "ok" or expr_out.get("status") != "ok":
            err = expr_out.get("ename") or content.get("ename") or "?"
            raise verdicts.NoReply(f"the request failed in the kernel ({err})")
        text = expr_out.get("data", {}).get("text/plain")
        if not isinstance(text, str):
            raise verdicts.NoReply("the reply held no text")
        return text

    def _run_check(self, cell, resources) -> None:
        gid = cell.metadata["nbgrader"].get("grade_id", "?")
        chk = self._checks.get(gid)
        if chk is None:
            self.log.error("No check for autograded cell %s in checks.py: it scores 0", gid)
            verdict = verdicts.Verdict(gid, 0.0, ["no check is defined for this cell"])
        elif self._died_in is not None:
            return  # ApplyVerdicts says why
        else:
            rng = verdicts.rng_for(self._secret, *self._who, gid)
            verdict = verdicts.run(chk, verdicts.Kernel(self._ask), rng, self.log)
        resources[KEY][gid] = verdict
        if self._died_in is not None:
            resources[DIED_KEY] = self._died_in

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._load_checks(nb, resources)
        if self.sandbox:
            problem = bwrap_problem()
            if problem is not None and not allow_unsandboxed():
                raise SandboxUnavailable(refusal_message(problem))
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        self._cell_id = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index}"
        with timing.phase("cells"):
            cell, resources = self._execute_cell(cell, resources, index)
        if self._checks is not None and autograded(cell):
            with timing.phase("checks"):
                self._run_check(cell, resources)
        if self._died_in is not None and self._checks is not None:
            resources[DIED_KEY] = self._died_in
        return cell, resources

    def _execute_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return super().preprocess_cell(cell, resources, index)
        if self._died_in is not None:
            cell.outputs = [
                _error(
                    "KernelDied",
                    f"not run: the kernel died in cell {self._died_in} and nothing after it ran",
                )
            ]
            return cell, resources
        self._sent = 0
        self._capped = False
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError as exc:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index}"
            self._died_in = gid
            self.log.error(
                "Cell %s did not stop when interrupted after the %s s timeout; it and every "
                "later cell score 0 (%s).",
                gid,
                self.timeout,
                str(exc).splitlines()[0],
            )
            cell.outputs.append(
                _error(
                    "CellTimeoutError",
                    f"this cell ran longer than {self.timeout} s and did not stop when interrupted",
                )
            )
            return cell, resources
        except DeadKernelError as exc:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index}"
            self._died_in = gid
            self.log.error(
                "The kernel died while running cell %s (%s): os._exit, a crash or the memory "
                "limit. This cell and every later one score 0.",
                gid,
                exc,
            )
            cell.outputs.append(
                _error(
                    "KernelDied",
                    "the kernel died while running this cell (os._exit, a crash, or more "
                    "memory than the limit)",
                )
            )
            return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "error":  # never dropped: an error decides the score
            return super().output(outs, msg, display_id, cell_index)
        size = len(str(content.get("text", ""))) + len(str(content.get("data", "")))
        self._sent = getattr(self, "_sent", 0) + size
        if self._sent > self.max_output_bytes:
            if not getattr(self, "_capped", False):
                self._capped = True
                self.log.warning(
                    "Cell %d printed more than %d bytes: the rest of its output is dropped",
                    cell_index,
                    self.max_output_bytes,
                )
                outs.append(
                    NotebookNode(
                        output_type="stream",
                        name="stderr",
                        text=f"\n[output cut at {self.max_output_bytes} bytes by the autograder]\n",
                    )
                )
            return None
        return super().output(outs, msg, display_id, cell_index)
