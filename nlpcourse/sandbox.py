"""Run a student's notebook kernel inside bubblewrap, with resource limits.

Stock nbgrader starts the kernel with the instructor's rights in the course root, next to
``source/`` and ``gradebook.db``. :class:`SandboxKernelManager` wraps the kernel command in
``bwrap`` (Debian package ``bubblewrap``) and ``prlimit`` so that the student's code

- sees a read-only system (``/usr``, the Python install, the ``nlpcourse`` package) and nothing
  of the course root, the instructor's home or other students' folders;
- can write only its own autograde folder and a private temp dir (also its ``HOME``);
- has no network (own network namespace; the kernel talks to nbgrader over Unix sockets);
- runs in its own user and PID namespaces with every capability dropped, so a fork bomb meets
  the process limit and everything it started dies with the kernel;
- has limits on address space, CPU time, processes, file size and core dumps.

:class:`SandboxedExecute` is nbgrader's ``Execute`` with this kernel manager, a cap on the output
a cell may send, and a kernel that dies (``os._exit``, segfault, memory kill) scored as an error
for the cell it died in and every cell after it, so grading goes on with the next student.

Where ``bwrap`` is missing or cannot start, autograde refuses to run student code unless
``NLPCOURSE_ALLOW_UNSANDBOXED=1`` is set (the instructor then runs it with their own rights).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from nlpcourse import settings, verdicts
from nlpcourse.preprocessors.applyverdicts import DIED_KEY, KEY, autograded

ALLOW_ENV = "NLPCOURSE_ALLOW_UNSANDBOXED"
# Read-only from /etc: what the dynamic linker, Python and its libraries look up.
ETC_FILES = [
    "alternatives",
    "fonts",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "matplotlibrc",
    "mime.types",
    "nsswitch.conf",
    "passwd",
    "timezone",
]
TOP_LEVEL = ["bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here, and the instructor did not opt out."""


def allow_unsandboxed() -> bool:
    return settings.allow_unsandboxed()


@lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    """None if ``bwrap`` can start a sandbox with the namespaces we use, else why not."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap (`bwrap`) is not installed"
    try:
        proc = subprocess.run(
            [exe, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`bwrap` does not start: {exc}"
    if proc.returncode != 0:
        return f"`bwrap` cannot create namespaces here: {proc.stderr.strip()[:300]}"
    return None


def refusal_message(problem: str) -> str:
    return (
        f"Refusing to run student code without a sandbox: {problem}. Student notebooks would "
        "run with your rights and could read source/ and the hidden tests, rewrite "
        "gradebook.db or other students' work. Install it (Debian/Ubuntu: `sudo apt-get install "
        f"bubblewrap`), or, for submissions you trust, set {ALLOW_ENV}=1 to run them unsandboxed."
    )


def _python_roots() -> list[str]:
    """Folders the kernel's Python needs: the venv, the base install, the package's code."""
    import nlpcourse

    roots = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(nlpcourse.__file__).resolve().parent),
    }
    for p in sys.path:  # site-packages outside the prefixes; never '' or the course root
        if p and os.path.isabs(p) and ("site-packages" in p or "dist-packages" in p):
            roots.add(p)
    resolved = {os.path.realpath(r) for r in roots} | roots
    # Drop folders inside others (bwrap binds the outer one).
    out = sorted(resolved)
    return [r for r in out if not any(r != o and r.startswith(o + os.sep) for o in out)]


def bwrap_command(
    kernel_cmd: list[str],
    workdir: str,
    rundir: str,
    *,
    memory_mb: int,
    cpu_seconds: int,
    max_processes: int,
    max_file_mb: int,
    extra_ro: list[str] = (),
) -> list[str]:
    """``kernel_cmd`` wrapped: ``bwrap <mounts> -- prlimit <limits> -- kernel_cmd``.

    ``workdir`` (the student's autograde folder) and ``rundir`` (sockets, connection file,
    HOME, TMPDIR) are the only writable places.
    """
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
    args += ["--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for top in TOP_LEVEL:
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    for name in ETC_FILES:
        p = Path("/etc") / name
        if p.exists():
            args += ["--ro-bind", str(p), str(p)]
    for r in [*_python_roots(), *extra_ro]:
        # A folder that holds the work folder would show the whole course (source/, the
        # gradebook, other students): never bind one.
        if workdir == r or workdir.startswith(r.rstrip(os.sep) + os.sep):
            continue
        if os.path.exists(r) and not r.startswith("/usr/"):
            args += ["--ro-bind", r, r]
    args += ["--bind", rundir, rundir, "--bind", workdir, workdir, "--chdir", workdir]
    # The notebook's folder is not on the import path: a handed-in numpy.py shadows nothing.
    args += ["--setenv", "PYTHONSAFEPATH", "1", "--unsetenv", settings.SECRET_ENV]
    args += ["--setenv", "HOME", os.path.join(rundir, "home")]
    args += ["--setenv", "TMPDIR", os.path.join(rundir, "tmp")]
    args += ["--setenv", "MPLCONFIGDIR", os.path.join(rundir, "home", ".mpl")]
    # No parent poller: the manager's pid is in another PID namespace (1 means "none").
    args += ["--setenv", "JPY_PARENT_PID", "1", "--remount-ro", "/"]
    mb = 1024 * 1024
    limits = [
        f"--as={memory_mb * mb}",
        f"--cpu={cpu_seconds}",
        f"--nproc={max_processes}",
        f"--fsize={max_file_mb * mb}",
        "--core=0",
    ]
    return [*args, "--", "prlimit", *limits, "--", *kernel_cmd]


def pack_cache_view(view: str) -> str | None:
    """A private, writable pack cache at ``view`` that shows the instructor's cache read-only.

    Checkpoints and data the pack already built (``registry.cache_dir()``) appear as symlinks
    into the real cache, which the sandbox binds read-only: a student cannot alter what the next
    student loads, and anything missing is built in the private copy and thrown away. Returns
    the real cache folder to bind, or None when there is none.
    """
    from nlpcourse import registry

    real = registry.cache_dir().resolve()
    os.makedirs(view)
    if not real.is_dir():
        return None
    for entry in real.iterdir():
        if entry.is_dir() and entry.name == "models":
            os.makedirs(os.path.join(view, "models"))
            for model in entry.iterdir():
                if not model.name.startswith("."):
                    os.symlink(model, os.path.join(view, "models", model.name))
        elif not entry.name.startswith("."):
            os.symlink(entry, os.path.join(view, entry.name))
    return str(real)


def pids_cgroup_root() -> str | None:
    """A writable cgroup folder with the ``pids`` controller (v1 or v2), or None.

    RLIMIT_NPROC is not enforced for processes whose real uid is root, so when the instructor
    runs as root only a pids cgroup bounds a fork bomb.
    """
    v1 = "/sys/fs/cgroup/pids"
    if os.path.isfile(os.path.join(v1, "cgroup.procs")) and os.access(v1, os.W_OK):
        return v1
    v2 = "/sys/fs/cgroup"
    ctl = os.path.join(v2, "cgroup.subtree_control")
    try:
        if "pids" in Path(ctl).read_text() and os.access(v2, os.W_OK):
            return v2
    except OSError:
        pass
    return None


def make_pids_cgroup(max_processes: int) -> str | None:
    root = pids_cgroup_root()
    if root is None:
        return None
    path = tempfile.mkdtemp(prefix="nlpcourse-", dir=root)  # mkdir makes the cgroup
    try:
        Path(path, "pids.max").write_text(str(max_processes))
    except OSError:
        os.rmdir(path)
        return None
    return path


def remove_cgroup(path: str) -> None:
    """Kill whatever is left in the cgroup, then remove it."""
    import signal
    import time

    for _ in range(100):  # up to ~10 s: processes take a moment to leave after SIGKILL
        try:
            pids = [int(p) for p in Path(path, "cgroup.procs").read_text().split()]
        except OSError:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.1)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bubblewrap (see the module docstring)."""

    memory_mb = Integer(4096, help="Address-space limit of the kernel (MB)").tag(config=True)
    cpu_seconds = Integer(900, help="CPU-time limit of the kernel (s)").tag(config=True)
    max_processes = Integer(64, help="Processes/threads the kernel may have").tag(config=True)
    max_file_mb = Integer(200, help="Largest file the kernel may write (MB)").tag(config=True)
    extra_ro_paths = List(Unicode(), help="More paths bound read-only").tag(config=True)

    async def _async_pre_start_kernel(self, **kw):
        workdir = os.path.realpath(kw.get("cwd") or os.getcwd())
        problem = bwrap_problem()
        if problem is not None:
            if not allow_unsandboxed():
                raise SandboxUnavailable(refusal_message(problem))
            self.log.warning("%s is set: running student code UNSANDBOXED (%s)", ALLOW_ENV, problem)
            kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
            kw.get("env", {}).pop(settings.SECRET_ENV, None)
            return kernel_cmd, kw
        self._rundir = tempfile.mkdtemp(prefix="nlpcourse-kernel-")
        for sub in ("home", "tmp"):
            os.makedirs(os.path.join(self._rundir, sub))
        cache_ro = pack_cache_view(os.path.join(self._rundir, "cache"))
        # Unix sockets in the shared run dir: loopback TCP is another namespace's.
        self.transport = "ipc"
        self.ip = os.path.join(self._rundir, "kernel")
        self.connection_file = os.path.join(self._rundir, "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        kw.get("env", {}).pop(settings.SECRET_ENV, None)  # the grader's, never the kernel's
        # A SIGINT to bwrap's process group would kill the sandbox: interrupt through the
        # control channel instead (the kernel then signals itself).
        self.kernel_spec.interrupt_mode = "message"
        wrapped = bwrap_command(
            kernel_cmd,
            workdir,
            self._rundir,
            memory_mb=self.memory_mb,
            cpu_seconds=self.cpu_seconds,
            max_processes=self.max_processes,
            max_file_mb=self.max_file_mb,
            extra_ro=[*self.extra_ro_paths, *([cache_ro] if cache_ro else [])],
        )
        wrapped[wrapped.index("--") : wrapped.index("--")] = [
            "--setenv",
            "NLPCOURSE_CACHE",
            os.path.join(self._rundir, "cache"),
        ]
        self._cgroup = make_pids_cgroup(self.max_processes)
        if self._cgroup is not None:
            # Join the cgroup before bwrap starts: every process of the sandbox is counted.
            enter = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
            wrapped = ["/bin/sh", "-c", enter, self._cgroup, *wrapped]
        elif os.geteuid() == 0:
            self.log.warning(
                "No writable pids cgroup: running as root, the sandbox's process limit is not "
                "enforced (RLIMIT_NPROC does not apply to root)."
            )
        return wrapped, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if getattr(self, "_cgroup", None):
            remove_cgroup(self._cgroup)
            self._cgroup = None
        rundir = getattr(self, "_rundir", None)
        if rundir:
            shutil.rmtree(rundir, ignore_errors=True)

    # AsyncKernelManager binds this name to the base class's function: rebind it to ours.
    cleanup_resources = _async_cleanup_resources


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
        "autograded cell (nlpcourse.verdicts)",
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
        cell, resources = self._execute_cell(cell, resources, index)
        if self._checks is not None and autograded(cell):
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


class PreflightFailed(RuntimeError):
    """The sandbox cannot run an assignment's setup cell: an environment problem, not the
    students'. The message says what failed and what to check."""


def preflight(root: str | os.PathLike, assignment: str, config=None) -> None:
    """Run ``assignment``'s released setup cell alone in a kernel set up as autograde sets up
    students' kernels (``config``: the course's nbgrader config, so the same sandbox and
    limits), in a scratch folder holding the released files. Raises :class:`PreflightFailed` if
    it does not run: without this check a kernel that cannot import the pack (seen: the course
    root's ``nlpcourse`` installed in editable mode from another folder) fails every notebook's
    first cell, silently, and every student scores 0."""
    import nbformat
    from nbgrader import utils

    release = Path(root) / "release" / assignment
    nb_path = release / f"{assignment}.ipynb"
    if not nb_path.is_file():
        return  # nothing released to probe: nbgrader reports the missing release itself
    nb = nbformat.read(nb_path, as_version=4)
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    if setup is None:
        return
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source)])
    probe.metadata = nb.metadata
    with tempfile.TemporaryDirectory(prefix="nlpcourse-preflight-") as work:
        shutil.copytree(release, work, dirs_exist_ok=True)
        ep = SandboxedExecute(config=config, timeout=300)
        try:
            with utils.setenv(NBGRADER_EXECUTION="autograde"):
                ep.preprocess(probe, {"metadata": {"path": work}})
        except SandboxUnavailable:
            raise
        except Exception as exc:  # the kernel did not start or died
            what = f"{type(exc).__name__}: {exc}"
            raise PreflightFailed(_preflight_message(assignment, what)) from None
    errors = [o for o in probe.cells[0].get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        err = errors[0]
        raise PreflightFailed(_preflight_message(assignment, f"{err.ename}: {err.evalue}"))


def _preflight_message(assignment: str, what: str) -> str:
    import nlpcourse

    return (
        f"Nothing was graded: {assignment}'s setup cell fails in the grading kernel before any "
        f"student code runs ({what[:400]}). This is the grading machine's environment, not the "
        "submissions. The kernel sees only the Python install and the folder this process "
        f"imported nlpcourse from ({Path(nlpcourse.__file__).resolve().parent}): install the pack "
        "into this environment from the course root (`make install`, or `pip install -e "
        "'.[instructor]'`) and check that `python -c 'import nlpcourse, numpy, torch'` works, "
        "then grade again."
    )


def bench(assignment: str = "a2_dropout_cnn", runs: int = 5) -> dict[str, float]:
    """Median wall time (s) of running ``assignment``'s source notebook (solutions and hidden
    tests) with and without the sandbox, alternating, ``runs`` times each."""
    import statistics
    import time

    import nbformat

    from nlpcourse import build, config

    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as under autograde: no training
    if assignment == "empty":  # one cell, `1 + 1`: the sandbox's start-up cost alone
        folder = Path(tempfile.mkdtemp(prefix="nlpcourse-bench-"))
        nb_path = folder / "empty.ipynb"
        nbformat.write(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), nb_path
        )
    else:
        nb_path = build.build_assignment(config.find_course_root(None), assignment)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(runs):
        for sandboxed in (True, False):
            with tempfile.TemporaryDirectory(prefix="nlpcourse-bench-") as work:
                shutil.copytree(nb_path.parent, work, dirs_exist_ok=True)
                nb = nbformat.read(nb_path, as_version=4)
                ep = SandboxedExecute(timeout=600, sandbox=sandboxed)
                t0 = time.perf_counter()
                ep.preprocess(nb, {"metadata": {"path": work}})
                times[sandboxed].append(time.perf_counter() - t0)
    out = {
        "sandboxed": statistics.median(times[True]),
        "plain": statistics.median(times[False]),
    }
    out["cost"] = out["sandboxed"] - out["plain"]
    return out


if __name__ == "__main__":  # python -m nlpcourse.sandbox [assignment|empty] [runs]
    r = bench(*(sys.argv[1:2] or ["a2_dropout_cnn"]), *map(int, sys.argv[2:3]))
    print(
        f"median of runs: sandboxed {r['sandboxed']:.2f} s, unsandboxed {r['plain']:.2f} s, "
        f"sandbox cost {r['cost']:+.2f} s per notebook"
    )
