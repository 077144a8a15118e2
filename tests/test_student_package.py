"""The package Colab installs: `pip install nlpcourse` without extras gives a runtime where every
module a notebook imports works and every release notebook's setup cell runs, with no
instructor dependency (nbgrader, Jupyter's servers and clients, Dask, PostgreSQL) installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT, assignments, copy_package

#: What notebooks import (and what those import): the student side of the pack.
STUDENT_MODULES = [
    "birthplaces", "config", "corpus", "gpt", "graph", "hub", "knowledge", "registry", "reviews",
    "seq2seq", "settings", "setup_cell",
]  # fmt: skip
#: Instructor-only distributions: none may be installed by the student package.
INSTRUCTOR = ["nbgrader", "jupyter-client", "nbclient", "jupytext", "dask", "psycopg", "notebook"]


@pytest.mark.slow
def test_the_package_without_extras_runs_every_setup_cell(tmp_path):
    pack = copy_package(tmp_path / "pack")
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    (tmp_path / "c.txt").write_text("torch==2.13.0\n")  # the CPU wheel on disk, never CUDA
    subprocess.run([*pip, "torch==2.13.0"], check=True, timeout=900)
    subprocess.run([*pip, "-c", str(tmp_path / "c.txt"), str(pack)], check=True, timeout=900)

    listed = subprocess.run(
        [py, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    installed = {line.split("==")[0].replace("_", "-") for line in listed.split()}
    assert not installed & set(INSTRUCTOR), sorted(installed & set(INSTRUCTOR))

    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    env.update(HF_HUB_OFFLINE="1", MPLBACKEND="Agg", PYTHONNOUSERSITE="1")
    imports = "; ".join(f"import nlpcourse.{m}" for m in STUDENT_MODULES)
    run = subprocess.run([py, "-c", imports], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for a in assignments():
        nb = nbformat.read(ROOT / "release" / a / f"{a}.ipynb", as_version=4)
        setup = next(c.source for c in nb.cells if c.cell_type == "code")
        work = tmp_path / "work" / a
        shutil.copytree(ROOT / "release" / a, work)  # the notebook's folder, as handed out
        run = subprocess.run(
            [py, "-c", setup + "\nprint('DEVICE', device)"],
            cwd=work, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, f"{a}: {run.stdout}{run.stderr}"
        assert "DEVICE cpu" in run.stdout, (a, run.stdout)
