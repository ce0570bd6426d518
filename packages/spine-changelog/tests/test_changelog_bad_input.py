"""Bad input gets a typed error naming the file or repository, and nothing is written."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from spine.changelog import (
    ChangelogConfigError,
    ChangelogGenerator,
    EmptyRepositoryError,
    ModuleParseError,
    NotAGitRepositoryError,
    PhaseMapError,
    ShallowCloneError,
    UnknownRevisionError,
)
from spine.types.errors import ErrorCategory, SourceError

if TYPE_CHECKING:
    from conftest import Repo


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_a_directory_that_is_not_a_repository_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0.0"\n')
    with pytest.raises(NotAGitRepositoryError, match="not a git repository") as info:
        ChangelogGenerator(tmp_path).run()
    assert info.value.path == str(tmp_path)
    assert isinstance(info.value, SourceError)
    assert not (tmp_path / "CHANGELOG.md").exists()


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepositoryError, match="no such directory"):
        ChangelogGenerator(tmp_path / "nope").run()


def test_an_empty_repository_says_there_is_nothing_to_describe(
    make_repo: Callable[[str], Repo],
) -> None:
    repo = make_repo("empty")
    with pytest.raises(EmptyRepositoryError, match="no commits yet"):
        ChangelogGenerator(repo.path).run()
    assert list(repo.path.iterdir()) == [repo.path / ".git"]


def test_a_shallow_clone_is_refused_with_the_command_that_fixes_it(
    acme: Repo, tmp_path: Path
) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{acme.path}", str(shallow)],
        check=True,
        capture_output=True,
    )
    before = _snapshot(shallow)
    with pytest.raises(ShallowCloneError, match="git fetch --unshallow") as info:
        ChangelogGenerator(shallow).run()
    assert info.value.path == str(shallow)
    assert _snapshot(shallow) == before


def test_an_unknown_revision_is_named(acme: Repo) -> None:
    with pytest.raises(UnknownRevisionError, match=r"'v9\.9\.9' does not name a commit"):
        ChangelogGenerator(acme.path, rev="v9.9.9").run()
    with pytest.raises(UnknownRevisionError, match="looks like an option"):
        ChangelogGenerator(acme.path).review("--all")


def test_a_malformed_phase_map_writes_nothing(acme: Repo) -> None:
    ChangelogGenerator(acme.path).run()
    before = _snapshot(acme.path)
    (acme.path / "phases.toml").write_text('[[phase]]\nname = "A"\nstart = 2026-01-01\ncolor = 1\n')
    with pytest.raises(PhaseMapError, match=r"^phases\.toml: phase 'A' has unknown key") as info:
        ChangelogGenerator(acme.path).run()
    assert info.value.category is ErrorCategory.CONFIG
    after = _snapshot(acme.path)
    after.pop("phases.toml")
    before.pop("phases.toml")
    assert after == before


def test_a_module_with_a_syntax_error_writes_nothing(acme: Repo) -> None:
    ChangelogGenerator(acme.path).run()
    widgets = acme.path / "packages/acme-core/src/acme/core/widgets.py"
    widgets.write_text(widgets.read_text() + "\ndef broken(:\n")
    (acme.path / "README.md").write_text("# changed, so the changelog would be rewritten\n")
    acme.commit("Docs again", "2026-02-01T10:00:00+00:00")
    before = _snapshot(acme.path)
    with pytest.raises(
        ModuleParseError, match=r"packages/acme-core/src/acme/core/widgets\.py:\d+: "
    ):
        ChangelogGenerator(acme.path).run()
    assert _snapshot(acme.path) == before  # CHANGELOG.md untouched, no temporary files left


def test_an_unknown_config_key_is_named(acme: Repo) -> None:
    pyproject = acme.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'chnagelog = "X.md"\n')
    with pytest.raises(ChangelogConfigError, match=r"pyproject\.toml: unknown key.*chnagelog"):
        ChangelogGenerator(acme.path)


def test_a_config_path_outside_the_workspace_is_refused(acme: Repo) -> None:
    pyproject = acme.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'changelog = "../elsewhere.md"\n')
    with pytest.raises(ChangelogConfigError, match="relative path inside the workspace"):
        ChangelogGenerator(acme.path)


def test_a_malformed_member_pyproject_is_named(acme: Repo) -> None:
    (acme.path / "packages/acme-io/pyproject.toml").write_text("[project\n")
    with pytest.raises(
        ChangelogConfigError, match=r"packages/acme-io/pyproject\.toml: not valid TOML"
    ):
        ChangelogGenerator(acme.path, targets={"api-index"}).run()
