"""Golden outputs of the fixture workspace: changelog, review, API index, diagrams.

The history is built by ``conftest.build_repo`` with fixed dates and identities, so commit
hashes (and the links that show them) are the same on every run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from spine.changelog import ChangelogGenerator, FixtureGitScanner, Target, record_fixture

if TYPE_CHECKING:
    from conftest import Repo


def _outputs(root: Path) -> dict[str, str]:
    return dict(ChangelogGenerator(root).outputs().files)


def test_generated_files_match_the_golden_files(
    acme: Repo, golden: Callable[[str, str], None]
) -> None:
    files = _outputs(acme.path)
    assert sorted(files) == [
        "CHANGELOG.md",
        "docs/api/index.json",
        "docs/api/index.md",
        "docs/diagrams/acme.core.assembly--assemble.txt",
        "docs/diagrams/acme.core.assembly.mmd",
        "docs/diagrams/index.md",
        "docs/diagrams/packages.mmd",
    ]
    for name, text in files.items():
        golden(name, text)


def test_review_since_the_first_release_matches_its_golden_file(
    acme: Repo, golden: Callable[[str, str], None]
) -> None:
    golden("REVIEW.md", ChangelogGenerator(acme.path).review("v0.1.0"))


def _files(base: Path) -> dict[str, bytes]:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def test_the_recorded_fixture_is_the_history_the_builder_makes(
    acme: Repo, tmp_path: Path, recorded_dir: Path, update_golden: bool
) -> None:
    if update_golden:
        shutil.rmtree(recorded_dir, ignore_errors=True)
        record_fixture(acme.path, recorded_dir)
    fresh = tmp_path / "fresh"
    record_fixture(acme.path, fresh)
    assert _files(fresh) == _files(recorded_dir)
    assert "tree/packages/acme-io/pyproject.toml" in _files(fresh)


def test_changelog_from_the_recorded_fixture_equals_the_live_one(
    acme: Repo, golden: Callable[[str, str], None], tmp_path: Path, recorded_dir: Path
) -> None:
    # Only the configuration and phase map come from the root; history and layout from files.
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(acme.path / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(acme.path / "phases.toml", root / "phases.toml")
    generator = ChangelogGenerator(
        root, scanner=FixtureGitScanner(recorded_dir), targets={Target.CHANGELOG}
    )
    golden("CHANGELOG.md", generator.outputs().files["CHANGELOG.md"])


def test_same_history_in_two_places_gives_byte_identical_files(acme: Repo, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "copy"
    shutil.copytree(acme.path, other, symlinks=True)
    first = _outputs(acme.path)
    assert _outputs(acme.path) == first
    assert _outputs(other) == first


def test_generate_writes_every_output_and_a_second_run_changes_nothing(acme: Repo) -> None:
    report = ChangelogGenerator(acme.path).run()
    assert "CHANGELOG.md" in report.written
    assert report.unchanged == ()
    again = ChangelogGenerator(acme.path).run()
    assert again.written == ()
    assert again.removed == ()
    assert set(again.unchanged) == set(report.written)
