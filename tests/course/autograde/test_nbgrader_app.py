"""nbgrader started in-process as its command starts it
(nlpcourse/course/autograde/nbgrader_app.py): the course's nbgrader_config.py is what configures
the app (so sandbox, checks and timeouts apply in workers exactly as under ``nbgrader
autograde``), and jsonschema's IRI grammar is skipped without changing what nbformat validates."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

from nlpcourse.course.autograde import nbgrader_app


def test_the_course_config_configures_the_app(tmp_path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from nlpcourse.course.autograde.nbgrader_app import course_app\n"
        "app = course_app(Path(sys.argv[1]))\n"
        "c = app.config\n"
        "print(c.CourseDirectory.course_id)\n"
        "print(c.Autograde.pre_convert_hook)\n"
        "print([p.__name__ for p in c.Autograde.autograde_preprocessors][:2] =="
        " ['SandboxedExecute', 'ApplyVerdicts'] and c.SandboxedExecute.source_dir == "
        "str(Path(sys.argv[1]) / 'source'))\n"
        "print(bool([h for h in app.log.handlers if type(h).__name__ == 'StreamHandler']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-3000:]
    course_id, hook, sandboxed, stream = out.stdout.split()
    assert course_id == "nlpcourse" and hook == "nlpcourse.course.hooks.check_submission"
    assert sandboxed == "True" and stream == "False"


def test_the_iri_grammar_is_skipped_and_notebooks_still_validate():
    code = (
        "import sys\n"
        "import nlpcourse.course.autograde.nbgrader_app\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.from_dict({'cells': [{'cell_type': 'nope'}], 'metadata': {},"
        " 'nbformat': 4, 'nbformat_minor': 5})\n"
        "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('caught')\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["caught", "None"], out.stdout


def test_skip_does_nothing_once_jsonschema_is_imported(monkeypatch):
    import jsonschema  # noqa: F401  (already imported in this process: the skip must not lie)

    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    nbgrader_app.skip_iri_grammar()
    assert "rfc3987_syntax" not in sys.modules
