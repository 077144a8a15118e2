"""``nlpcourse lab``: JupyterLab 4 with nbgrader's extensions, for this course, on loopback.

The server's root is the course root, so the student view is ``release/<a>/<a>.ipynb``
(opened in JupyterLab, with nbgrader's Validate button in the notebook toolbar) and the
instructor view is formgrader at ``/formgrader`` (it reads ``nbgrader_config.py`` and
``gradebook.db`` from the same folder).
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from pathlib import Path

from nlpcourse.course import release as rel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command(root: Path, port: int, token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        # CI and containers run as root; the server listens on loopback only.
        "--allow-root",
    ]


def urls(port: int, token: str, assignment: str | None = None) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    student = f"{base}/lab/tree/release" + (
        f"/{assignment}/{assignment}.ipynb" if assignment else ""
    )
    return {
        "base": base,
        "student": f"{student}?token={token}",
        "instructor": f"{base}/formgrader?token={token}",
    }


def start(root: Path, port: int | None = None, token: str | None = None, **popen_kw):
    """Start the server in the background; returns (Popen, port, token)."""
    port = port or free_port()
    token = token or secrets.token_hex(16)
    proc = subprocess.Popen(
        lab_command(root, port, token), cwd=root, env=rel.tool_env(), **popen_kw
    )
    return proc, port, token


def run(root: Path, port: int | None = None, token: str | None = None) -> int:
    """Start the server in the foreground, after printing where to go; Ctrl-C stops it."""
    port = port or 8888
    token = token or secrets.token_hex(16)
    u = urls(port, token)
    print(f"Course root  {root}")
    print(f"Token        {token}")
    print(f"Student      {u['student']}")
    print(f"Instructor   {u['instructor']}")
    print("Ctrl-C stops the server.", flush=True)
    proc = subprocess.Popen(lab_command(root, port, token), cwd=root, env=rel.tool_env())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
