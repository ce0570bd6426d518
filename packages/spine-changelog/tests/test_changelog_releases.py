"""merge(): versions from tags and the lockstep version; per-package grouping."""

from __future__ import annotations

import re
from pathlib import Path

from spine.changelog import (
    ChangeKind,
    FixtureGitScanner,
    build_releases,
    load_workspace,
    scan_git_history,
)
from spine.changelog.config import DEFAULT_TAG_PATTERN
from spine.changelog.releases import version_key
from spine.changelog.tree import DirectoryTree
from spine.changelog.workspace import Package, Workspace


def test_versions_sort_numerically_with_pre_releases_first() -> None:
    versions = ["1.10.0", "1.2.0", "1.2.0rc1", "1.2.0a2", "1.2.0b1", "1.2.0.post1", "0.9.9"]
    assert sorted(versions, key=version_key) == [
        "0.9.9",
        "1.2.0a2",
        "1.2.0b1",
        "1.2.0rc1",
        "1.2.0",
        "1.2.0.post1",
        "1.10.0",
    ]


def _releases(recorded_dir: Path, workspace: Workspace | None = None):  # type: ignore[no-untyped-def]
    history = FixtureGitScanner(recorded_dir).scan()
    ws = workspace or load_workspace(DirectoryTree(recorded_dir / "tree"))
    notes = scan_git_history(fixture_dir=recorded_dir, workspace=ws)
    return build_releases(
        notes,
        history.tags,
        head=history.head,
        workspace=ws,
        tag_pattern=re.compile(DEFAULT_TAG_PATTERN),
    )


def test_each_tag_holds_the_commits_no_older_version_holds(recorded_dir: Path) -> None:
    releases = _releases(recorded_dir)
    assert [(r.version, r.tag) for r in releases] == [
        ("0.3.0", None),
        ("0.2.0", "v0.2.0"),
        ("0.2.0rc1", "v0.2.0rc1"),
        ("0.1.0", "v0.1.0"),
    ]
    rc1 = releases[2]
    subjects = {n.subject for n in rc1.notes}
    # the merge and both sides of it land in the version whose tag first contains them
    assert {
        "Merge branch 'feature/json'",
        "feat(io): JSON reader",
        "docs: say what acme is",
    } <= subjects
    assert rc1.previous_tag == "v0.1.0"
    assert releases[3].date is not None
    assert releases[3].date.isoformat() == "2026-01-07"


def test_the_untagged_release_is_named_after_the_lockstep_version(recorded_dir: Path) -> None:
    assert _releases(recorded_dir)[0].version == "0.3.0"
    tagged = Workspace(packages=(Package("acme-core", "packages/acme-core", "0.2.0", (), ""),))
    assert _releases(recorded_dir, tagged)[0].version is None  # 0.2.0 is already tagged
    drifted = Workspace(
        packages=(
            Package("acme-core", "packages/acme-core", "0.4.0", (), ""),
            Package("acme-io", "packages/acme-io", "0.5.0", (), ""),
        )
    )
    assert _releases(recorded_dir, drifted)[0].version is None  # no one lockstep version


def test_merge_commits_are_not_entries_and_internal_kinds_are_kept_for_review(
    recorded_dir: Path,
) -> None:
    rc1 = _releases(recorded_dir)[2]
    io = next(p for p in rc1.packages if p.package == "acme-io")
    assert all(not n.is_merge for n in io.notes)
    kinds = [k for k, _ in io.by_kind(include_internal=True)]
    assert kinds == [ChangeKind.BREAKING, ChangeKind.ADDED, ChangeKind.FIXED, ChangeKind.INTERNAL]
    assert ChangeKind.INTERNAL not in [k for k, _ in io.by_kind(include_internal=False)]


def test_packages_come_in_dependency_order_with_the_workspace_last(recorded_dir: Path) -> None:
    latest = _releases(recorded_dir)[0]
    assert [p.package for p in latest.packages] == ["acme-core", "acme-io", "workspace"]
