"""The shared setup cell: silent under nbgrader, helpful on a CPU, and the real Colab path
(install from a git URL, fetch fixtures over HTTP) exercised for real."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, copy_package

import nlpcourse
from nlpcourse import registry, setup_cell


def test_silent_and_seeded_under_nbgrader(monkeypatch, capsys):
    import torch

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    dev = nlpcourse.setup_notebook("a2_dropout_cnn", gpu="required", seed=3)
    assert capsys.readouterr().out == ""
    assert dev.type in ("cpu", "cuda", "mps")
    a = (np.random.rand(), torch.rand(1).item())
    nlpcourse.setup_notebook("a2_dropout_cnn", seed=3)
    assert (np.random.rand(), torch.rand(1).item()) == a


def test_cpu_report_and_advice(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(setup_cell, "pick_device", lambda: __import__("torch").device("cpu"))
    nlpcourse.setup_notebook("a2_dropout_cnn", gpu="recommended")
    out = capsys.readouterr().out
    assert "torch" in out and "transformers" in out and "Python" in out
    assert "No GPU found" in out and "scaled down" in out
    assert "Runtime > Change runtime type" in out
    nlpcourse.setup_notebook("a2_dropout_cnn", gpu="recommended", cpu_note="2 layers, not 4.")
    assert "Without a GPU: 2 layers, not 4." in capsys.readouterr().out
    nlpcourse.setup_notebook("a2_dropout_cnn", gpu="optional")
    assert "runs on a CPU" in capsys.readouterr().out
    with pytest.raises(ValueError, match="gpu must be one of"):
        nlpcourse.setup_notebook("a2_dropout_cnn", gpu="maybe")


def test_colab_advice_names_the_menu():
    text = setup_cell.gpu_advice("required", colab=True)
    assert "Runtime > Change runtime type" in text and "needs a GPU" in text


def test_setup_cell_without_the_package_off_colab(tmp_path):
    """Every release's first code cell in a Python without nlpcourse and without Colab: one
    line saying what to install and where the README says more, then the import fails on
    nlpcourse itself; nothing about `google`, with no `google` at all or a `google` module."""
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    plain_google = tmp_path / "plain_google"
    plain_google.mkdir()
    (plain_google / "google.py").write_text("NOT_A_PACKAGE = True\n")  # find_spec raises on it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "NLPCOURSE"))}
    spec = f"nlpcourse @ git+{nlpcourse.config.repository_url()}@{nlpcourse.config.BRANCH}"
    assert "\n## For students\n" in (ROOT / "README.md").read_text()  # the section it names
    for a in nlpcourse.config.assignments(ROOT):
        nb = nbformat.read(ROOT / "release" / a / f"{a}.ipynb", as_version=4)
        setup = next(c.source for c in nb.cells if c.cell_type == "code")
        for extra in ({}, {"PYTHONPATH": str(plain_google)}):
            run = subprocess.run(
                [py, "-c", setup],
                cwd=tmp_path,
                env={**env, **extra},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert run.returncode != 0, f"{a}: nlpcourse must not be importable here"
            lines = run.stdout.splitlines()
            assert len(lines) == 1, f"{a}: {run.stdout}"
            assert "nlpcourse is not installed" in lines[0], lines
            assert f'%pip install "{spec}"' in lines[0], lines
            assert 'README.md, "For students"' in lines[0], lines
            assert "google" not in run.stderr, f"{a} {extra}: {run.stderr}"
            assert run.stderr.rstrip().endswith(
                "ModuleNotFoundError: No module named 'nlpcourse'"
            ), run.stderr


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_folder(tmp_path):
    """A folder served over HTTP on 127.0.0.1 (stands in for the GitHub raw files)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetch_checks_checksums(http_folder, tmp_path, monkeypatch):
    served, url = http_folder
    (served / "ax").mkdir()
    (served / "ax" / "x.npy").write_bytes(b"good bytes")
    monkeypatch.setattr(
        registry,
        "load_registry",
        lambda: {"ax": {"x.npy": registry.hashlib.sha256(b"good bytes").hexdigest()}},
    )
    work = tmp_path / "work"
    work.mkdir()
    assert registry.missing_fixtures("ax", work) == ["x.npy"]
    assert registry.fetch_fixtures("ax", work, url) == ["x.npy"]
    assert (work / "x.npy").read_bytes() == b"good bytes"
    assert registry.fetch_fixtures("ax", work, url) == []  # present and intact: nothing to do
    (work / "x.npy").write_bytes(b"tampered")
    (served / "ax" / "x.npy").write_bytes(b"corrupt on the server")
    with pytest.raises(registry.FixtureError, match="sha256"):
        registry.fetch_fixtures("ax", work, url)
    assert (work / "x.npy").read_bytes() == b"tampered"  # a bad download replaces nothing
    with pytest.raises(registry.FixtureError, match="could not download"):
        registry.fetch_fixtures("ax", work, "http://127.0.0.1:9")


@pytest.mark.slow
def test_colab_path_for_real(http_folder, tmp_path):
    """A runtime without nlpcourse, where `google.colab` imports: the release's setup cell
    pip-installs the pack from a git URL and fetches a fixture over HTTP, checksum-checked."""
    served, url = http_folder
    a = "a2_dropout_cnn"
    # 1. The pack as a git repository, with one fixture registered for the assignment.
    repo = copy_package(tmp_path / "repo")
    payload = np.arange(6.0).reshape(2, 3)
    (served / a).mkdir()
    np.save(served / a / "example.npy", payload)
    reg = json.loads((repo / "nlpcourse" / "fixtures.json").read_text())
    reg[a] = {"example.npy": registry.sha256(served / a / "example.npy")}
    (repo / "nlpcourse" / "fixtures.json").write_text(json.dumps(reg))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "pack"], check=True)
    # 2. A fresh "Colab" runtime: its own venv, the heavy libraries visible through a .pth
    #    line (not the pack: the editable install's own .pth is not processed from there),
    #    and a google.colab package.
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    Path(site, "zz_libs.pth").write_text(ours + "\n")
    fake = tmp_path / "fakecolab" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    probe = subprocess.run(
        [py, "-c", "import importlib.util as u; print(u.find_spec('nlpcourse') is None)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert probe.stdout.strip() == "True", "the fake runtime must start without nlpcourse"
    # 3. The release's setup cell, exactly as a student runs it, in a folder holding only
    #    the notebook.
    nb = nbformat.read(ROOT / "release" / a / f"{a}.ipynb", as_version=4)
    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    work = tmp_path / "content"
    work.mkdir()
    env = dict(
        os.environ,
        PYTHONPATH=str(tmp_path / "fakecolab"),
        NLPCOURSE_INSTALL_SPEC=f"git+file://{repo}",
        NLPCOURSE_FIXTURE_URL=url,
        PIP_NO_DEPS="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    env.pop("NBGRADER_EXECUTION", None)
    run = subprocess.run(
        [py, "-c", setup + "\nprint('DEVICE', device)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Fetched 1 file(s) for a2_dropout_cnn: example.npy" in run.stdout
    assert "Colab" in run.stdout and "DEVICE cpu" in run.stdout
    assert np.array_equal(np.load(work / "example.npy"), payload)
    where = subprocess.run(
        [py, "-c", "import nlpcourse; print(nlpcourse.__file__)"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
    ).stdout
    assert where.startswith(str(venv)), f"nlpcourse not installed into the runtime: {where}"
