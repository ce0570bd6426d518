"""The phase map: a small TOML file that names stretches of history.

Each ``[[phase]]`` covers either a date range (``start`` / ``end``, by author date in UTC) or a
tag range (``from-tag`` / ``until-tag``: the commits in ``until-tag``'s history and not in
``from-tag``'s). A commit belongs to at most one phase; the changelog says, for each version,
which phases it spans.

Example ``docs/phases.toml``::

    [[phase]]
    name = "Foundations"
    description = "workspace, error taxonomy, core types"
    start = 2026-11-01                # TOML date: the whole day, UTC
    end = 2026-11-21                  # inclusive for a date, exclusive for a date-time

    [[phase]]
    name = "Storage"
    from-tag = "v0.1.0"               # exclusive
    until-tag = "v0.2.0"              # inclusive; omit for "up to the covered commit"

Example:
    >>> pm = parse_phase_map('[[phase]]\\nname = "A"\\nstart = 2026-01-01\\n', "phases.toml")
    >>> pm.phases[0].name, pm.phases[0].start.isoformat()
    ('A', '2026-01-01T00:00:00+00:00')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from spine.changelog.config import parse_toml
from spine.changelog.errors import PhaseMapError
from spine.changelog.graph import CommitGraph

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from spine.changelog.models import CommitNote

__all__ = ["Phase", "PhaseMap", "assign_phases", "load_phase_map", "parse_phase_map"]

_KEYS = frozenset({"name", "description", "start", "end", "from-tag", "until-tag"})


@dataclass(frozen=True, slots=True)
class Phase:
    """One named stretch of history (dates are UTC; ``end`` is exclusive)."""

    name: str
    description: str = ""
    start: datetime | None = None
    end: datetime | None = None
    from_tag: str | None = None
    until_tag: str | None = None

    @property
    def by_tags(self) -> bool:
        """Whether the phase is a tag range (else a date range)."""
        return self.from_tag is not None or self.until_tag is not None


@dataclass(frozen=True, slots=True)
class PhaseMap:
    """The phases of a phase map file, in file order."""

    phases: tuple[Phase, ...]
    source: str


def _bound(value: Any, *, end: bool, where: str, source: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PhaseMapError(
                f"{source}: {where} = {value.isoformat()} has no UTC offset; write it with "
                "one (2026-11-22T01:00:00Z) or use a date",
                path=source,
            )
        return value.astimezone(UTC)
    if isinstance(value, date):
        moment = datetime.combine(value, time(0), UTC)
        return moment + timedelta(days=1) if end else moment
    raise PhaseMapError(
        f"{source}: {where} must be a TOML date (2026-11-22) or date-time with an offset, "
        f"not {value!r}",
        path=source,
    )


def _phase(item: Any, index: int, source: str) -> Phase:
    where = f"phase #{index}"
    if not isinstance(item, dict):
        raise PhaseMapError(f"{source}: {where} must be a table ([[phase]])", path=source)
    if isinstance(item.get("name"), str) and item["name"].strip():
        where = f"phase {item['name'].strip()!r}"
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise PhaseMapError(
            f"{source}: {where} has unknown key(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(_KEYS))}",
            path=source,
        )
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PhaseMapError(f"{source}: {where} needs a non-empty name", path=source)
    description = item.get("description", "")
    if not isinstance(description, str):
        raise PhaseMapError(f"{source}: {where}: description must be a string", path=source)
    for key in ("from-tag", "until-tag"):
        if key in item and (not isinstance(item[key], str) or not item[key]):
            raise PhaseMapError(f"{source}: {where}: {key} must be a tag name", path=source)
    has_dates = "start" in item or "end" in item
    has_tags = "from-tag" in item or "until-tag" in item
    if has_dates == has_tags:
        raise PhaseMapError(
            f"{source}: {where} needs either start/end dates or from-tag/until-tag, "
            "not both and not neither",
            path=source,
        )
    start = end = None
    if "start" in item:
        start = _bound(item["start"], end=False, where=f"{where} start", source=source)
    if "end" in item:
        end = _bound(item["end"], end=True, where=f"{where} end", source=source)
    if start is not None and end is not None and start >= end:
        raise PhaseMapError(f"{source}: {where} ends before it starts", path=source)
    return Phase(
        name=name.strip(),
        description=description.strip(),
        start=start,
        end=end,
        from_tag=item.get("from-tag"),
        until_tag=item.get("until-tag"),
    )


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _overlap(a: Phase, b: Phase) -> bool:
    lo = max(a.start or _EARLIEST, b.start or _EARLIEST)
    hi = min(a.end or _LATEST, b.end or _LATEST)
    return lo < hi


def parse_phase_map(text: str, source: str) -> PhaseMap:
    """Parse and validate phase map TOML; ``source`` names the file in errors."""
    data = parse_toml(text, source, error=PhaseMapError)
    unknown = sorted(set(data) - {"phase"})
    if unknown:
        raise PhaseMapError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)}; phases are [[phase]] tables",
            path=source,
        )
    items = data.get("phase", [])
    if not isinstance(items, list):
        raise PhaseMapError(f"{source}: phases must be [[phase]] tables", path=source)
    phases = tuple(_phase(item, i, source) for i, item in enumerate(items, start=1))
    names: set[str] = set()
    for phase in phases:
        if phase.name in names:
            raise PhaseMapError(f"{source}: phase name {phase.name!r} is used twice", path=source)
        names.add(phase.name)
    dated = [p for p in phases if not p.by_tags]
    for i, a in enumerate(dated):
        for b in dated[i + 1 :]:
            if _overlap(a, b):
                raise PhaseMapError(
                    f"{source}: phases {a.name!r} and {b.name!r} overlap; a commit belongs "
                    "to one phase at most",
                    path=source,
                )
    return PhaseMap(phases=phases, source=source)


def load_phase_map(path: Path, source: str) -> PhaseMap:
    """Read and validate the phase map at ``path`` (``source``: the name used in errors)."""
    if not path.is_file():
        raise PhaseMapError(
            f"{source}: phase map not found (named by [tool.spine-changelog] phase-map)",
            path=source,
        )
    return parse_phase_map(path.read_text(encoding="utf-8"), source)


def assign_phases(
    phase_map: PhaseMap,
    notes: Sequence[CommitNote],
    tags: Mapping[str, str],
    head: str,
) -> dict[str, str]:
    """Map each commit hash to the name of its phase (commits in no phase are left out).

    ``tags`` maps tag names to commits; ``head`` is the covered commit (the upper end of a
    phase without ``until-tag``).
    """
    graph = CommitGraph.from_notes(notes)
    head_history = graph.reachable(head)
    members: dict[str, frozenset[str]] = {}
    for phase in phase_map.phases:
        if not phase.by_tags:
            continue
        for tag in (phase.from_tag, phase.until_tag):
            if tag is not None and tag not in tags:
                raise PhaseMapError(
                    f"{phase_map.source}: phase {phase.name!r} names tag {tag!r}, which is not "
                    "in the history being described",
                    path=phase_map.source,
                )
        upper = graph.reachable(tags[phase.until_tag]) if phase.until_tag else head_history
        lower = graph.reachable(tags[phase.from_tag]) if phase.from_tag else frozenset()
        members[phase.name] = upper - lower
    out: dict[str, str] = {}
    for note in notes:
        matched = [
            p.name
            for p in phase_map.phases
            if (note.hash in members[p.name] if p.by_tags else _in_dates(p, note.author_date))
        ]
        if len(matched) > 1:
            raise PhaseMapError(
                f"{phase_map.source}: phases {matched[0]!r} and {matched[1]!r} both contain "
                f"commit {note.short_hash}; a commit belongs to one phase at most",
                path=phase_map.source,
            )
        if matched:
            out[note.hash] = matched[0]
    return out


def _in_dates(phase: Phase, moment: datetime) -> bool:
    return (phase.start is None or moment >= phase.start) and (
        phase.end is None or moment < phase.end
    )
