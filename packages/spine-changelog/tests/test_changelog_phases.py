"""The phase map: parsing, validation errors naming the file, assignment to commits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from spine.changelog import (
    CommitNote,
    PhaseMapError,
    load_phase_map,
    parse_phase_map,
    scan_git_history,
)
from spine.changelog.phases import assign_phases


def test_dates_cover_whole_days_and_datetimes_need_an_offset() -> None:
    pm = parse_phase_map(
        '[[phase]]\nname = "A"\nstart = 2026-01-01\nend = 2026-01-02\n'
        '[[phase]]\nname = "B"\nstart = 2026-01-03T06:00:00+02:00\n',
        "phases.toml",
    )
    a, b = pm.phases
    assert a.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert a.end == datetime(2026, 1, 3, tzinfo=UTC)  # the end date is included
    assert b.start == datetime(2026, 1, 3, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[phase]\nname = "A"', r"phases\.toml: not valid TOML .*line 1"),
        ('[[phase]]\nname = "A"\nstart = 2026-01-01\ncolour = "red"', "unknown key.*colour"),
        ('[[phase]]\nname = "A"', "either start/end dates or from-tag/until-tag"),
        ('[[phase]]\nname = "A"\nstart = 2026-01-01\nfrom-tag = "v1"', "not both"),
        ('[[phase]]\nname = ""\nstart = 2026-01-01', "non-empty name"),
        ('[[phase]]\nname = "A"\nstart = 2026-01-01T00:00:00', "no UTC offset"),
        ('[[phase]]\nname = "A"\nstart = "2026-01-01"', "TOML date"),
        ('[[phase]]\nname = "A"\nstart = 2026-01-05\nend = 2026-01-01', "ends before it starts"),
        (
            '[[phase]]\nname = "A"\nstart = 2026-01-01\n[[phase]]\nname = "A"\nstart = 2027-01-01',
            "used twice",
        ),
        (
            '[[phase]]\nname = "A"\nstart = 2026-01-01\n[[phase]]\nname = "B"\nstart = 2026-02-01',
            "overlap",
        ),
        ('title = "x"', "unknown top-level key"),
    ],
)
def test_a_malformed_phase_map_is_a_typed_error_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(PhaseMapError, match=message) as info:
        parse_phase_map(text, "phases.toml")
    assert str(info.value).startswith("phases.toml: ")
    assert info.value.context.metadata["path"] == "phases.toml"


def test_a_missing_phase_map_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PhaseMapError, match=r"docs/phases\.toml: phase map not found"):
        load_phase_map(tmp_path / "nope.toml", "docs/phases.toml")


def _notes(recorded_dir: Path) -> list[CommitNote]:
    return scan_git_history(fixture_dir=recorded_dir)


def test_tag_and_date_phases_assign_each_commit_at_most_once(recorded_dir: Path) -> None:
    notes = _notes(recorded_dir)
    tags = {"v0.1.0": notes[-3].hash}
    pm = parse_phase_map(
        '[[phase]]\nname = "Bootstrap"\nuntil-tag = "v0.1.0"\n'
        '[[phase]]\nname = "Polish"\nstart = 2026-01-20\n',
        "p.toml",
    )
    phase_of = assign_phases(pm, notes, tags, notes[0].hash)
    by_subject = {n.subject: phase_of.get(n.hash) for n in notes}
    assert by_subject["feat(core): Widget and make_widget"] == "Bootstrap"
    assert by_subject["Tidy the README"] == "Polish"
    assert by_subject["build: version 0.3.0"] is None


def test_a_phase_naming_an_unknown_tag_is_an_error(recorded_dir: Path) -> None:
    notes = _notes(recorded_dir)
    pm = parse_phase_map('[[phase]]\nname = "X"\nuntil-tag = "v9"\n', "p.toml")
    with pytest.raises(PhaseMapError, match=r"p\.toml: phase 'X' names tag 'v9'"):
        assign_phases(pm, notes, {}, notes[0].hash)


def test_a_commit_in_a_tag_phase_and_a_date_phase_is_an_error(recorded_dir: Path) -> None:
    notes = _notes(recorded_dir)
    pm = parse_phase_map(
        '[[phase]]\nname = "Tags"\nfrom-tag = "v0.1.0"\n'
        '[[phase]]\nname = "Dates"\nstart = 2026-01-20\n',
        "p.toml",
    )
    with pytest.raises(PhaseMapError, match="'Tags' and 'Dates' both contain commit"):
        assign_phases(pm, notes, {"v0.1.0": notes[-3].hash}, notes[0].hash)
