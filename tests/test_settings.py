"""nlpcourse.settings: one reader of the environment, one rule for true/false."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from nlpcourse import hub, reviews, settings


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_true_values(monkeypatch, value):
    monkeypatch.setenv("NLPCOURSE_ALLOW_UNSANDBOXED", value)
    assert settings.allow_unsandboxed() is True


@pytest.mark.parametrize("value", ["", "0", "false", "False", "no", "off", "  "])
def test_false_values(monkeypatch, value):
    monkeypatch.setenv("NLPCOURSE_ALLOW_UNSANDBOXED", value)
    assert settings.allow_unsandboxed() is False


def test_an_unreadable_switch_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("NLPCOURSE_OFFLINE", "maybe")
    with pytest.raises(settings.SettingError, match="NLPCOURSE_OFFLINE='maybe'.*1/true"):
        settings.offline()


@pytest.mark.parametrize("var", ["NLPCOURSE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_models_and_data_agree_on_offline(monkeypatch, var):
    """HF_HUB_OFFLINE=false once sent the a4 data offline but not the model hub: one rule now."""
    for v in ("NLPCOURSE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv(var, "false")
    assert hub._offline_env() is False and reviews.offline_wanted() is False
    monkeypatch.setenv(var, "1")
    assert hub._offline_env() is True and reviews.offline_wanted() is True


def test_gradebook_url_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("NLPCOURSE_DB_URL", raising=False)
    assert settings.db_url(tmp_path) == f"sqlite:///{tmp_path / 'gradebook.db'}"
    monkeypatch.setenv("NLPCOURSE_DB_URL", "postgresql://grader@db/course")
    assert settings.db_url(tmp_path) == "postgresql://grader@db/course"


def test_cell_timeout(monkeypatch):
    monkeypatch.delenv("NLPCOURSE_CELL_TIMEOUT", raising=False)
    assert settings.cell_timeout() == settings.CELL_TIMEOUT_DEFAULT
    monkeypatch.setenv("NLPCOURSE_CELL_TIMEOUT", "15")
    assert settings.cell_timeout() == 15
    for bad in ("ten", "0", "-3"):
        monkeypatch.setenv("NLPCOURSE_CELL_TIMEOUT", bad)
        with pytest.raises(settings.SettingError, match="NLPCOURSE_CELL_TIMEOUT"):
            settings.cell_timeout()


def test_no_other_module_reads_the_environment_for_a_setting():
    """Every NLPCOURSE_* / offline / NBGRADER_EXECUTION read goes through settings (the Colab
    bootstrap that build.py writes into notebooks is the one exception: it runs before the
    package is installed)."""
    read = re.compile(
        r"(environ(\.get)?\s*[\[(]|getenv\s*\()\s*['\"]"
        r"(NLPCOURSE_\w+|HF_HUB_OFFLINE|TRANSFORMERS_OFFLINE|NBGRADER_EXECUTION)"
    )
    offenders = []
    for path in [*(ROOT / "nlpcourse").rglob("*.py"), ROOT / "nbgrader_config.py"]:
        if path.name == "settings.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"environ\[[^\]]+\]\s*=(?!=)", line):
                continue  # setting a variable for a child process, not reading one
            if read.search(line) and not (
                path.name == "build.py" and "NLPCOURSE_REPOSITORY_URL" in line
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "read these through nlpcourse.settings:\n" + "\n".join(offenders)
