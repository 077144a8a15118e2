"""``nlpcourse lab`` (nlpcourse/course/lab.py): the server it starts listens on loopback only,
on the given port (no silent retry on another), rooted at the course; the URLs it prints. The
server itself is exercised in tests/browser/."""

from __future__ import annotations

import socket
from pathlib import Path

from nlpcourse.course import lab


def test_the_command_binds_loopback_the_port_and_the_course():
    cmd = lab.lab_command(Path("/c"), 8890, "tok")
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8890" in cmd
    assert "--ServerApp.port_retries=0" in cmd and "--ServerApp.root_dir=/c" in cmd
    assert "--IdentityProvider.token=tok" in cmd and "--no-browser" in cmd


def test_urls_for_students_and_instructors():
    u = lab.urls(8890, "tok", "a2_dropout_cnn")
    assert u["student"] == (
        "http://127.0.0.1:8890/lab/tree/release/a2_dropout_cnn/a2_dropout_cnn.ipynb?token=tok"
    )
    assert u["instructor"] == "http://127.0.0.1:8890/formgrader?token=tok"
    assert lab.urls(1, "t")["student"] == "http://127.0.0.1:1/lab/tree/release?token=t"


def test_free_port_is_free():
    port = lab.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if it were taken
        assert s.getsockname() == ("127.0.0.1", port)
