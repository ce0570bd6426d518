"""check(): reproduces the changelog from the commit it records; the index from the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from spine.changelog import ChangelogGenerator, StaleOutputError

if TYPE_CHECKING:
    from conftest import Repo


def _generate_and_commit(acme: Repo) -> None:
    ChangelogGenerator(acme.path).run()
    acme.commit("docs: changelog and API index", "2026-02-01T10:00:00+00:00")


def test_freshly_generated_outputs_pass(acme: Repo) -> None:
    _generate_and_commit(acme)
    report = ChangelogGenerator(acme.path).check()
    assert report.ok, report.problems
    assert report.notes == (
        f"CHANGELOG.md describes history up to {acme.git('rev-parse', 'HEAD~1')[:12]} "
        "(1 newer commit not yet described)",
    )
    report.raise_if_stale()


def test_commits_landing_after_generation_do_not_make_the_changelog_stale(acme: Repo) -> None:
    _generate_and_commit(acme)
    (acme.path / "README.md").write_text("# acme, more\n")
    acme.commit("feat: more docs", "2026-02-02T10:00:00+00:00")
    acme.git("tag", "v0.3.0")  # a tag after the recorded commit changes nothing either
    assert ChangelogGenerator(acme.path).check().ok


def test_a_hand_edited_changelog_is_stale_with_a_diff(acme: Repo) -> None:
    _generate_and_commit(acme)
    path = acme.path / "CHANGELOG.md"
    path.write_text(path.read_text().replace("assembly, with diagrams", "assembly (edited)"))
    report = ChangelogGenerator(acme.path).check()
    assert [p.path for p in report.problems] == ["CHANGELOG.md"]
    assert any(line.startswith("+- assembly, with diagrams") for line in report.problems[0].diff)
    with pytest.raises(StaleOutputError, match=r"CHANGELOG\.md: differs"):
        report.raise_if_stale()


def test_a_public_signature_change_without_regenerating_makes_the_index_stale(acme: Repo) -> None:
    _generate_and_commit(acme)
    assembly = acme.path / "packages/acme-core/src/acme/core/assembly.py"
    assembly.write_text(assembly.read_text().replace("*parts: str", "*parts: str, sep: str = '+'"))
    report = ChangelogGenerator(acme.path).check()
    assert [p.path for p in report.problems] == ["docs/api/index.json", "docs/api/index.md"]


def test_a_body_only_change_keeps_the_index_current(acme: Repo) -> None:
    _generate_and_commit(acme)
    assembly = acme.path / "packages/acme-core/src/acme/core/assembly.py"
    assembly.write_text(assembly.read_text().replace('"+".join(parts)', '"-".join(parts)'))
    assert ChangelogGenerator(acme.path).check().ok


def test_a_leftover_diagram_file_is_stale(acme: Repo) -> None:
    _generate_and_commit(acme)
    (acme.path / "docs/diagrams/removed-long-ago.mmd").write_text("graph LR\n")
    report = ChangelogGenerator(acme.path).check()
    assert [(p.path, p.reason) for p in report.problems] == [
        ("docs/diagrams/removed-long-ago.mmd", "not produced any more")
    ]


def test_a_changelog_from_a_commit_outside_head_history_is_stale(acme: Repo) -> None:
    _generate_and_commit(acme)
    changelog = (acme.path / "CHANGELOG.md").read_text()
    acme.git("reset", "-q", "--hard", "HEAD~3")  # history rewritten under the changelog
    (acme.path / "CHANGELOG.md").write_text(changelog)
    report = ChangelogGenerator(acme.path, targets={"changelog"}).check()
    assert len(report.problems) == 1
    assert "not in the history of HEAD" in report.problems[0].reason


def test_a_changelog_without_its_marker_or_missing_is_stale(acme: Repo) -> None:
    report = ChangelogGenerator(acme.path).check()
    assert ("CHANGELOG.md", "missing") in [(p.path, p.reason) for p in report.problems]
    (acme.path / "CHANGELOG.md").write_text("# Changelog\n")
    report = ChangelogGenerator(acme.path, targets={"changelog"}).check()
    assert "marker" in report.problems[0].reason


def test_editing_the_phase_map_makes_the_changelog_stale(acme: Repo) -> None:
    _generate_and_commit(acme)
    phases = acme.path / "phases.toml"
    phases.write_text(phases.read_text().replace('name = "Polish"', 'name = "Finish"'))
    report = ChangelogGenerator(acme.path).check()
    assert [p.path for p in report.problems] == ["CHANGELOG.md"]
