"""The student's and the instructor's day in a real browser: JupyterLab + nbgrader in headless
Chromium (Debian's, through Playwright), against a server on loopback in a scratch course.

Deselect locally with ``-m "not browser"``; CI runs it (``.ci/run`` installs chromium).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
A = "a2_dropout_cnn"  # Validate and formgrader: a2 has a written answer (1a) to grade by hand
A3 = "a3_attention"  # the student's questions and the attention heatmap
CHROMIUM = os.environ.get("NLPCOURSE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT = 120_000  # ms: a shared 2-core machine, a kernel that imports torch

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

RIGHT = '''def softmax(x, axis=-1):
    """Numerically stable softmax of the array x along axis."""
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)
'''
WRONG = '''def softmax(x, axis=-1):
    """A common mistake: exp of the raw scores overflows at 1e4."""
    z = np.exp(x)
    return z / np.sum(z, axis=axis, keepdims=True)
'''


def reference_cells(assignment: str, ids: list[str]) -> dict[str, str]:
    """The instructor's solution of each named cell, delimiters removed (what a student who
    got it right would have typed)."""
    import nbformat

    from nlpcourse.course.submissions import strip_solution_delimiters

    nb = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    return {i: strip_solution_delimiters(by_id[i]) for i in ids}


def release_index(assignment: str) -> dict[str, int]:
    """grade_id -> index of the cell in the release notebook (the order JupyterLab shows)."""
    import nbformat

    nb = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    return {
        c.metadata.get("nbgrader", {}).get("grade_id", f"#{i}"): i for i, c in enumerate(nb.cells)
    }


@pytest.fixture(scope="module", autouse=True)
def _expect_timeout():
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course: sources, release and `nlpcourse demo` (three autograded students)."""
    from nlpcourse.course import release as rel

    course = rel.copy_course(ROOT, tmp_path_factory.mktemp("browser") / "course", [A, A3])
    rel.release(course, [A3], write_registry=False)
    shutil.copytree(ROOT / "tests" / "submissions" / A, course / "tests" / "submissions" / A)
    run = subprocess.run(
        [sys.executable, "-m", "nlpcourse.course.cli", "--root", str(course), "demo", A],
        capture_output=True,
        text=True,
        env=rel.tool_env(),
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return course


@pytest.fixture(scope="module")
def server(course, tmp_path_factory):
    """`nlpcourse lab`'s server in the scratch course; yields its URLs."""
    from nlpcourse.course import lab

    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    log = open(course.parent / "jupyter.log", "w")  # noqa: SIM115
    old = os.environ.get("JUPYTER_RUNTIME_DIR")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
    try:
        proc, port, token = lab.start(course, stdout=log, stderr=subprocess.STDOUT)
    finally:
        if old is None:
            os.environ.pop("JUPYTER_RUNTIME_DIR")
        else:
            os.environ["JUPYTER_RUNTIME_DIR"] = old
    urls = lab.urls(port, token, A)
    urls["student_a3"] = lab.urls(port, token, A3)["student"]
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{urls['base']}/api/status?token={token}", timeout=5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("jupyter lab did not start:\n" + Path(log.name).read_text()[-4000:])
            time.sleep(0.5)
    yield urls
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.copy(log.name, ARTIFACTS / "jupyter.log") if ARTIFACTS.is_dir() else None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():  # a missing browser is a failure, never a silent skip
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, as "
            ".ci/run does), point NLPCOURSE_CHROMIUM at a Chromium binary, or deselect the "
            "browser suite with -m 'not browser'"
        )
    # Playwright gives Chromium a new empty profile (--user-data-dir) of its own.
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh page; on failure its screenshot and console log go to test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT)
    pg = context.new_page()
    console: list[str] = []
    pg.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    failed_before = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed_before:
        name = request.node.name
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - the log matters more than the picture
            console.append(f"[screenshot failed] {exc}")
        (ARTIFACTS / f"{name}.console.log").write_text("\n".join(console) + "\n")
    context.close()


# -- JupyterLab helpers ---------------------------------------------------------------------


def open_notebook(page, url):
    # `reset`: start from an empty workspace, not with the notebooks earlier tests opened (the
    # server remembers them; their hidden panels would answer the locators below).
    page.goto(url + ("&" if "?" in url else "?") + "reset")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(20).wait_for()
    # The kernel has started and is idle (the visible notebook toolbar's execution indicator).
    page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]'
    ).first.wait_for()
    # JupyterLab's "get notified about Jupyter news?" toast takes the keyboard focus: answer it.
    news = page.locator(".Toastify").get_by_role("button", name="No")
    try:
        news.wait_for(timeout=5_000)
        news.click()
    except Exception:  # noqa: BLE001 - no toast this time
        pass


def cell(page, i):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(i)


def run_cell(page, i):
    c = cell(page, i)
    c.scroll_into_view_if_needed()
    c.locator(".jp-InputPrompt").first.click()
    expect_active = c.evaluate("el => el.classList.contains('jp-mod-active')")
    assert expect_active, f"clicking cell {i}'s prompt did not select it"
    page.keyboard.press("Shift+Enter")
    # Finished when its prompt shows a number, not "*" and not blank.
    c.locator(".jp-InputPrompt").filter(has_text=r"[").first.wait_for()
    page.wait_for_function(
        """el => /\\[\\d+\\]/.test(el.textContent)""",
        arg=c.locator(".jp-InputPrompt").first.element_handle(),
    )
    return c


def set_code(page, i, code):
    c = cell(page, i)
    c.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def outputs(c):
    """The cell's whole output area (stderr warnings, the result, a traceback: all of them)."""
    return c.locator(".jp-OutputArea").first


# -- the student's day ------------------------------------------------------------------------


def test_student_solves_and_checks_a_question(server, page):
    """a3: setup cell, a right softmax and its visible test (success), then a wrong one."""
    from playwright.sync_api import expect

    ix = release_index(A3)
    open_notebook(page, server["student_a3"])
    expect(cell(page, ix["softmax"])).to_contain_text("def softmax(x, axis=-1)")
    run_cell(page, ix["setup"])
    run_cell(page, ix["setup"] + 1)  # imports
    expect(outputs(cell(page, ix["setup"]))).not_to_contain_text("Error")

    set_code(page, ix["softmax"], RIGHT)
    run_cell(page, ix["softmax"])
    test = run_cell(page, ix["test_softmax"])
    expect(outputs(test)).to_contain_text("softmax: visible checks passed.")

    set_code(page, ix["softmax"], WRONG)
    run_cell(page, ix["softmax"])
    test = run_cell(page, ix["test_softmax"])
    expect(outputs(test)).to_contain_text("AssertionError")
    expect(outputs(test)).to_contain_text("exp overflowed. Subtract the maximum first.")
    expect(outputs(test)).not_to_contain_text("visible checks passed")


def test_student_validates_the_notebook(server, page):
    """nbgrader's Validate button: the dialog names the questions still unanswered."""
    from playwright.sync_api import expect

    open_notebook(page, server["student"])
    # The toolbar of the notebook on show (an earlier step may have left a3 open in a tab).
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(panel.locator(".jp-Notebook")).to_contain_text("dropout_scale")
    panel.get_by_role("button", name="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Validation Results")
    # The written answer 1a is still the placeholder in every order the tests run in.
    expect(dialog).to_contain_text("The following cell failed")
    expect(dialog).to_contain_text("You did not provide a response.")
    expect(dialog).not_to_contain_text("Success! Your notebook passes all the tests.")


def test_instructor_grades_a_written_answer(server, course, page):
    """formgrader: the assignment, a demo-autograded submission, a manual grade for 1a."""
    from playwright.sync_api import expect

    page.goto(server["instructor"])
    page.get_by_role("link", name="Manual Grading").first.click()
    page.get_by_role("link", name=A).first.click()
    page.get_by_role("link", name=A).first.click()
    # The demo's three autograded students, names hidden.
    expect(page.get_by_role("link", name="Submission #3")).to_be_visible()
    page.get_by_role("link", name="Submission #1").first.click()
    expect(page.locator("body")).to_contain_text("Submission 1 / 3")
    expect(page.locator("body")).to_contain_text("1a. Derive")
    # /formgrader/submissions/<submission notebook id>/
    sid = urllib.parse.urlparse(page.url).path.rstrip("/").rsplit("/", 1)[-1]
    score = page.locator("input.score#gamma_derivation")
    expect(score).to_be_visible()
    # formgrader binds its save-on-change handlers after its models load: wait for that.
    page.wait_for_load_state("networkidle")
    score.fill("11")
    score.press("Tab")  # formgrader saves on change

    from nbgrader.api import Gradebook

    deadline = time.monotonic() + 120
    while True:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            nb = gb.find_submission_notebook_by_id(sid)
            grade = {g.name: g.manual_score for g in nb.grades}["gamma_derivation"]
            student = nb.student.id
        if grade == 11 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert grade == 11, f"formgrader showed the grade but the gradebook holds {grade!r}"
    assert student in {"alice_reference", "bob_blank", "carol_partly_wrong"}


def test_attention_heatmap_screenshot(server, page):
    """a3: the student's DistilBERT layer-5 heatmap appears under its cell; saved as a PNG."""
    from playwright.sync_api import expect

    ix = release_index(A3)
    mine = reference_cells(A3, ["layer5_inputs", "single_head_attention", "plot_attention"])
    open_notebook(page, server["student_a3"])
    run_cell(page, ix["setup"])
    run_cell(page, ix["setup"] + 1)  # imports, %matplotlib inline
    load, weights, a_y = (
        ix["layer5_inputs"] - 4,
        ix["layer5_inputs"] - 2,
        ix["plot_attention_demo"] - 5,
    )
    expect(cell(page, load)).to_contain_text("load_model")
    expect(cell(page, weights)).to_contain_text("layer 5")
    expect(cell(page, a_y)).to_contain_text("A, Y = single_head_attention(")
    run_cell(page, load)  # the tokenizer and DistilBERT (offline: the pack's local model)
    run_cell(page, weights)  # layer 5's weights and biases
    for gid in mine:
        set_code(page, ix[gid], mine[gid])
        c = run_cell(page, ix[gid])
        expect(outputs(c)).not_to_contain_text("Error")
    expect(outputs(run_cell(page, a_y))).not_to_contain_text("Error")
    demo = run_cell(page, ix["plot_attention_demo"])
    figure = outputs(demo).locator("img")
    expect(figure).to_be_visible()
    box = figure.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200, f"a tiny or empty figure: {box}"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "a3_attention_heatmap.png"
    demo.scroll_into_view_if_needed()
    demo.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000, "the screenshot of the heatmap cell is (almost) empty"
