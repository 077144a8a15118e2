"""The pack's fixed layout, its ignore rules, and dependency lists that agree."""

from __future__ import annotations

import re
import subprocess
import tomllib

from conftest import ROOT


def test_top_level_layout():
    for name in [
        "source", "release", "autograded", "tests", "nlpcourse", ".ci/run", "Makefile",
        "README.md", "environment.yml", "nbgrader_config.py", "pyproject.toml", ".gitignore",
        "autograded/README.md", "source/README.md",
    ]:  # fmt: skip
        assert (ROOT / name).exists(), f"{name} is missing"
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_grading_state_and_build_products_are_ignored():
    probe = [
        "autograded/s/a/a.ipynb", "submitted/s/a/a.ipynb", "feedback/s/a/a.html",
        "gradebook.db", "source/a2_dropout_cnn/a2_dropout_cnn.ipynb", ".venv/bin/python",
    ]  # fmt: skip
    run = subprocess.run(["git", "check-ignore", *probe], cwd=ROOT, capture_output=True, text=True)
    assert sorted(run.stdout.split()) == sorted(probe)
    keep = ["autograded/README.md", "release/a2_dropout_cnn/a2_dropout_cnn.ipynb"]
    kept = subprocess.run(["git", "check-ignore", *keep], cwd=ROOT, capture_output=True, text=True)
    assert kept.stdout == "", "autograded/README.md and release/ must be committed"


def _names(reqs) -> set[str]:
    return {re.split(r"[<>=!\[ ;]", r.strip(), maxsplit=1)[0].lower() for r in reqs}


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = py["optional-dependencies"]
    pip_names = _names(py["dependencies"] + extras["instructor"] + extras["dev"]) - {"nlpcourse"}
    conda = []
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^  - ([A-Za-z][\w.-]*)(.*)$", line)
        if m and m.group(1) not in ("python", "pip", "cpuonly"):
            conda.append(m.group(1) + m.group(2))
    conda_names = {"torch" if n == "pytorch" else n for n in _names(conda)}
    assert pip_names == conda_names, (
        f"only in pyproject: {pip_names - conda_names}; only in environment.yml: "
        f"{conda_names - pip_names}"
    )
    assert "nbgrader==0.9.6" in extras["instructor"]
    assert "  - nbgrader=0.9.6" in (ROOT / "environment.yml").read_text()


#: Modules whose tests live in a file of another name, and why.
TESTED_ELSEWHERE = {
    "course/autograde/pool.py": "course/autograde/test_faults.py",  # the pool is what faults hit
}


def test_every_module_has_its_test_file():
    """Tests mirror the package: nlpcourse/<path>/<m>.py is tested in tests/<path>/test_<m>.py
    (nlpcourse/course/... in tests/course/...), or where TESTED_ELSEWHERE says."""
    missing = []
    for module in sorted((ROOT / "nlpcourse").rglob("*.py")):
        rel = module.relative_to(ROOT / "nlpcourse")
        if module.name == "__init__.py" or "data" in rel.parts:
            continue
        want = TESTED_ELSEWHERE.get(rel.as_posix(), (rel.parent / f"test_{rel.name}").as_posix())
        if not (ROOT / "tests" / want).is_file():
            missing.append(f"nlpcourse/{rel.as_posix()} -> tests/{want}")
    assert not missing, "modules without their test file:\n" + "\n".join(missing)
