"""parse(): conventional and free-form commits, trailers, breaking changes, packages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spine.changelog import ChangeKind, FileChange, Package, RawCommit, Workspace
from spine.changelog.commits import classify_subject, parse_commit, parse_trailers

WS = Workspace(
    packages=(
        Package(
            "spine-types",
            "packages/spine-types",
            "1.0.0",
            ("spine.types",),
            "packages/spine-types/src",
        ),
        Package("spine-db", "packages/spine-db", "1.0.0", ("spine.db",), "packages/spine-db/src"),
        Package(
            "spine-ops", "packages/spine-ops", "1.0.0", ("spine.ops",), "packages/spine-ops/src"
        ),
    )
)
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _raw(message: str, *files: FileChange, parents: tuple[str, ...] = ("p",)) -> RawCommit:
    return RawCommit("a" * 40, parents, "Ada", "ada@example.invalid", WHEN, WHEN, message, files)


def _src(pkg: str, name: str = "mod.py", status: str = "M") -> FileChange:
    return FileChange(status, f"packages/{pkg}/src/{pkg.replace('-', '/')}/{name}")


@pytest.mark.parametrize(
    ("subject", "kind", "scope", "bang", "description"),
    [
        ("feat(db): upserts", ChangeKind.ADDED, "db", False, "upserts"),
        ("fix: off by one", ChangeKind.FIXED, None, False, "off by one"),
        ("refactor(ops)!: split modules", ChangeKind.CHANGED, "ops", True, "split modules"),
        ("Fix(db): capitalised type", ChangeKind.FIXED, "db", False, "capitalised type"),
        ("chore: bump", ChangeKind.INTERNAL, None, False, "bump"),
    ],
)
def test_conventional_subjects_give_type_scope_marker_and_description(
    subject: str, kind: ChangeKind, scope: str | None, bang: bool, description: str
) -> None:
    parts = classify_subject(subject, WS)
    assert (parts.kind, parts.scope, parts.bang, parts.description) == (
        kind,
        scope,
        bang,
        description,
    )


def test_an_unknown_type_word_is_a_free_form_subject() -> None:
    parts = classify_subject("README: benchmark figures", WS)
    assert parts.type is None
    assert parts.kind is None
    assert parts.description == "README: benchmark figures"


def test_a_package_prefix_names_packages_and_keeps_other_words() -> None:
    parts = classify_subject("spine-db, spine-ops: lazy roots", WS)
    assert parts.scope == "spine-db, spine-ops"
    assert parts.description == "lazy roots"
    readme = classify_subject("spine-types README: import figures", WS)
    assert readme.description == "README: import figures"


def test_trailers_are_the_last_paragraph_of_key_value_lines() -> None:
    body, trailers = parse_trailers(
        "feat: x\n\nWhy it matters.\n\nBREAKING CHANGE: old API gone,\n  use the new one\n"
        "Reviewed-by: Bo <bo@example.invalid>\nRefs #7"
    )
    assert body == "Why it matters."
    assert trailers == (
        ("BREAKING CHANGE", "old API gone, use the new one"),
        ("Reviewed-by", "Bo <bo@example.invalid>"),
        ("Refs", "7"),
    )


def test_a_last_paragraph_of_prose_or_a_url_is_body_not_trailers() -> None:
    assert parse_trailers("fix: x\n\nSee http://example.invalid/x") == (
        "See http://example.invalid/x",
        (),
    )
    assert parse_trailers("fix: x\n\nNote: this is prose\nand it goes on")[1] == ()


def test_a_breaking_change_trailer_makes_a_free_form_commit_breaking() -> None:
    note = parse_commit(
        _raw("spine-db: drop py3.10\n\nBREAKING-CHANGE: needs 3.11", _src("spine-db")), WS
    )
    assert note.kind is ChangeKind.BREAKING
    assert note.breaking
    assert note.breaking_note == "needs 3.11"
    assert note.scope_packages == ("spine-db",)


def test_a_bang_makes_a_conventional_commit_breaking_with_its_short_scope() -> None:
    note = parse_commit(_raw("feat(types)!: new Result", _src("spine-types")), WS)
    assert note.kind is ChangeKind.BREAKING
    assert note.type == "feat"
    assert note.scope_packages == ("spine-types",)


@pytest.mark.parametrize(
    ("subject", "files", "kind"),
    [
        ("spine-db: faster COPY", (_src("spine-db"),), ChangeKind.CHANGED),
        ("spine-db: fixes a race in claims", (_src("spine-db"),), ChangeKind.FIXED),
        ("spine-db: add claim_rows", (_src("spine-db"),), ChangeKind.ADDED),
        (
            "spine-db: dialects",
            (_src("spine-db", "a.py", "A"), _src("spine-db", "b.py", "A")),
            ChangeKind.ADDED,
        ),
        (
            "spine-db: more tests",
            (FileChange("M", "packages/spine-db/tests/test_x.py"),),
            ChangeKind.INTERNAL,
        ),
        ("workflows", (FileChange("M", ".github/workflows/ci.yml"),), ChangeKind.INTERNAL),
    ],
)
def test_free_form_kinds_come_from_words_and_files(
    subject: str, files: tuple[FileChange, ...], kind: ChangeKind
) -> None:
    assert parse_commit(_raw(subject, *files), WS).kind is kind


def test_a_merge_commit_is_internal() -> None:
    note = parse_commit(_raw("Merge branch 'x'", _src("spine-db"), parents=("a", "b")), WS)
    assert note.is_merge
    assert note.kind is ChangeKind.INTERNAL


def test_packages_come_from_touched_paths_including_a_rename_source() -> None:
    rename = FileChange(
        "R", "packages/spine-ops/src/spine/ops/x.py", "packages/spine-db/src/spine/db/x.py"
    )
    note = parse_commit(_raw("move x", rename, FileChange("M", "README.md")), WS)
    assert note.packages == ("spine-db", "spine-ops", "workspace")
    assert note.listed_under == ("spine-db", "spine-ops")


def test_a_change_across_three_packages_is_listed_once_under_the_workspace() -> None:
    note = parse_commit(_raw("tidy", _src("spine-db"), _src("spine-ops"), _src("spine-types")), WS)
    assert note.listed_under == ("workspace",)
    scoped = parse_commit(
        _raw("fix(db): tidy", _src("spine-db"), _src("spine-ops"), _src("spine-types")), WS
    )
    assert scoped.listed_under == ("spine-db",)


def test_a_commit_without_files_is_listed_under_the_workspace() -> None:
    assert parse_commit(_raw("empty"), WS).listed_under == ("workspace",)
