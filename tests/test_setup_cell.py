"""The shared setup cell: silent under nbgrader, helpful on a CPU, and the real Colab path
(install from a git URL, fetch fixtures over HTTP) exercised for real."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, course_git, make_course

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
    spec = nlpcourse.config.install_spec()  # the students' repository at the release's tag
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


# --- the Colab path, from a published students' repository -------------------------------------

INSTRUCTOR = ["nbgrader", "nbclient", "jupytext", "dask", "distributed", "psycopg", "notebook"]


@pytest.fixture(scope="module")
def students(tmp_path_factory):
    """A course published as `nlpcourse publish` does: (students' repository, its tag, a folder
    holding the files of that tag, as raw.githubusercontent.com serves them)."""
    from nlpcourse.course import publish

    base = tmp_path_factory.mktemp("colab")
    done = publish.publish(make_course(base / "course"), base / "students")
    raw = base / "raw" / done.tag
    raw.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(done.dest), "archive", done.tag], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(raw, filter="data")
    return done.dest, done.tag, raw


def _fake_colab(folder: Path) -> Path:
    """A folder on PYTHONPATH that makes `google.colab` importable, as on Colab."""
    fake = folder / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    return folder


def _runtime(tmp_path: Path, libraries: bool) -> Path:
    """A fresh Python without nlpcourse. ``libraries``: the heavy ones (torch, ipykernel, ...)
    visible from this test run's site-packages through a .pth line (the editable install's own
    .pth is not processed from there); else only pip, and the caller installs."""
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    if libraries:
        site = subprocess.run(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        ours = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
        Path(site, "zz_libs.pth").write_text(ours + "\n")
    probe = subprocess.run(
        [py, "-c", "import importlib.util as u; print(u.find_spec('nlpcourse') is None)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert probe.stdout.strip() == "True", "the fresh runtime must start without nlpcourse"
    return py


def _run_in_kernel(py: Path, cells: list[str], cwd: Path, env: dict, timeout: int = 600):
    """Run ``cells`` in an IPython kernel of ``py`` (as Colab runs them): each cell's outputs.
    Errors do not stop the run; they are outputs of type "error" with what IPython showed."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    spec = cwd.parent / "kernels" / "runtime"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "runtime",
                "language": "python",
                "env": env,
            }
        )
    )
    km = KernelManager(
        kernel_name="runtime", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)])
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        nb, km=km, timeout=timeout, allow_errors=True, resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return [c.outputs for c in nb.cells]


def _kernel_env(tmp_path: Path, repository: str, fixtures: str, **extra: str) -> dict:
    return {
        "PYTHONPATH": str(_fake_colab(tmp_path / "fakecolab")),
        "NLPCOURSE_REPOSITORY_URL": repository,
        "NLPCOURSE_FIXTURE_URL": fixtures,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONNOUSERSITE": "1",
        "HF_HUB_OFFLINE": "1",
        "MPLBACKEND": "Agg",
        **extra,
    }


def _one_plain_message(outputs: list) -> str:
    """The cell showed exactly one thing, an error rendered as a plain message (no traceback,
    no pip output); that message."""
    assert len(outputs) == 1, outputs
    [out] = outputs
    assert out.output_type == "error", out
    text = "\n".join(out.traceback)
    assert "Traceback" not in text and "File " not in text and "\x1b[" not in text, text
    assert len(out.traceback) == 1, out.traceback
    return text


def _setup_source(dest: Path, a: str) -> str:
    nb = nbformat.read(dest / "release" / a / f"{a}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_a_broken_install_url_is_one_plain_message(tmp_path, students):
    dest, tag, _ = students
    py = _runtime(tmp_path, libraries=True)
    work = tmp_path / "content"
    work.mkdir()
    bad = f"file://localhost{tmp_path}/no-such-repository"  # URLs with a host
    env = _kernel_env(tmp_path, bad, "http://127.0.0.1:9")
    [outputs] = _run_in_kernel(py, [_setup_source(dest, "a2_dropout_cnn")], work, env)
    text = _one_plain_message(outputs)
    assert text.startswith(f"Could not install the course package from {bad} at {tag}"), text
    assert "pip said:" in text and "run this cell again" in text and "online" in text, text
    assert "Runtime > Disconnect and delete runtime" in text, text


@pytest.mark.slow
def test_a_corrupted_fixture_is_one_plain_message(tmp_path, students, http_folder):
    dest, tag, raw = students
    served, url = http_folder
    shutil.copytree(raw / "release", served / "release")
    a = "a3_attention"
    broken = served / "release" / a / "x.npy"
    broken.write_bytes(broken.read_bytes()[:-8] + b"tampered")
    py = _runtime(tmp_path, libraries=True)
    work = tmp_path / "content"
    work.mkdir()
    env = _kernel_env(tmp_path, f"file://localhost{dest}", f"{url}/release", PIP_NO_DEPS="1")
    [outputs] = _run_in_kernel(py, [_setup_source(dest, a)], work, env)
    text = _one_plain_message(outputs)
    assert text.startswith("Setup stopped: the data file x.npy downloaded from"), text
    assert f"{url}/release/{a}/x.npy" in text and "is not the one this release" in text, text
    assert "run this cell again" in text.replace("Run this cell", "run this cell"), text
    assert not (work / "x.npy").exists(), "a corrupt download must not be kept"


@pytest.mark.slow
def test_colab_path_from_the_published_repository(tmp_path, students, http_folder, built):
    """A fresh runtime with only torch (pinned: the CPU wheel) and a Jupyter kernel, as Colab
    has: the published a3 notebook, answered with the reference solutions, runs top to bottom.
    Its setup cell installs the package from the students' repository AT THE TAG with its
    runtime dependencies and no instructor extra, fetches the data files over HTTP and checks
    them, and every visible test passes."""
    dest, tag, raw = students
    served, url = http_folder
    shutil.copytree(raw / "release", served / "release")
    py = _runtime(tmp_path, libraries=False)
    (tmp_path / "c.txt").write_text("torch==2.13.0\n")  # the CPU wheel on disk, never CUDA
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "torch==2.13.0", "ipykernel"], check=True, timeout=900)
    a = "a3_attention"
    nb = nbformat.read(dest / "release" / a / f"{a}.ipynb", as_version=4)
    answers = {c.id: c.source for c in nbformat.read(built[a], as_version=4).cells}
    cells = [
        answers[c.id] if c.metadata.get("nbgrader", {}).get("solution") else c.source
        for c in nb.cells
        if c.cell_type == "code"
    ]
    work = tmp_path / "content"
    work.mkdir()
    env = _kernel_env(
        tmp_path,
        f"file://localhost{dest}",
        f"{url}/release",
        PIP_CONSTRAINT=str(tmp_path / "c.txt"),
    )
    outputs = _run_in_kernel(py, cells, work, env, timeout=1500)
    errors = [o for cell in outputs for o in cell if o.output_type == "error"]
    assert not errors, "\n".join("\n".join(o.traceback) for o in errors)[-4000:]
    text = "\n".join(o.get("text", "") for cell in outputs for o in cell)
    registry = json.loads((dest / "nlpcourse" / "fixtures.json").read_text())[a]
    assert f"Fetched {len(registry)} file(s) for {a}" in text, text[:2000]
    assert f"({tag})" in text and "Colab" in text, text[:2000]
    for name, digest in registry.items():
        assert hashlib.sha256((work / name).read_bytes()).hexdigest() == digest, name
    passed = [line for line in text.splitlines() if "visible checks passed" in line]
    # softmax, two attentions, tokens and X, one head, the plot; then the 12 heads vs the model
    assert len(passed) == 6, text[-3000:]
    assert "split_heads_attention: equal to DistilBERT's own attention" in text, text[-3000:]
    # Installed from the students' repository at the tag, without the instructor's extra.
    info = subprocess.run(
        [py, "-c", "import importlib.metadata as m; print(m.distribution('nlpcourse')"
         ".read_text('direct_url.json'))"],
        capture_output=True, text=True, check=True, cwd=tmp_path,  # not a folder with egg-info
    ).stdout  # fmt: skip
    vcs = json.loads(info)["vcs_info"]
    assert vcs["requested_revision"] == tag
    assert vcs["commit_id"] == course_git(dest, "rev-parse", f"{tag}^{{commit}}")
    listed = subprocess.run(
        [py, "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.lower()
    installed = {line.split("==")[0].replace("_", "-") for line in listed.split()}
    assert not installed & set(INSTRUCTOR), sorted(installed & set(INSTRUCTOR))
    assert {"transformers", "matplotlib", "nltk", "gensim"} <= installed
