"""LiveGitScanner and FixtureGitScanner read the same facts from a real repository."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from spine.changelog import (
    ChangeKind,
    FileChange,
    FixtureError,
    FixtureGitScanner,
    LiveGitScanner,
    record_fixture,
    scan_git_history,
)
from spine.types.errors import BadParamsError

if TYPE_CHECKING:
    from conftest import Repo


def test_live_scan_reads_every_commit_newest_first_with_utc_dates(acme: Repo) -> None:
    history = LiveGitScanner(acme.path).scan()
    assert len(history.commits) == 15
    assert history.head == history.commits[0].hash
    assert history.commits[0].message == "feat(core): assembly, with diagrams"
    first = history.commits[-1]
    assert first.parents == ()
    assert first.author_date == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert first.author_name == "Ada Example"


def test_live_scan_keeps_merge_parents_and_the_files_a_merge_brought_in(acme: Repo) -> None:
    history = LiveGitScanner(acme.path).scan()
    merge = next(c for c in history.commits if c.message.startswith("Merge branch"))
    assert len(merge.parents) == 2
    assert {f.path for f in merge.files} == {
        "packages/acme-io/src/acme/io/json_reader.py",
        "packages/acme-io/tests/test_json_reader.py",
    }


def test_live_scan_reports_a_rename_with_both_paths(acme: Repo) -> None:
    history = LiveGitScanner(acme.path).scan()
    rename = next(c for c in history.commits if c.message.startswith("refactor(io)!"))
    assert (
        FileChange(
            "R",
            "packages/acme-io/src/acme/io/loaders.py",
            "packages/acme-io/src/acme/io/readers.py",
        )
        in rename.files
    )


def test_live_scan_peels_annotated_tags_and_keeps_lightweight_ones(acme: Repo) -> None:
    history = LiveGitScanner(acme.path).scan()
    tags = {t.name: t.commit for t in history.tags}
    assert set(tags) == {"nightly", "v0.1.0", "v0.2.0", "v0.2.0rc1"}
    assert tags["v0.1.0"] == acme.git("rev-parse", "v0.1.0^{commit}")
    assert tags["v0.1.0"] != acme.git("rev-parse", "v0.1.0")  # the tag object itself


def test_scanning_an_older_revision_stops_there_and_drops_later_tags(acme: Repo) -> None:
    history = LiveGitScanner(acme.path, rev="v0.1.0").scan()
    assert len(history.commits) == 3
    assert [t.name for t in history.tags] == ["v0.1.0"]


def test_fixture_scanner_returns_what_the_live_scanner_read(acme: Repo, tmp_path: Path) -> None:
    live = LiveGitScanner(acme.path).scan()
    record_fixture(acme.path, tmp_path / "fx")
    assert FixtureGitScanner(tmp_path / "fx").scan() == live


def test_recording_twice_gives_identical_files(acme: Repo, tmp_path: Path) -> None:
    record_fixture(acme.path, tmp_path / "a")
    record_fixture(acme.path, tmp_path / "b")
    for name in ("commits.jsonl", "refs.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_scan_git_history_parses_notes_from_either_source(acme: Repo, recorded_dir: Path) -> None:
    live = scan_git_history(repo_dir=acme.path)
    recorded = scan_git_history(fixture_dir=recorded_dir)
    assert live == recorded
    by_subject = {n.subject: n for n in live}
    note = by_subject["feat(core): widgets have a size"]
    assert note.kind is ChangeKind.BREAKING
    assert note.scope_packages == ("acme-core",)
    assert note.trailers == (
        ("BREAKING CHANGE", "make_widget() takes a size and no default name"),
        ("Refs", "#12"),
    )
    assert by_subject["acme-io: readers for CSV files"].scope_packages == ("acme-io",)


def test_scan_git_history_needs_exactly_one_source(tmp_path: Path) -> None:
    with pytest.raises(BadParamsError, match="exactly one"):
        scan_git_history()
    with pytest.raises(BadParamsError, match="exactly one"):
        scan_git_history(repo_dir=tmp_path, fixture_dir=tmp_path)


def _fixture(
    recorded_dir: Path, target: Path, *, commits: str | None = None, refs: str | None = None
) -> Path:
    """A copy of the recorded fixture with ``commits.jsonl`` or ``refs.json`` replaced."""
    target.mkdir()
    (target / "commits.jsonl").write_text(commits or (recorded_dir / "commits.jsonl").read_text())
    (target / "refs.json").write_text(refs or (recorded_dir / "refs.json").read_text())
    return target


def test_a_malformed_fixture_line_is_named_with_file_and_line(
    recorded_dir: Path, tmp_path: Path
) -> None:
    lines = (recorded_dir / "commits.jsonl").read_text().splitlines()
    lines[2] = lines[2][:40]
    fixture = _fixture(recorded_dir, tmp_path / "fx", commits="\n".join(lines) + "\n")
    with pytest.raises(FixtureError, match=r"commits\.jsonl:3"):
        FixtureGitScanner(fixture).scan()


def test_a_fixture_commit_without_a_utc_offset_is_rejected(
    recorded_dir: Path, tmp_path: Path
) -> None:
    items = [json.loads(line) for line in (recorded_dir / "commits.jsonl").read_text().splitlines()]
    items[0]["author_date"] = "2026-01-23T10:00:00"
    commits = "".join(json.dumps(i) + "\n" for i in items)
    fixture = _fixture(recorded_dir, tmp_path / "fx", commits=commits)
    with pytest.raises(FixtureError, match="no UTC offset"):
        FixtureGitScanner(fixture).scan()


def test_a_fixture_whose_head_is_not_recorded_is_rejected(
    recorded_dir: Path, tmp_path: Path
) -> None:
    refs = json.dumps({"head": "0" * 40, "tags": {}})
    fixture = _fixture(recorded_dir, tmp_path / "fx", refs=refs)
    with pytest.raises(FixtureError, match=r"refs\.json: head"):
        FixtureGitScanner(fixture).scan()


def test_a_missing_fixture_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"commits\.jsonl: missing fixture file") as info:
        FixtureGitScanner(tmp_path).scan()
    assert info.value.path is not None
    assert info.value.path.endswith("commits.jsonl")
