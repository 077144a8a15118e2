"""The zygote program (nlpcourse/course/sandbox/zygote.py), run outside any sandbox: its
protocol, the namespaces a forked child takes, and numpy reseeded after a fork."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nlpcourse.course.sandbox import zygote


def _start(*modules):
    to_z, from_grader = os.pipe()
    from_z, to_grader = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nlpcourse.course.sandbox.zygote", str(to_z), str(to_grader),
         *modules],
        pass_fds=(to_z, to_grader),
    )  # fmt: skip
    os.close(to_z)
    os.close(to_grader)
    return proc, os.fdopen(from_grader, "w", buffering=1), os.fdopen(from_z, "r")


def test_it_says_ready_with_what_it_imported_and_answers_a_bad_request():
    proc, requests, replies = _start("json", "no_such_module_here")
    try:
        ready = json.loads(replies.readline())
        assert ready["ready"] is True, ready
        assert ready["imported"] == ["json"]
        assert "no_such_module_here" in ready["failed"]
        assert ready["threads"] == 1  # a fork copies one thread: none may hold a lock
        requests.write("not json\n")
        assert "error" in json.loads(replies.readline())
    finally:
        requests.close()
    assert proc.wait(timeout=30) == 0  # the pipe closed: it ends


def test_a_forked_child_takes_its_own_namespaces_and_no_capabilities():
    assert zygote.namespaces_work() is None
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what become_kernel does first
        os.close(r)
        zygote.own_namespaces()
        caps = next(ln for ln in open("/proc/self/status") if ln.startswith("CapEff"))
        seen = {n: os.readlink(f"/proc/self/ns/{n}") for n in ("net", "ipc", "uts", "user")}
        os.write(w, json.dumps({"caps": caps.split()[1], **seen}).encode())
        os._exit(0)
    os.close(w)
    child = json.loads(os.read(r, 4096))
    os.waitpid(pid, 0)
    assert int(child["caps"], 16) == 0
    for n in ("net", "ipc", "uts", "user"):
        assert child[n] != os.readlink(f"/proc/self/ns/{n}"), n


def test_numpy_is_reseeded_in_the_child():
    np.random.seed(0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        zygote._reseed()
        os.write(w, json.dumps(np.random.rand(4).tolist()).encode())
        os._exit(0)
    os.close(w)
    child = json.loads(os.read(r, 4096))
    os.waitpid(pid, 0)
    assert child != np.random.rand(4).tolist()  # the parent's next draws, from seed 0


@pytest.mark.parametrize("flag", [True, False])
def test_dumpable_flag_is_set(flag):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        zygote.set_dumpable(flag)
        import ctypes

        got = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
        os.write(w, str(got).encode())
        os._exit(0)
    os.close(w)
    got = int(os.read(r, 16))
    os.waitpid(pid, 0)
    assert got == int(flag)
