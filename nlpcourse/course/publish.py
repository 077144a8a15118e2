"""Publish: write what students may see into the students' repository, commit it and tag it.

``nlpcourse publish DEST [--tag T]`` copies, from the course repository's last commit (what is
committed, never the work tree):

- ``release/`` as committed (the student notebooks and their data files);
- the student package: ``nlpcourse/`` reduced to the modules the release notebooks import and
  what those import (never ``nlpcourse/course/``, the instructor's engine), its data files and
  the fixture checksums, with a ``pyproject.toml`` of its own that installs only that package
  and its runtime dependencies (no extras, no ``nlpcourse`` command);
- a student README (each assignment's Colab badge at the tag, working locally, handing in) and
  the course's LICENSE;

and nothing else, into DEST (a git repository, made if missing). Every file there that the new
tree does not hold is deleted, so a file removed upstream disappears. It commits with a message
naming the source commit and tags the commit (annotated) with the release's tag.

The tag is baked into the release at build time (``nlpcourse.config.RELEASE_TAG``: badges, the
setup cell's install line, and the package's fixture URL), so publish reads it from the
committed notebooks and refuses a ``--tag`` they were not built for, a release whose notebooks
disagree, or a config that names another tag than the notebooks. A tag, once published, never
moves: students' links point at it.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

#: What publish copies from the course commit (the student package is narrowed afterwards).
SOURCES = ("release", "nlpcourse", "pyproject.toml", "LICENSE")
BADGE_RE = re.compile(
    r"https://colab\.research\.google\.com/github/(?P<repo>[\w.-]+/[\w.-]+)/blob/(?P<tag>[^/]+)/"
    r"release/(?P<a>[\w-]+)/(?P=a)\.ipynb"
)
INSTALL_RE = re.compile(
    r'"NLPCOURSE_REPOSITORY_URL", "https://github\.com/(?P<repo>[\w.-]+/[\w.-]+)"\)\n'
    r'\s*spec = f"nlpcourse @ git\+\{url\}@(?P<tag>[^"]+)"'
)
CONFIG_RE = {
    name: re.compile(rf'^{name} = "([^"]*)"$', re.M)
    for name in ("STUDENT_REPOSITORY", "RELEASE_TAG")
}
TITLE_RE = re.compile(r"^# (?P<title>.+?) \((?P<points>\d+(?:\.\d+)?) points\)\s*$", re.M)
IMPORT_RE = re.compile(r"\bnlpcourse\.(\w+)|\bfrom\s+nlpcourse\s+import\s+\(?([\w\s,]+)\)?")
IDENTITY = ("nlpcourse publish", "publish@nlpcourse.invalid")


class PublishError(RuntimeError):
    """Publishing cannot go on; the message names the problem and the fix."""


@dataclass
class Published:
    dest: Path
    tag: str
    source_commit: str
    commit: str
    changed: bool
    files: list[str] = field(default_factory=list)
    remote: bool = True

    def text(self) -> str:
        what = (
            f"published {self.tag}: commit {self.commit[:10]} in {self.dest}"
            if self.changed
            else f"{self.tag} is already published in {self.dest} (commit {self.commit[:10]})"
        )
        return (
            f"{what}, from course commit {self.source_commit[:10]}; {len(self.files)} files.\n"
            + (
                ""
                if self.remote
                else f"It has no remote yet: git -C {self.dest} remote add origin "
                "<the students' repository's URL>\n"
            )
            + f"Push it to the students' repository: git -C {self.dest} push --follow-tags "
            "origin HEAD"
        )


def _git(cwd: Path, *args: str, check: bool = True, binary: bool = False):
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=not binary)
    if check and proc.returncode != 0:
        err = proc.stderr if not binary else proc.stderr.decode(errors="replace")
        raise PublishError(f"`git {' '.join(args)}` failed in {cwd}: {err.strip()}")
    return proc.stdout


def _export(root: Path, commit: str, dest: Path) -> None:
    """The committed files of SOURCES at ``commit``, written under ``dest``."""
    listed = _git(root, "ls-tree", "--name-only", commit, "--", *SOURCES).split()
    for name in SOURCES:
        if name not in listed:
            raise PublishError(
                f"the course commit {commit[:10]} has no {name}: publish copies release/, the "
                "package, pyproject.toml and LICENSE as committed; add and commit it"
            )
    data = _git(root, "archive", "--format=tar", commit, "--", *SOURCES, binary=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")


def _notebooks(release: Path) -> dict[str, dict]:
    out = {}
    for nb in sorted(release.glob("*/*.ipynb")):
        if nb.stem == nb.parent.name:
            out[nb.stem] = json.loads(nb.read_text(encoding="utf-8"))
    if not out:
        raise PublishError(
            f"{release} holds no release notebook: run `make release` and commit release/"
        )
    return out


def _cells(nb: dict, kind: str | None = None) -> list[str]:
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if kind is None or c["cell_type"] == kind
    ]


def built_for(tree: Path) -> tuple[str, str]:
    """(students' repository, tag) that every committed release notebook was built for, checked
    against the committed config (the package makes its fixture URL from it)."""
    found: dict[tuple[str, str], list[str]] = {}
    for a, nb in _notebooks(tree / "release").items():
        text = "\n".join(_cells(nb))
        badge, install = BADGE_RE.search(text), INSTALL_RE.search(text)
        if not badge or not install or badge["a"] != a:
            raise PublishError(
                f"release/{a}/{a}.ipynb has no Colab badge or install line of this pack's build: "
                "run `make release` and commit release/"
            )
        for m in (badge, install):
            found.setdefault((m["repo"], m["tag"]), []).append(a)
    if len(found) > 1:
        raise PublishError(
            "the release notebooks were built for different repositories or tags: "
            + "; ".join(f"{r}@{t}: {sorted(set(a))}" for (r, t), a in found.items())
            + ". Run `make release` and commit release/"
        )
    [(repo, tag)] = found
    config = (tree / "nlpcourse" / "config.py").read_text(encoding="utf-8")
    conf = {k: (m.group(1) if (m := rx.search(config)) else None) for k, rx in CONFIG_RE.items()}
    if (conf["STUDENT_REPOSITORY"], conf["RELEASE_TAG"]) != (repo, tag):
        raise PublishError(
            f"release/ was built for {repo} at {tag}, but the committed nlpcourse/config.py "
            f"names {conf['STUDENT_REPOSITORY']} at {conf['RELEASE_TAG']}: run `make release` "
            "and commit release/ (the golden test catches this too)"
        )
    return repo, tag


def student_modules(tree: Path) -> list[str]:
    """The modules of ``nlpcourse/`` the release notebooks import, and those they import in
    turn (``__init__`` always): the student package. Stops on any import of the engine."""
    pkg = tree / "nlpcourse"
    known = {p.stem for p in pkg.glob("*.py")}
    todo = {"__init__"}
    for a, nb in _notebooks(tree / "release").items():
        for src in _cells(nb, "code"):
            for attr, names in IMPORT_RE.findall(src):
                for name in [attr, *re.split(r"[\s,()]+", names)]:
                    if name == "course":
                        raise PublishError(
                            f"release/{a} imports nlpcourse.course, the instructor's engine, "
                            "which students do not get: move what it needs to a student module"
                        )
                    if name in known:
                        todo.add(name)
    done: set[str] = set()
    while todo:
        m = todo.pop()
        done.add(m)
        for node in ast.walk(ast.parse((pkg / f"{m}.py").read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [n.name for n in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{n.name}" for n in node.names]
            for full in names:
                parts = full.split(".")
                if parts[0] != "nlpcourse" or len(parts) < 2:
                    continue
                if parts[1] == "course":
                    raise PublishError(
                        f"nlpcourse/{m}.py imports {full}, the instructor's engine: a student "
                        "module must not (tests/test_student_package.py)"
                    )
                if parts[1] in known and parts[1] not in done:
                    todo.add(parts[1])
    return sorted(done)


def _pyproject(tree: Path, tag: str, repo: str) -> str:
    """The students' pyproject: the package and its runtime dependencies, nothing else."""
    project = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = "".join(f"    {json.dumps(d)},\n" for d in project["dependencies"])
    lic = project.get("license", {}).get("text", "see LICENSE")
    return (
        "# Written by `nlpcourse publish`: the course package as students install it.\n"
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        'name = "nlpcourse"\n'
        f"version = {json.dumps(project['version'])}\n"
        f"description = {json.dumps(f'The course package of release {tag} of {repo}')}\n"
        'readme = "README.md"\n'
        f"requires-python = {json.dumps(project['requires-python'])}\n"
        f"license = {{ text = {json.dumps(lic)} }}\n"
        f"dependencies = [\n{deps}]\n\n"
        '[tool.setuptools]\npackages = ["nlpcourse"]\n\n'
        '[tool.setuptools.package-data]\nnlpcourse = ["*.json", "data/*"]\n'
    )


def _readme(tree: Path, tag: str, repo: str) -> str:
    from nlpcourse import config

    rows = []
    for a, nb in _notebooks(tree / "release").items():
        m = next(filter(None, (TITLE_RE.search(s) for s in _cells(nb, "markdown"))), None)
        title, points = (m["title"], m["points"]) if m else (a, "")
        badge = "https://colab.research.google.com/assets/colab-badge.svg"
        rows.append(
            f"| [{a}](release/{a}/{a}.ipynb) | {title} | {points} | "
            f"[![Open In Colab]({badge})]({config.colab_url(a, tag)}) |"
        )
    name = repo.split("/")[-1]
    first = next(iter(_notebooks(tree / "release")))
    table = "\n".join(rows)
    return f"""# Assignments ({tag})

The course's assignments, one Jupyter notebook each in `release/<assignment>/`, with the data
files it reads next to it. This is release `{tag}`; the links below open that release.

| Assignment | Title | Points | Open |
|---|---|---|---|
{table}

## For students

### On Colab

Click the badge. Run the first code cell: it installs the course package of this release and
fetches the assignment's data files, checked against their sha256. If it stops with a message,
do what the message says (check that the runtime is online, run the cell again). Where a
notebook wants a GPU, the cell says what runs scaled down without one and how to get one
(*Runtime > Change runtime type*, a GPU as the hardware accelerator). Colab opens a copy that
only you see: *File > Save a copy in Drive* keeps your work.

### Locally

```bash
git clone https://github.com/{repo} && cd {name}
git checkout {tag}
python3 -m venv .venv && .venv/bin/pip install -e . jupyterlab
.venv/bin/jupyter lab release/{first}/{first}.ipynb
```

(On a machine without a GPU, `pip install torch --index-url https://download.pytorch.org/whl/cpu`
first saves a large download.) Keep the files of `release/<assignment>/` next to the notebook.

### Answering and handing in

Fill in the cells marked `YOUR CODE HERE` or `YOUR ANSWER HERE` and run the test cell under each:
it says in plain words what is wrong. Do not delete, copy or reorder cells: the autograder
matches cells by their ids. Before you hand in, restart and run everything (Colab: *Runtime >
Restart session and run all*; JupyterLab: *Kernel > Restart Kernel and Run All Cells*) and check
that no cell fails. Then hand in the notebook file itself, `<assignment>.ipynb` under its own name
(Colab: *File > Download > Download .ipynb*), where your instructor tells you to.

## License

See [LICENSE](LICENSE).
"""


def _reset_tree(dest: Path) -> None:
    for p in dest.iterdir():
        if p.name == ".git":
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def _write_tree(tree: Path, dest: Path, tag: str, repo: str) -> list[str]:
    shutil.copytree(tree / "release", dest / "release")
    pkg = dest / "nlpcourse"
    pkg.mkdir()
    for m in student_modules(tree):
        shutil.copy2(tree / "nlpcourse" / f"{m}.py", pkg / f"{m}.py")
    for extra in (tree / "nlpcourse").glob("*.json"):
        shutil.copy2(extra, pkg / extra.name)
    if (tree / "nlpcourse" / "data").is_dir():
        shutil.copytree(tree / "nlpcourse" / "data", pkg / "data")
    (dest / "pyproject.toml").write_text(_pyproject(tree, tag, repo), encoding="utf-8")
    (dest / "README.md").write_text(_readme(tree, tag, repo), encoding="utf-8")
    shutil.copy2(tree / "LICENSE", dest / "LICENSE")
    for junk in dest.rglob("__pycache__"):
        shutil.rmtree(junk)
    return sorted(
        p.relative_to(dest).as_posix()
        for p in dest.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(dest).parts
    )


def _prepare_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise PublishError(f"{dest} is a file: give a folder for the students' repository")
    if not (dest / ".git").exists():
        if dest.exists() and any(dest.iterdir()):
            raise PublishError(
                f"{dest} holds files and is not a git repository: publish replaces every file "
                "of the students' repository, so give an empty folder, a new path or a clone "
                "of that repository"
            )
        dest.mkdir(parents=True, exist_ok=True)
        _git(dest, "init", "-q", "-b", "main")
    elif _git(dest, "status", "--porcelain").strip():
        raise PublishError(
            f"{dest} has uncommitted changes: publish replaces every file there, so commit or "
            "discard them first (`git -C DEST status`)"
        )


def _identity(root: Path, dest: Path) -> list[str]:
    if _git(dest, "config", "user.name", check=False).strip():
        return []
    name = _git(root, "config", "user.name", check=False).strip() or IDENTITY[0]
    email = _git(root, "config", "user.email", check=False).strip() or IDENTITY[1]
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def _has_remote(dest: Path) -> bool:
    return "origin" in _git(dest, "remote").split()


def publish(root: Path, dest: Path, tag: str | None = None) -> Published:
    """Write the students' tree of ``root``'s last commit into ``dest``, commit and tag it."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    if not (root / ".git").exists():
        raise PublishError(
            f"{root} is not a git repository: publish copies what is committed and names the "
            "commit, so the course must be one"
        )
    if dest == root or root in dest.parents:
        raise PublishError(
            f"{dest} is inside the course repository: the students' repository is another one"
        )
    dirty = _git(root, "status", "--porcelain", "--", *SOURCES).strip()
    if dirty:
        raise PublishError(
            "uncommitted changes in what publish copies (it copies the last commit and names "
            f"it; commit them, or stash them, first):\n{dirty}"
        )
    source = _git(root, "rev-parse", "HEAD").strip()
    with tempfile.TemporaryDirectory(prefix="nlpcourse-publish-") as tmp:
        tree = Path(tmp)
        _export(root, source, tree)
        repo, built = built_for(tree)
        if tag is not None and tag != built:
            raise PublishError(
                f"release/ was built for the tag {built}, not {tag}: the badges and the setup "
                f"cells name the tag. Set RELEASE_TAG = {tag!r} in nlpcourse/config.py, run "
                "`make release`, commit, and publish again (or publish without --tag)"
            )
        _prepare_dest(dest)
        ident = _identity(root, dest)
        old = _git(
            dest, "rev-parse", "-q", "--verify", f"refs/tags/{built}^{{commit}}", check=False
        )
        _reset_tree(dest)
        files = _write_tree(tree, dest, built, repo)
    _git(dest, "add", "-A")
    has_head = bool(_git(dest, "rev-parse", "-q", "--verify", "HEAD", check=False).strip())
    if old.strip():
        same = (
            _git(dest, "write-tree").strip() == _git(dest, "rev-parse", f"{built}^{{tree}}").strip()
        )
        _git(dest, "reset", "-q", "--hard", "HEAD")  # DEST as it was
        if not same:
            raise PublishError(
                f"the tag {built} is already published with other content, and students' links "
                "point at it: set a new RELEASE_TAG in nlpcourse/config.py, run `make release`, "
                "commit, and publish again"
            )
        return Published(dest, built, source, old.strip(), False, files, _has_remote(dest))
    changed = not has_head or bool(_git(dest, "status", "--porcelain").strip())
    if changed:
        message = (
            f"Publish {built} from course commit {source}\n\n"
            f"Written by `nlpcourse publish` from commit {source} of the course repository: "
            "release/ as committed there, the student package, README.md and LICENSE."
        )
        _git(dest, *ident, "commit", "-q", "-m", message)
    _git(dest, *ident, "tag", "-a", built, "-m", f"Release {built} (course commit {source})")
    commit = _git(dest, "rev-parse", "HEAD").strip()
    return Published(dest, built, source, commit, True, files, _has_remote(dest))
