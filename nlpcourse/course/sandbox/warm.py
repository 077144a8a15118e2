"""Warm kernels: per grading process, a zygote per import set, and a fresh fork per notebook.

A cold kernel pays a new interpreter, a new sandbox and the notebook's imports (numpy, torch,
the pack: 2-4 s) for every notebook. A :class:`Zygote` pays them once: it is a Python started
inside bubblewrap exactly as a kernel is (:func:`~.bwrap.bwrap_command`: no network, no view of
the course root, read-only system, the same limits and pids cgroup), that imports the
configured modules and then forks one kernel per notebook (:mod:`.zygote`).

What no two students share, and why:

- **memory and modules**: each kernel is a fork (copy-on-write); what a student changes (a
  module global, ``sys.modules``, numpy's print options, a patched library) lives in that
  process only and dies with it. The zygote runs no student code, ever;
- **processes**: one notebook at a time per zygote. When a notebook ends, :meth:`Zygote.sweep`
  kills every process in the sandbox but bubblewrap's and the zygote (found by parentage from
  outside the sandbox: a double fork or a new session escapes nothing), before the next fork;
- **files**: the only writable places are a slot per notebook (its work folder, a copy of the
  student's autograde folder, plus HOME, TMPDIR and a private view of the pack's cache), the
  zygote's own HOME and TMPDIR (``run/``: what the zygote imported may keep naming them in
  every kernel, e.g. matplotlib's config and cache folders), and the sandbox's ``/tmp`` and
  ``/dev/shm`` (memory file systems, wiped through the zygote's root without crossing the mount
  points bound below them); all are wiped by the sweep. The rest of ``/dev`` is read-only;
- **network, SysV IPC, host name**: each kernel takes namespaces of its own
  (:func:`.zygote.own_namespaces`); the zygote checks that it can before it says ready;
- **the zygote itself**: not dumpable (no ``ptrace``, no ``/proc/<pid>/mem`` or ``fd``); its
  pipes are closed in every kernel. A kernel can still kill it (same user): the grader then
  starts a new one, and grades that notebook with a cold kernel if it cannot.

What a notebook writes into its work folder is copied back to the student's autograde folder
once every process of the sandbox is dead (so nothing can change it meanwhile), as a cold
kernel would have written it there: regular files and symlinks (copied as links, never
followed: nbgrader's hooks remove those), up to COPY_BACK_MB. Where a zygote cannot start or
cannot fork, the notebook gets a cold sandboxed kernel and the log says why: never an
unsandboxed one, never a zero.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nlpcourse import settings
from nlpcourse.course import timing
from nlpcourse.course.sandbox.bwrap import bwrap_command, pack_cache_view
from nlpcourse.course.sandbox.cgroups import make_pids_cgroup, remove_cgroup
from nlpcourse.course.sandbox.wipe import MAX_DEPTH, remove_all_in, remove_tree, wipe_memory_fs

READY_TIMEOUT = 180.0  # s: imports on a loaded machine (torch + transformers)
FORK_TIMEOUT = 30.0  # s: a fork answers in milliseconds; a stopped zygote never does
MAX_ZYGOTES = 3  # per grading process; the least recently used one is stopped
SWEEP_ROUNDS = 300  # kill rounds before a sandbox that keeps forking is given up
COPY_BACK_MB = 500  # at most this much of what a notebook wrote goes back to its folder


class WarmUnavailable(RuntimeError):
    """A zygote could not start, or could not fork: the notebook gets a cold kernel."""


def zygote_base() -> str:
    """Where zygotes keep their folders: ``/var/tmp``, not ``/tmp``. Inside the sandbox
    ``/tmp`` is one of those folders, and the folders bound at their own path (slots, run)
    must not lie under it, or bubblewrap would make their mount points in a folder the
    grader wipes."""
    base = "/var/tmp"
    if not (os.path.isdir(base) and os.access(base, os.W_OK | os.X_OK)):
        raise WarmUnavailable(f"{base} is not a writable folder (zygotes keep their files there)")
    return base


@dataclass
class Limits:
    memory_mb: int
    cpu_seconds: int
    max_processes: int
    max_file_mb: int
    extra_ro: tuple[str, ...] = ()


@dataclass
class Zygote:
    """One zygote and its sandbox (see the module docstring)."""

    modules: tuple[str, ...]
    limits: Limits
    env: dict[str, str]
    dir: Path = field(init=False)
    proc: subprocess.Popen | None = field(init=False, default=None)
    info: dict = field(init=False, default_factory=dict)
    protected: set[int] = field(init=False, default_factory=set)
    host_pid: int = 0  # the zygote's pid outside the sandbox
    slots: int = 0
    started: float = 0.0

    def __post_init__(self) -> None:
        # Named like a kernel's run folder, so a dead worker's leftovers are found the same way
        # (nlpcourse.course.autograde.worker.remove_leftovers).
        self.dir = Path(
            tempfile.mkdtemp(prefix=f"nlpcourse-kernel-{os.getpid()}-zygote-", dir=zygote_base())
        )
        for sub in ("slots", "run/home", "run/tmp"):
            (self.dir / sub).mkdir(parents=True)
        self._cgroup = None
        self._out = None

    # -- start ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sandbox and the zygote in it; :meth:`wait_ready` waits for its imports."""
        from nlpcourse import registry

        to_zygote, from_grader = os.pipe()  # requests: the grader writes, the zygote reads
        from_zygote, to_grader = os.pipe()  # replies
        cache = registry.cache_dir().resolve()
        extra = [*self.limits.extra_ro, *([str(cache)] if cache.is_dir() else [])]
        inner = [
            sys.executable, "-m", "nlpcourse.course.sandbox.zygote",
            str(to_zygote), str(to_grader), *self.modules,
        ]  # fmt: skip
        cmd = bwrap_command(
            inner,
            str(self.dir / "slots"),
            str(self.dir / "run"),
            memory_mb=self.limits.memory_mb,
            cpu_seconds=self.limits.cpu_seconds,
            # the zygote and bubblewrap's two processes come on top of the kernel's own
            max_processes=self.limits.max_processes + 3,
            max_file_mb=self.limits.max_file_mb,
            extra_ro=extra,
            shm_only_writable_dev=True,
        )
        self._cgroup = make_pids_cgroup(self.limits.max_processes + 3)
        if self._cgroup is not None:
            cmd = ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', self._cgroup, *cmd]
        env = {k: v for k, v in self.env.items() if k != settings.SECRET_ENV}
        self.started = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                cmd,
                env=env,
                pass_fds=(to_zygote, to_grader),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(to_zygote)
            os.close(to_grader)
        self._requests = os.fdopen(from_grader, "w", buffering=1)
        self._replies = from_zygote
        self._buffer = b""

    def _read_line(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarmUnavailable(f"the zygote did not answer within {timeout:.0f} s")
            ready, _, _ = select.select([self._replies], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self._replies, 65536)
                if not chunk:
                    raise WarmUnavailable(f"the zygote ended ({self._exit_text()})")
                self._buffer += chunk
            elif self.proc is not None and self.proc.poll() is not None:
                raise WarmUnavailable(f"the zygote ended ({self._exit_text()})")
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _exit_text(self) -> str:
        code = self.proc.poll() if self.proc is not None else None
        return "still running" if code is None else f"exit status {code}"

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> dict:
        """Wait for the zygote's imports; its report (``imported``, ``failed``, ``seconds``)."""
        if self.info:
            return self.info
        info = self._read_line(timeout)
        if not info.get("ready"):
            raise WarmUnavailable(
                f"a kernel forked in the sandbox cannot take namespaces of its own: "
                f"{info.get('problem')}"
            )
        self.info = info
        # Everything in the sandbox now is bubblewrap's and the zygote's: no student code ran.
        self.protected = {self.proc.pid, *descendants(self.proc.pid)}
        for pid in self.protected:  # bubblewrap's command lines name the module too
            if _cmdline(pid).split(b"\0")[1:3] == [b"-m", b"nlpcourse.course.sandbox.zygote"]:
                self.host_pid = pid
        if not self.host_pid:
            raise WarmUnavailable("the zygote's process was not found")
        return info

    # -- use ------------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and running(self.host_pid)

    def new_slot(self, workdir: str) -> Path:
        """A fresh folder for one notebook: ``work`` (a copy of ``workdir``), ``home``,
        ``tmp``, ``cache`` (the pack's cache, read-only entries)."""
        self.slots += 1
        slot = self.dir / "slots" / f"n{self.slots}"
        shutil.copytree(workdir, slot / "work", symlinks=True)
        self._copied = (Path(workdir), _manifest(slot / "work"))
        for sub in ("home", "tmp"):
            (slot / sub).mkdir()
        pack_cache_view(str(slot / "cache"))
        return slot

    def grow(self, modules: list[str]) -> dict:
        """Import ``modules`` too, between two forks (library code, as at start: no kernel
        runs now, the last one was swept); the zygote's report. A module that fails is
        logged by the caller and not tried again; the notebook's kernel imports it itself."""
        missing = [m for m in modules if m not in self.modules]
        if not missing:
            return {"imported": [], "failed": {}}
        with timing.phase("zygote imports"):
            try:
                self._requests.write(json.dumps({"import": missing}) + "\n")
            except OSError as exc:
                raise WarmUnavailable(f"the zygote does not take requests: {exc}") from None
            reply = self._read_line(READY_TIMEOUT)
        self.modules = (*self.modules, *missing)
        self.info["imported"] = [*self.info.get("imported", []), *reply.get("imported", [])]
        self.info["failed"] = {**self.info.get("failed", {}), **reply.get("failed", {})}
        self.info["threads"] = reply.get("threads", 1)
        return reply

    def fork(self, slot: Path, env: dict[str, str], argv: list[str]) -> int:
        """Fork a kernel in ``slot``; its pid outside the sandbox."""
        env = dict(env)
        env.pop(settings.SECRET_ENV, None)  # the grader's, never a kernel's
        env.update(
            HOME=str(slot / "home"),
            TMPDIR=str(slot / "tmp"),
            MPLCONFIGDIR=str(slot / "home" / ".mpl"),
            NLPCOURSE_CACHE=str(slot / "cache"),
            PYTHONSAFEPATH="1",
            JPY_PARENT_PID="1",
        )
        request = {"cwd": str(slot / "work"), "env": env, "argv": argv}
        with timing.phase("fork"):
            try:
                self._requests.write(json.dumps(request) + "\n")
            except OSError as exc:
                raise WarmUnavailable(f"the zygote does not take requests: {exc}") from None
            reply = self._read_line(FORK_TIMEOUT)
        if "pid" not in reply:
            raise WarmUnavailable(f"the zygote could not fork: {reply.get('error')}")
        return self._host_pid_of(reply["pid"])

    def _host_pid_of(self, ns_pid: int) -> int:
        """The pid outside the sandbox of the zygote's child ``ns_pid`` (0: it ended already)."""
        for pid in children_of(self.host_pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("NSpid:") and int(line.split()[-1]) == ns_pid:
                    return pid
        return 0

    def sweep(self) -> None:
        """After a notebook: kill every process in the sandbox but bubblewrap's and the
        zygote's, copy what the notebook wrote back to the student's folder, and wipe every
        folder a kernel could write. Stops the zygote when its sandbox cannot be emptied, or
        when anything in what the kernel left makes the sweep fail: a zygote is reused only
        after a sweep that ended."""
        if self.proc is None:
            return
        with timing.phase("sweep"):
            try:
                self._sweep()
            except Exception:  # noqa: BLE001 - whatever it was, this sandbox is not reused
                self.stop()

    def _sweep(self) -> None:
        for _ in range(SWEEP_ROUNDS):
            victims = [
                p for p in descendants(self.proc.pid) if p not in self.protected and running(p)
            ]
            if not victims:
                break
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.005)
        else:
            self.stop()
            return
        copied, self._copied = getattr(self, "_copied", None), None
        if copied is not None:  # nothing runs in the sandbox now: nothing changes under us
            workdir, before = copied
            slot = self.dir / "slots" / f"n{self.slots}" / "work"
            if slot.is_dir():
                try:
                    copy_back(slot, workdir, before)
                except OSError:  # what it could not read (a kernel took its own rights away)
                    pass
        # run/ too: the zygote's own HOME and TMPDIR, writable by a kernel, and still named in
        # every kernel by what the zygote imported (matplotlib's config and cache folders)
        for sub in ("slots", "run"):
            if not remove_all_in(self.dir / sub):
                self.stop()  # what the kernel left cannot all be removed: never reuse it
                return
        # the sandbox's own /tmp and /dev/shm, seen through the zygote's root
        for inside in ("tmp", "dev/shm"):
            if not wipe_memory_fs(Path(f"/proc/{self.host_pid}/root") / inside):
                self.stop()
                return
        for sub in ("run/home", "run/tmp"):
            (self.dir / sub).mkdir()

    def stop(self) -> None:
        """Kill the sandbox (the zygote, and any kernel) and remove its folders."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            for pid in descendants(self.proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.proc.kill()
            except OSError:
                pass
            self.proc.wait()
            self.proc = None
        for f in ("_requests",):
            try:
                getattr(self, f).close()
            except (AttributeError, OSError):
                pass
        if getattr(self, "_replies", None) is not None:
            try:
                os.close(self._replies)
            except OSError:
                pass
            self._replies = None
        if self._cgroup:
            remove_cgroup(self._cgroup)
            self._cgroup = None
        remove_tree(self.dir)


# ---------------------------------------------------------------------------------------------
# the zygotes of this process


_ZYGOTES: dict[tuple, Zygote] = {}
_REFUSED: dict[tuple, str] = {}


def _key(modules, limits: Limits) -> tuple:
    return (tuple(modules), limits.memory_mb, limits.cpu_seconds, limits.max_processes,
            limits.max_file_mb, tuple(limits.extra_ro))  # fmt: skip


def prestart(modules: list[str], limits: Limits, env: dict[str, str]) -> None:
    """Start the zygote for ``modules`` now, without waiting for its imports (a worker does
    this while nbgrader sets itself up)."""
    key = _key(modules, limits)
    if key in _ZYGOTES or key in _REFUSED:
        return
    z = Zygote(tuple(modules), limits, dict(env))
    z.start()
    _ZYGOTES[key] = z
    _trim()


def zygote_for(modules: list[str], limits: Limits, env: dict[str, str], log=None) -> Zygote:
    """A ready zygote for ``modules`` (started, or restarted if a kernel killed it).
    :class:`WarmUnavailable` says why there is none.

    One that imports all of these and more serves too. Otherwise the most recently used live
    zygote with the same limits imports the rest (:meth:`Zygote.grow`): a worker keeps one
    zygote, which learns a3's transformers at the first a3 notebook, and a run that holds
    no a3 notebook never pays for them."""
    key = _key(modules, limits)
    if key in _REFUSED:
        raise WarmUnavailable(_REFUSED[key])
    if key not in _ZYGOTES:
        for other, z in _ZYGOTES.items():
            if other[1:] == key[1:] and set(modules) <= set(z.modules):
                key = other
                break
        else:
            key = _grow_one(modules, limits, log) or key
    z = _ZYGOTES.pop(key, None)
    wanted = tuple(modules) if z is None else z.modules  # a replacement imports as much
    if z is not None and z.info and not z.alive():
        if log:
            log.warning("The warm zygote ended (a kernel killed it?): starting a new one")
        z.stop()
        z = None
    if z is None:
        z = Zygote(wanted, limits, dict(env))
        z.start()
    _ZYGOTES[key] = z  # the most recently used last
    try:
        with timing.phase("zygote start"):
            info = z.wait_ready()
    except WarmUnavailable as exc:
        z.stop()
        _ZYGOTES.pop(key, None)
        _REFUSED[key] = str(exc)
        raise
    if info.get("failed") and log:
        log.warning("The warm zygote could not import %s", info["failed"])
    if info.get("threads", 1) > 1 and log:  # a fork copies one thread: a lock may stay held
        log.warning("The warm zygote runs %s threads after its imports", info["threads"])
    _trim()
    return z


def _grow_one(modules: list[str], limits: Limits, log=None) -> tuple | None:
    """The key of a live zygote with these limits that now imports ``modules`` too, or None."""
    for other, z in reversed(list(_ZYGOTES.items())):
        if other[1:] != _key(modules, limits)[1:]:
            continue
        try:
            with timing.phase("zygote start"):
                z.wait_ready()
            if not z.alive():
                return None
            reply = z.grow(modules)
        except WarmUnavailable as exc:
            if log:
                log.warning("The warm zygote could not import %s: %s", modules, exc)
            _ZYGOTES.pop(other).stop()
            return None
        if reply.get("failed") and log:
            log.warning("The warm zygote could not import %s", reply["failed"])
        _ZYGOTES.pop(other)
        key = _key(z.modules, limits)
        _ZYGOTES[key] = z
        return key
    return None


def _trim() -> None:
    while len(_ZYGOTES) > MAX_ZYGOTES:
        oldest = next(iter(_ZYGOTES))
        _ZYGOTES.pop(oldest).stop()


def stop_all() -> None:
    """Stop every zygote of this process (at exit, and in tests)."""
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].stop()
    _REFUSED.clear()


atexit.register(stop_all)


# ---------------------------------------------------------------------------------------------
# processes, seen from outside the sandbox


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) for every process."""
    table = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        table[int(d.name)] = (int(rest[1]), rest[0])
    return table


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (children, their children, ...)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def children_of(ppid: int) -> list[int]:
    return [pid for pid, (parent, _) in _process_table().items() if parent == ppid]


def running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _manifest(folder: Path) -> dict[str, tuple[int, int]]:
    """relative path -> (size, mtime in ns) of every file and link below ``folder``, down to
    MAX_DEPTH folders (what lies deeper, or cannot be read, is not listed: not copied back)."""
    import stat

    out = {}
    todo = [(str(folder), "", 0)]
    while todo:
        path, rel, depth = todo.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            name = f"{rel}/{e.name}" if rel else e.name
            if stat.S_ISDIR(st.st_mode):
                if depth < MAX_DEPTH:
                    todo.append((e.path, name, depth + 1))
            else:
                out[name] = (st.st_size, st.st_mtime_ns)
    return out


def copy_back(src: Path, dest: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Copy what changed in ``src`` since ``before`` (:func:`_manifest`) into ``dest``:
    regular files, and symlinks as links (never followed); nothing through a link in
    ``dest``; at most COPY_BACK_MB in all. Returns the relative paths copied."""
    import stat

    budget = COPY_BACK_MB * 1024 * 1024
    done = []
    for rel, now in sorted(_manifest(src).items()):
        if before.get(rel) == now:
            continue
        st = os.lstat(src / rel)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            continue  # fifos, sockets, devices: not a notebook's output
        budget -= st.st_size
        if budget < 0:
            break
        parts = Path(rel).parts
        target = dest.joinpath(*parts)
        parent = dest
        for part in parts[:-1]:  # make folders; never go through a link
            parent = parent / part
            if parent.is_symlink():
                break
            parent.mkdir(exist_ok=True)
        else:
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.exists():
                continue
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(src / rel), target)
            else:
                fd = os.open(src / rel, os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as fin, open(target, "xb") as fout:
                    shutil.copyfileobj(fin, fout)
            done.append(rel)
    return done
