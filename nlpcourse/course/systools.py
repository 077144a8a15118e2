"""The system tools the test suite needs, checked before it starts: ``make test`` runs this first.

The suite autogrades in bubblewrap (Debian package ``bubblewrap``), drives JupyterLab in
Debian's Chromium (``chromium``, ``chromium-driver``) and starts a throw-away PostgreSQL server
(``postgresql``). Where one is missing and this is root on a machine with ``apt-get`` (CI, a
fresh container), they are installed; elsewhere the run stops at once with one message that
lists what is missing and the command that installs it, instead of dozens of test errors.

Standard library only: ``make`` runs it with the system Python before the virtualenv exists.
Run by hand: ``python3 nlpcourse/systools.py [--no-install]``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    name: str  # what the message calls it
    package: str  # the Debian/Ubuntu package(s) that install it, space-separated
    present: Callable[[], bool]


def _has_initdb() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or shutil.which("initdb") is not None


TOOLS = [
    Tool("bubblewrap (bwrap)", "bubblewrap", lambda: shutil.which("bwrap") is not None),
    Tool("Chromium (/usr/bin/chromium)", "chromium chromium-driver",
         lambda: os.access("/usr/bin/chromium", os.X_OK)),
    Tool("PostgreSQL server (initdb)", "postgresql", _has_initdb),
]  # fmt: skip


def missing(tools: list[Tool] = TOOLS) -> list[Tool]:
    return [t for t in tools if not t.present()]


def install_command(tools: list[Tool]) -> list[str]:
    packages = [p for t in tools for p in t.package.split()]
    return ["apt-get", "install", "-y", *packages]


def can_install() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def message(tools: list[Tool]) -> str:
    names = ", ".join(t.name for t in tools)
    cmd = " ".join(install_command(tools))
    return (
        f"make test needs system tools that are missing here: {names}. Install them "
        f"(Debian/Ubuntu): `sudo apt-get update && sudo {cmd}`, then run make test again."
    )


def ensure(
    tools: list[Tool] = TOOLS,
    install: bool = True,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> int:
    """0 when every tool is there (installing them if allowed and possible), else 2."""
    lacking = missing(tools)
    if not lacking:
        return 0
    if install and can_install():
        print(f"Installing {', '.join(t.name for t in lacking)} with apt-get ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        quiet = {"stdin": subprocess.DEVNULL, "env": env, "check": False}
        ok = run(["apt-get", "update", "-q"], **quiet).returncode == 0
        ok = ok and run([*install_command(lacking), "-q"], **quiet).returncode == 0
        lacking = missing(tools)
        if ok and not lacking:
            return 0
    print(message(lacking), file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return ensure(install="--no-install" not in argv)


if __name__ == "__main__":
    sys.exit(main())
