"""`nlpcourse publish`: the students' repository holds the release, the student package, a README
and a license, and nothing of what only the instructor may see; every link in it points at the
published tag; re-publishing updates it in place; a tag never moves."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

import jupytext
import pytest
from conftest import ROOT, course_git, make_course

from nlpcourse import config
from nlpcourse.course import cli, publish


def git(cwd: Path, *args: str) -> str:
    return course_git(cwd, *args)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return make_course(tmp_path_factory.mktemp("publish") / "course")


@pytest.fixture(scope="module")
def published(course, tmp_path_factory) -> publish.Published:
    return publish.publish(course, tmp_path_factory.mktemp("students") / "repo")


def files_of(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and ".git" not in p.relative_to(folder).parts
    )


# --- what the tree holds ----------------------------------------------------------------------


def test_the_tree_is_the_release_the_student_package_a_readme_and_a_license(published):
    dest = published.dest
    got = {p.relative_to(dest).as_posix() for p in files_of(dest)}
    release = {
        f"release/{p.relative_to(ROOT / 'release').as_posix()}" for p in files_of(ROOT / "release")
    }
    modules = publish.student_modules(ROOT)
    package = {f"nlpcourse/{m}.py" for m in modules}
    package |= {"nlpcourse/fixtures.json"}
    package |= {f"nlpcourse/data/{p.name}" for p in (ROOT / "nlpcourse" / "data").iterdir()}
    assert got == release | package | {"README.md", "LICENSE", "pyproject.toml"}
    assert got == set(published.files)
    # Only what notebooks import (and what that imports): the engine never, the grader's
    # kernel-side helpers (probe, wire) not either.
    assert {"__init__", "config", "settings", "setup_cell", "registry", "graph", "hub"} <= set(
        modules
    )
    assert not {"probe", "wire", "course"} & set(modules), modules
    for path in files_of(dest):
        if path.suffix == ".py":
            assert b"nlpcourse.course" not in path.read_bytes(), path
    # Release files are the committed ones, byte for byte.
    for p in files_of(ROOT / "release"):
        assert (dest / "release" / p.relative_to(ROOT / "release")).read_bytes() == p.read_bytes()
    assert (dest / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()


def test_its_pyproject_installs_the_student_package_only(published):
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    theirs = tomllib.loads((published.dest / "pyproject.toml").read_text())
    project = theirs["project"]
    assert project["name"] == "nlpcourse" and project["dependencies"] == ours["dependencies"]
    assert "optional-dependencies" not in project and "scripts" not in project
    assert theirs["tool"]["setuptools"]["packages"] == ["nlpcourse"]


def test_the_readme_tells_students_how_to_open_work_and_hand_in(published):
    text = (published.dest / "README.md").read_text()
    for a in config.assignments(ROOT):
        assert f"[{a}](release/{a}/{a}.ipynb)" in text, a
        assert config.colab_url(a) in text, a
    for words in [
        "## For students",  # the setup cell's "not installed" line points here
        "Runtime > Change runtime type",
        "Runtime >\nRestart session and run all",
        "File > Download > Download .ipynb",
        f"git clone https://github.com/{config.STUDENT_REPOSITORY}",
        f"git checkout {config.RELEASE_TAG}",
        "pip install -e .",
        "YOUR CODE HERE",
    ]:
        assert words in text, words


def test_commit_names_the_source_and_the_tag_marks_it(published, course):
    dest, source = published.dest, git(course, "rev-parse", "HEAD")
    assert published.source_commit == source
    message = git(dest, "log", "-1", "--format=%B")
    assert f"Publish {config.RELEASE_TAG} from course commit {source}" in message
    assert git(dest, "rev-parse", f"{config.RELEASE_TAG}^{{commit}}") == git(
        dest, "rev-parse", "HEAD"
    )
    assert git(dest, "cat-file", "-t", config.RELEASE_TAG) == "tag"  # annotated: push follows
    assert source in git(dest, "tag", "-n9", "-l", config.RELEASE_TAG)
    assert git(dest, "status", "--porcelain") == ""


# --- nothing of what only the instructor sees -------------------------------------------------


def _lines(text: str) -> set[str]:
    """Lines worth matching: stripped, with a letter or digit, not a bare keyword."""
    out = set()
    for line in text.splitlines():
        s = line.strip()
        if len(s) >= 8 and re.search(r"[A-Za-z0-9]", s):
            out.add(s)
    return out


def _notebook_text(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        src = cell["source"]
        parts.append("".join(src) if isinstance(src, list) else src)
        for out in cell.get("outputs", []):
            parts.append(json.dumps(out))
    return "\n".join(parts)


def _secrets() -> tuple[set[str], set[str], set[str]]:
    """(lines only the instructor may see, lines public anyway, sha256 of instructor files).

    Secret: every line of a solution region and of a written answer's model answer and mark
    scheme (source/<a>/<a>.py), of every hidden/ file and of every test submission. Public:
    the rest of each text notebook (what the release shows) and the student package's own
    lines, which a secret line may share (an import) without leaking anything."""
    secret, public, hashes = set(), set(), set()
    for a in config.assignments(ROOT):
        src = ROOT / "source" / a / f"{a}.py"
        hashes.add(hashlib.sha256(src.read_bytes()).hexdigest())
        for cell in jupytext.reads(src.read_text(encoding="utf-8"), fmt="py:percent").cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("solution"):
                secret |= _lines(cell.source)
                continue
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END SOLUTION" in line:
                    inside = False
                elif inside:
                    secret |= _lines(line)
                else:
                    public |= _lines(line)
    instructor = [
        *(ROOT / "source").glob("*/hidden/**/*"),
        *(ROOT / "tests" / "submissions").rglob("*"),
    ]
    instructor += list((ROOT / "nlpcourse" / "course").rglob("*.py"))
    for path in instructor:
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        hashes.add(hashlib.sha256(path.read_bytes()).hexdigest())
        if path.suffix == ".ipynb":
            secret |= _lines(_notebook_text(path))
        elif path.suffix in (".py", ".json", ".txt", ".md", ".csv") and "course" not in path.parts:
            secret |= _lines(path.read_text(encoding="utf-8"))
    for module in (ROOT / "nlpcourse").glob("*.py"):
        public |= _lines(module.read_text(encoding="utf-8"))
    return secret - public, public, hashes


def test_no_solution_hidden_check_mark_scheme_submission_or_engine_is_published(published):
    secret, _, hashes = _secrets()
    assert len(secret) > 1000, "the secret lines were not collected"  # every assignment's
    dest = published.dest
    leaks = []
    for path in files_of(dest):
        rel = path.relative_to(dest)
        parts = set(rel.parts)
        if parts & {"hidden", "source", "tests", "submissions", "course"}:
            leaks.append(f"{rel}: an instructor-only folder")
        if path.suffix == ".py" and rel.parts[0] == "release":
            leaks.append(f"{rel}: a text notebook")
        if hashlib.sha256(path.read_bytes()).hexdigest() in hashes:
            leaks.append(f"{rel}: the same bytes as a source, hidden, submission or engine file")
        if path.suffix == ".ipynb":
            text = _notebook_text(path)
        else:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # data arrays: compared by hash above
        leaks += [f"{rel}: {line!r}" for line in sorted(_lines(text) & secret)]
    assert not leaks, "published what only the instructor may see:\n" + "\n".join(leaks[:40])


def test_the_leak_check_sees_a_solution_line(tmp_path, published):
    """The check above can fail: a release notebook holding one line of a solution is caught."""
    secret, _, _ = _secrets()
    a = "a2_dropout_cnn"
    src = (ROOT / "source" / a / f"{a}.py").read_text()
    body = src.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
    line = next(s for s in (x.strip() for x in body.splitlines()) if s in secret)
    nb = json.loads((published.dest / "release" / a / f"{a}.ipynb").read_text())
    nb["cells"][-1]["source"] = [line]
    leaked = tmp_path / f"{a}.ipynb"
    leaked.write_text(json.dumps(nb))
    assert line in _lines(_notebook_text(leaked)) & secret


# --- links ------------------------------------------------------------------------------------

URL = re.compile(r"""(?:git\+)?https?://[^\s)"'\]>\\]+""")


def test_every_link_to_the_students_repository_points_at_the_tag(published):
    repo, tag = config.STUDENT_REPOSITORY, config.RELEASE_TAG
    allowed = [
        re.compile(
            rf"https://colab\.research\.google\.com/github/{repo}/blob/{tag}/release/(\w+)/\1\.ipynb"
        ),
        re.compile(r"https://colab\.research\.google\.com/assets/colab-badge\.svg"),
        re.compile(rf"https://github\.com/{repo}"),  # the clone line and the install's default
        re.compile(rf"https://github\.com/{repo}/blob/{tag}/(?P<path>nlpcourse/\w+\.py)"),
    ]
    dest, seen = published.dest, {}
    for path in [dest / "README.md", *dest.glob("release/*/*.ipynb")]:
        text = _notebook_text(path) if path.suffix == ".ipynb" else path.read_text()
        for url in URL.findall(text):
            seen.setdefault(path.name, []).append(url)
            # Links into the students' repository, Colab or raw files (others: minGPT, papers).
            pointed = repo in url or "colab" in url or "githubusercontent" in url
            ok = [m for rx in allowed if (m := rx.fullmatch(url))]
            assert not pointed or ok, (path, url)
            if ok and "path" in ok[0].groupdict():
                assert (dest / ok[0]["path"]).is_file(), f"{path.name} links to {url}: absent"
        # The install line puts the tag after the repository: git+<url>@<tag>.
        if path.suffix == ".ipynb":
            assert f'spec = f"nlpcourse @ git+{{url}}@{tag}"' in text, path
            assert f'"NLPCOURSE_REPOSITORY_URL", "https://github.com/{repo}"' in text, path
        assert "/main/" not in text and "@main" not in text, path
    for a in config.assignments(ROOT):
        assert config.colab_url(a) in seen[f"{a}.ipynb"], a  # each notebook's own badge
        assert config.colab_url(a) in seen["README.md"], a


def test_config_makes_every_url_at_the_tag():
    repo, tag = config.STUDENT_REPOSITORY, config.RELEASE_TAG
    assert config.colab_url("a1_backprop") == (
        f"https://colab.research.google.com/github/{repo}/blob/{tag}/release/a1_backprop/"
        "a1_backprop.ipynb"
    )
    assert config.install_spec() == f"nlpcourse @ git+https://github.com/{repo}@{tag}"
    assert config.fixture_base_url() == f"https://raw.githubusercontent.com/{repo}/{tag}/release"
    for bad in ["", "-x", "a b", "a..b", "x.lock", "a/b", "é"]:
        with pytest.raises(ValueError, match="cannot be a release tag"):
            config.check_tag(bad)
    assert config.check_tag(tag) == tag


# --- re-publishing and refusals ---------------------------------------------------------------


def _retag(course: Path, old: str, new: str) -> None:
    """Stand in for `make release` after RELEASE_TAG changed: the tag in config and in every
    release notebook's badge and install line."""
    for path in [course / "nlpcourse" / "config.py", *course.glob("release/*/*.ipynb")]:
        path.write_text(path.read_text().replace(old, new))


def test_republishing_updates_in_place_and_keeps_the_old_tag(tmp_path, published, course):
    work = tmp_path / "course"
    git(tmp_path, "clone", "-q", str(course), str(work))
    students = tmp_path / "students"
    git(tmp_path, "clone", "-q", str(published.dest), str(students))
    old = config.RELEASE_TAG
    git(students, "fetch", "-q", "--tags")
    # Upstream: a data file goes, a notebook changes, and the release gets a new tag.
    gone = next((work / "release").glob("*/*.npy"))
    gone.unlink()
    _retag(work, old, "v2")
    git(work, "commit", "-qam", "next release")
    done = publish.publish(work, students)
    assert done.changed and done.tag == "v2"
    assert not (students / gone.relative_to(work)).exists(), "a file removed upstream stays"
    assert "blob/v2/release" in (students / "README.md").read_text()
    assert git(students, "status", "--porcelain") == ""
    assert git(students, "rev-list", "--count", "HEAD") == "2"
    assert git(students, "rev-parse", f"{old}^{{commit}}") == published.commit  # never moves
    # Again, unchanged: nothing to do, and it says so.
    again = publish.publish(work, students)
    assert not again.changed and again.commit == done.commit
    assert "already published" in again.text() and "no remote" not in again.text()
    # The same tag with other content: refused, the students' tree as it was.
    (work / "LICENSE").write_text("changed\n")
    git(work, "commit", "-qam", "license")
    with pytest.raises(publish.PublishError, match="already published with other content"):
        publish.publish(work, students)
    assert git(students, "status", "--porcelain") == ""
    assert (students / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()


def test_publish_refuses_what_it_cannot_publish_honestly(tmp_path, course):
    work = tmp_path / "course"
    git(tmp_path, "clone", "-q", str(course), str(work))
    with pytest.raises(publish.PublishError, match="built for the tag .* not v9.*RELEASE_TAG"):
        publish.publish(work, tmp_path / "a", tag="v9")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("mine")
    with pytest.raises(publish.PublishError, match="not a git repository"):
        publish.publish(work, tmp_path / "b")
    with pytest.raises(publish.PublishError, match="inside the course repository"):
        publish.publish(work, work / "students")
    (work / "LICENSE").write_text("edited, not committed\n")
    with pytest.raises(publish.PublishError, match="(?s)uncommitted changes.*LICENSE"):
        publish.publish(work, tmp_path / "c")
    git(work, "checkout", "-q", "LICENSE")
    # One notebook built for another tag than the rest, or a config naming another tag.
    nb = next(work.glob("release/*/*.ipynb"))
    nb.write_text(nb.read_text().replace(config.RELEASE_TAG, "v0"))
    git(work, "commit", "-qam", "stale")
    with pytest.raises(publish.PublishError, match="different repositories or tags"):
        publish.publish(work, tmp_path / "d")
    _retag(work, config.RELEASE_TAG, "v0")
    (work / "nlpcourse" / "config.py").write_text(
        (work / "nlpcourse" / "config.py").read_text().replace('"v0"', '"v1"')
    )
    git(work, "commit", "-qam", "config ahead")
    with pytest.raises(publish.PublishError, match="config.py names .* at v1"):
        publish.publish(work, tmp_path / "e")
    assert not any((tmp_path / n).exists() for n in "acde")


def test_the_command(tmp_path, course, capsys):
    dest = tmp_path / "students"
    assert cli.main(["--root", str(course), "publish", str(dest)]) == 0
    out = capsys.readouterr().out
    assert f"published {config.RELEASE_TAG}" in out and "push --follow-tags" in out
    assert "no remote yet" in out  # a new folder: say how to connect it
    assert cli.main(["--root", str(course), "publish", str(dest), "--tag", "nope"]) == 2
    assert "built for the tag" in capsys.readouterr().err
