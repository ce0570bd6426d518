"""write(): all or nothing, untouched when unchanged, owned directories cleaned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.changelog import OutputSet
from spine.changelog.output import compare_outputs, write_outputs
from spine.types.errors import StorageError


def test_a_failure_on_one_file_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("old a\n")
    (tmp_path / "blocker").write_text("a file where a directory is needed\n")
    outputs = OutputSet({"a.md": "new a\n", "blocker/b.md": "b\n"})
    with pytest.raises(StorageError, match="nothing was changed"):
        write_outputs(tmp_path, outputs)
    assert (tmp_path / "a.md").read_text() == "old a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "blocker"]


def test_a_failure_removes_the_directories_it_created(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x\n")
    outputs = OutputSet({"new/dir/a.md": "a\n", "blocker/b.md": "b\n"})
    with pytest.raises(StorageError):
        write_outputs(tmp_path, outputs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    write_outputs(tmp_path, OutputSet({"a.md": "a\n", "b.md": "b\n"}))
    os.utime(tmp_path / "a.md", (1_000_000, 1_000_000))
    report = write_outputs(tmp_path, OutputSet({"a.md": "a\n", "b.md": "b2\n"}))
    assert report.written == ("b.md",)
    assert report.unchanged == ("a.md",)
    assert (tmp_path / "a.md").stat().st_mtime == 1_000_000
    assert (tmp_path / "b.md").stat().st_mode & 0o777 == 0o644


def test_files_an_owned_directory_no_longer_needs_are_removed_and_reported(tmp_path: Path) -> None:
    owned = tmp_path / "diagrams"
    owned.mkdir()
    (owned / "old.mmd").write_text("x\n")
    (owned / ".gitkeep").write_text("")
    outputs = OutputSet({"diagrams/new.mmd": "y\n"}, owned_dirs=("diagrams",))
    stale = compare_outputs(tmp_path, outputs)
    assert [(s.path, s.reason) for s in stale] == [
        ("diagrams/new.mmd", "missing"),
        ("diagrams/old.mmd", "not produced any more"),
    ]
    report = write_outputs(tmp_path, outputs)
    assert report.removed == ("diagrams/old.mmd",)
    assert sorted(p.name for p in owned.iterdir()) == [".gitkeep", "new.mmd"]
    assert compare_outputs(tmp_path, outputs) == []


def test_a_crlf_checkout_of_the_same_text_is_not_stale(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"one\r\ntwo\r\n")
    assert compare_outputs(tmp_path, OutputSet({"a.md": "one\ntwo\n"})) == []
    stale = compare_outputs(tmp_path, OutputSet({"a.md": "one\nthree\n"}))
    assert stale[0].reason == "differs from what is generated"
    assert "+three" in stale[0].diff
