"""A small two-package workspace with a real git history, built by the tests.

The history has conventional and free-form commits, a ``feat!:`` and a ``BREAKING CHANGE:``
trailer, a rename, a merge commit, an annotated and a lightweight release tag, a pre-release
tag and a tag that is not a version. Author, committer and dates are fixed and the user's git
configuration is ignored, so every build has the same commit hashes: golden files can show
them.

Set ``SPINE_UPDATE_GOLDEN=1`` to rewrite the golden files and the recorded fixture from a
fresh build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
RECORDED = HERE / "fixtures" / "changelog_repo"
UPDATE_GOLDEN = os.environ.get("SPINE_UPDATE_GOLDEN") == "1"

_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Ada Example",
    "GIT_AUTHOR_EMAIL": "ada@example.invalid",
    "GIT_COMMITTER_NAME": "Ada Example",
    "GIT_COMMITTER_EMAIL": "ada@example.invalid",
    "LC_ALL": "C",
}


class Repo:
    """A git repository driven with fixed identities and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = "2026-01-01T09:00:00+00:00"

    def git(self, *args: str, date: str | None = None) -> str:
        env = {**os.environ, **_ENV}
        when = date or self.clock
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
        done = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def commit(self, message: str, date: str) -> str:
        self.clock = date
        self.git("add", "-A")
        self.git("commit", "--allow-empty", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


ROOT_PYPROJECT = """
[project]
name = "acme-workspace"
version = "0.0.0"

[tool.uv.workspace]
members = ["packages/*"]

[tool.spine-changelog]
repository-url = "https://example.invalid/acme/widgets"
phase-map = "phases.toml"
"""

PHASES = """
[[phase]]
name = "Bootstrap"
description = "the workspace and first readers"
until-tag = "v0.1.0"

[[phase]]
name = "Growth"
description = "JSON, sizes and the rename"
from-tag = "v0.1.0"
until-tag = "v0.2.0"

[[phase]]
name = "Polish"
start = 2026-01-20
"""


def _package(name: str, version: str, deps: str = "", extras: str = "") -> str:
    return f"""
[project]
name = "{name}"
version = "{version}"
description = "The {name} package."
dependencies = [{deps}]
{extras}
"""


def build_repo(path: Path) -> Repo:
    """Build the workspace history in ``path`` (see the module docstring)."""
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    repo.write("pyproject.toml", ROOT_PYPROJECT)
    repo.write("phases.toml", PHASES)
    repo.write("README.md", "# acme\n")
    repo.write("packages/acme-core/pyproject.toml", _package("acme-core", "0.1.0"))
    repo.write(
        "packages/acme-io/pyproject.toml",
        _package(
            "acme-io",
            "0.1.0",
            '"acme-core==0.1.0"',
            '[project.optional-dependencies]\nfast = ["acme-core[speed]==0.1.0"]',
        ),
    )
    repo.write(
        "packages/acme-core/src/acme/core/__init__.py",
        '''
        """acme.core: widgets."""

        __all__: list[str] = []
        ''',
    )
    repo.write(
        "packages/acme-io/src/acme/io/__init__.py",
        '''
        """acme.io: reading widgets from files."""

        __all__: list[str] = []
        ''',
    )
    repo.commit(
        "Workspace: uv workspace root with acme-core and acme-io", "2026-01-05T10:00:00+00:00"
    )

    repo.write(
        "packages/acme-core/src/acme/core/widgets.py",
        '''
        """Widgets and how to make them."""

        from __future__ import annotations

        from dataclasses import dataclass, field

        __all__ = ["DEFAULT_NAME", "Widget", "make_widget"]

        DEFAULT_NAME = "widget"
        """The name a widget gets when none is given."""


        @dataclass(frozen=True)
        class Widget:
            """A widget.

            Longer text that the index leaves out.
            """

            name: str
            tags: tuple[str, ...] = ()
            cache: dict[str, int] = field(default_factory=dict, init=False)

            @property
            def label(self) -> str:
                """The name in capitals."""
                return self.name.upper()

            @classmethod
            def parse(cls, text: str, /) -> Widget:
                """A widget from ``name``."""
                return cls(text)


        def make_widget(name: str = DEFAULT_NAME, *tags: str) -> Widget:
            """Make a :class:`Widget`."""
            return Widget(name, tags)
        ''',
    )
    repo.write(
        "packages/acme-core/src/acme/core/__init__.py",
        '''
        """acme.core: widgets."""

        TYPE_CHECKING = False
        if TYPE_CHECKING:
            from acme.core.widgets import DEFAULT_NAME, Widget, make_widget

        _LAZY = {
            "DEFAULT_NAME": "acme.core.widgets",
            "Widget": "acme.core.widgets",
            "make_widget": "acme.core.widgets",
        }

        __all__ = ["DEFAULT_NAME", "Widget", "make_widget"]
        ''',
    )
    repo.commit("feat(core): Widget and make_widget", "2026-01-06T10:00:00+00:00")

    repo.write(
        "packages/acme-io/src/acme/io/readers.py",
        '''
        """Read widgets from files."""

        from __future__ import annotations

        from pathlib import Path

        from acme.core import Widget, make_widget

        __all__ = ["read_csv"]


        def read_csv(path: Path, *, delimiter: str = ",") -> list[Widget]:
            """Read one widget per line of a CSV file."""
            with path.open() as handle:
                return [make_widget(line.split(delimiter)[0]) for line in handle]
        ''',
    )
    repo.write(
        "packages/acme-io/src/acme/io/__init__.py",
        '''
        """acme.io: reading widgets from files."""

        from .readers import read_csv

        __all__ = ["read_csv"]
        ''',
    )
    repo.commit("acme-io: readers for CSV files", "2026-01-07T10:00:00+00:00")
    repo.git("tag", "-a", "v0.1.0", "-m", "acme 0.1.0", date="2026-01-07T12:00:00+00:00")

    repo.write(
        "packages/acme-io/src/acme/io/readers.py",
        (path / "packages/acme-io/src/acme/io/readers.py")
        .read_text()
        .replace("with path.open() as handle:", "with path.open(encoding='utf-8') as handle:"),
    )
    repo.commit("fix(io): read CSV files as UTF-8", "2026-01-10T10:00:00+00:00")

    repo.git("checkout", "-q", "-b", "feature/json")
    repo.write(
        "packages/acme-io/src/acme/io/json_reader.py",
        '''
        """Read widgets from JSON."""

        from __future__ import annotations

        import json
        from pathlib import Path

        from acme.core import Widget, make_widget

        __all__ = ["read_json"]


        def read_json(path: Path) -> list[Widget]:
            """Read a JSON list of widget names."""
            return [make_widget(name) for name in json.loads(path.read_text())]
        ''',
    )
    repo.commit("feat(io): JSON reader", "2026-01-11T10:00:00+00:00")
    repo.write(
        "packages/acme-io/tests/test_json_reader.py",
        """
        def test_reads_names() -> None:
            assert True
        """,
    )
    repo.commit("test: cover the JSON reader", "2026-01-12T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "# acme\n\nWidgets, and files of widgets.\n")
    repo.commit("docs: say what acme is", "2026-01-13T10:00:00+00:00")
    repo.clock = "2026-01-14T10:00:00+00:00"
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'feature/json'", "feature/json")
    repo.git("branch", "-q", "-D", "feature/json")

    repo.git(
        "mv", "packages/acme-io/src/acme/io/readers.py", "packages/acme-io/src/acme/io/loaders.py"
    )
    loaders = path / "packages/acme-io/src/acme/io/loaders.py"
    loaders.write_text(loaders.read_text().replace("read_csv", "load_csv"))
    repo.write(
        "packages/acme-io/src/acme/io/__init__.py",
        '''
        """acme.io: reading widgets from files."""

        from .json_reader import read_json
        from .loaders import load_csv

        __all__ = ["load_csv", "read_json"]
        ''',
    )
    repo.commit(
        "refactor(io)!: rename readers to loaders (read_csv is load_csv)",
        "2026-01-15T10:00:00+00:00",
    )
    repo.git("tag", "v0.2.0rc1")
    repo.git("tag", "nightly")

    widgets = path / "packages/acme-core/src/acme/core/widgets.py"
    widgets.write_text(
        widgets.read_text()
        .replace("    name: str\n    tags", "    name: str\n    size: int = 1\n    tags")
        .replace(
            "def make_widget(name: str = DEFAULT_NAME, *tags: str) -> Widget:",
            "def make_widget(name: str, size: int, *tags: str) -> Widget:",
        )
        .replace("return Widget(name, tags)", "return Widget(name, size, tags)")
    )
    repo.commit(
        "feat(core): widgets have a size\n\nEvery widget carries its size now.\n\n"
        "BREAKING CHANGE: make_widget() takes a size and no default name\nRefs: #12",
        "2026-01-16T10:00:00+00:00",
    )
    repo.git("tag", "v0.2.0")

    for pkg in ("acme-core", "acme-io"):
        pyproject = path / f"packages/{pkg}/pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace("0.1.0", "0.3.0"))
    repo.commit("build: version 0.3.0", "2026-01-17T10:00:00+00:00")

    widgets.write_text(widgets.read_text().replace("size: int = 1", "size: int = 0"))
    repo.commit("acme-core: fixes the default size of a widget", "2026-01-20T10:00:00+00:00")
    repo.write(".github/workflows/ci.yml", "on: push\n")
    repo.commit("ci: run the tests on push", "2026-01-21T10:00:00+00:00")
    repo.write("README.md", "# acme\n\nWidgets, and files of widgets. See the docs.\n")
    repo.commit("Tidy the README", "2026-01-22T10:00:00+00:00")
    repo.write(
        "packages/acme-core/src/acme/core/assembly.py",
        '''
        """How widgets are assembled.

        ```mermaid
        graph LR
            parts --> widget
        ```
        """

        __all__ = ["assemble"]


        def assemble(*parts: str) -> str:
            """Assemble parts.

            Flow::

                ┌───────┐    ┌────────┐
                │ parts │───▶│ widget │
                └───────┘    └────────┘
            """
            return "+".join(parts)
        ''',
    )
    repo.commit("feat(core): assembly, with diagrams", "2026-01-23T10:00:00+00:00")
    return repo


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture workspace, built once per session (copy it before changing it)."""
    path = tmp_path_factory.mktemp("acme") / "acme"
    build_repo(path)
    return path


@pytest.fixture
def acme(template_repo: Path, tmp_path: Path) -> Repo:
    """A private copy of the fixture workspace."""
    path = tmp_path / "acme"
    shutil.copytree(template_repo, path, symlinks=True)
    return Repo(path)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], Repo]:
    """An empty repository (``git init``) in a new directory."""

    def make(name: str) -> Repo:
        path = tmp_path / name
        path.mkdir()
        repo = Repo(path)
        repo.git("init", "-q", "-b", "main")
        return repo

    return make


def compare_golden(name: str, text: str) -> None:
    """Assert ``text`` equals ``golden/<name>`` (rewrite it with SPINE_UPDATE_GOLDEN=1)."""
    target = GOLDEN / name
    if UPDATE_GOLDEN:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    assert target.is_file(), f"missing golden file {target}; run with SPINE_UPDATE_GOLDEN=1"
    assert text == target.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """``golden(name, text)`` compares with (or, when updating, rewrites) a golden file."""
    return compare_golden


@pytest.fixture
def recorded_dir() -> Path:
    """The recorded history fixture (``tests/fixtures/changelog_repo``)."""
    return RECORDED


@pytest.fixture
def update_golden() -> bool:
    """Whether this run rewrites golden files (``SPINE_UPDATE_GOLDEN=1``)."""
    return UPDATE_GOLDEN
