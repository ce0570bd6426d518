"""``merge()``: commit notes + tags + phases -> releases, each grouped per package and kind.

A release tag's version holds the commits in the tag's history that no older version holds
(tags ordered by version, so merges and back-ported tags land where ``git describe`` would
put them). Commits after the last tag form the next release: named after the workspace's
lockstep version when that version has no tag yet (``0.2.0 - Unreleased``), else
``Unreleased``. Merge commits are never entries (the commits they bring in are).

Example:
    >>> version_key("1.2.0rc1") < version_key("1.2.0") < version_key("1.10.0")
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from spine.changelog.graph import CommitGraph
from spine.changelog.models import KIND_ORDER, ChangeKind, CommitNote

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from spine.changelog.models import TagRef
    from spine.changelog.workspace import Workspace

__all__ = [
    "PackageChanges",
    "PhaseSpan",
    "Release",
    "build_releases",
    "group_by_package",
    "newest_first",
    "version_key",
]

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(.*)$")
_PRE_RE = re.compile(r"^[.-]?(dev|a|alpha|b|beta|rc|c|post)\.?(\d*)")
_PRE_RANK = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "c": 3, "rc": 3, "post": 5}


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a ``X.Y.Z[pre]`` version (pre-releases before the release)."""
    match = _VERSION_RE.match(version)
    if match is None:
        return (-1,)
    major, minor, patch, rest = match.groups()
    pre = _PRE_RE.match(rest.lower())
    rank, number = (4, 0) if pre is None else (_PRE_RANK[pre.group(1)], int(pre.group(2) or 0))
    return (int(major), int(minor), int(patch), rank, number)


@dataclass(frozen=True, slots=True)
class PackageChanges:
    """The commits of one package in a release, by kind (``KIND_ORDER``), newest first."""

    package: str
    notes: tuple[CommitNote, ...]

    def by_kind(self, *, include_internal: bool) -> list[tuple[ChangeKind, list[CommitNote]]]:
        """``[(kind, notes)]`` in render order, leaving out empty kinds."""
        out: list[tuple[ChangeKind, list[CommitNote]]] = []
        for kind in KIND_ORDER:
            if kind is ChangeKind.INTERNAL and not include_internal:
                continue
            notes = [n for n in self.notes if n.kind is kind]
            if notes:
                out.append((kind, notes))
        return out


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """How much of a phase falls in a release (author dates of its first and last commit)."""

    name: str
    description: str
    first: datetime
    last: datetime
    commits: int


@dataclass(frozen=True, slots=True)
class Release:
    """One version section.

    ``version`` is ``None`` for a plain ``Unreleased`` section; ``tag`` is ``None`` for an
    untagged one; ``date`` is the UTC committer date of the tag's commit.
    """

    version: str | None
    tag: str | None
    date: date | None
    previous_tag: str | None
    commit: str
    notes: tuple[CommitNote, ...]
    packages: tuple[PackageChanges, ...]
    phases: tuple[PhaseSpan, ...]

    @property
    def released(self) -> bool:
        """Whether a tag marks this version."""
        return self.tag is not None


def newest_first(notes: Iterable[CommitNote]) -> list[CommitNote]:
    """Notes sorted newest first by author date, then committer date, then hash."""
    return sorted(notes, key=lambda n: (n.author_date, n.committer_date, n.hash), reverse=True)


def group_by_package(
    notes: Iterable[CommitNote], workspace: Workspace
) -> tuple[PackageChanges, ...]:
    """Group non-merge notes under each package they are listed under, in workspace order."""
    grouped: dict[str, list[CommitNote]] = {}
    for note in newest_first(notes):
        if note.is_merge:
            continue
        for package in note.listed_under:
            grouped.setdefault(package, []).append(note)
    return tuple(
        PackageChanges(name, tuple(grouped[name]))
        for name in sorted(grouped, key=workspace.order_key)
    )


def _phase_spans(
    notes: Sequence[CommitNote], phase_of: Mapping[str, str], descriptions: Mapping[str, str]
) -> tuple[PhaseSpan, ...]:
    spans: dict[str, list[CommitNote]] = {}
    for note in notes:
        name = phase_of.get(note.hash)
        if name is not None and not note.is_merge:
            spans.setdefault(name, []).append(note)
    out = [
        PhaseSpan(
            name=name,
            description=descriptions.get(name, ""),
            first=min(n.author_date for n in members),
            last=max(n.author_date for n in members),
            commits=len(members),
        )
        for name, members in spans.items()
    ]
    return tuple(sorted(out, key=lambda s: (s.first, s.last, s.name)))


def build_releases(
    notes: Sequence[CommitNote],
    tags: Sequence[TagRef],
    *,
    head: str,
    workspace: Workspace,
    tag_pattern: re.Pattern[str],
    phase_of: Mapping[str, str] | None = None,
    phase_descriptions: Mapping[str, str] | None = None,
) -> tuple[Release, ...]:
    """Split history into releases, newest first (see the module docstring)."""
    graph = CommitGraph.from_notes(notes)
    by_hash = {n.hash: n for n in notes}
    versions: dict[str, TagRef] = {}
    for tag in sorted(tags, key=lambda t: t.name):
        match = tag_pattern.match(tag.name)
        if match is not None and tag.commit in by_hash:
            versions.setdefault(match.group("version"), tag)
    ordered = sorted(versions.items(), key=lambda item: (version_key(item[0]), item[0]))
    assigned: set[str] = set()
    releases: list[Release] = []
    previous: str | None = None
    phase_of = phase_of or {}
    descriptions = phase_descriptions or {}

    def release(version: str | None, tag: TagRef | None, commit: str, members: set[str]) -> Release:
        chosen = newest_first(by_hash[h] for h in members)
        return Release(
            version=version,
            tag=tag.name if tag else None,
            date=by_hash[tag.commit].committer_date.date() if tag else None,
            previous_tag=previous,
            commit=commit,
            notes=tuple(chosen),
            packages=group_by_package(chosen, workspace),
            phases=_phase_spans(chosen, phase_of, descriptions),
        )

    for version, tag in ordered:
        members = set(graph.reachable(tag.commit)) - assigned
        if not members:
            continue
        assigned |= members
        releases.append(release(version, tag, tag.commit, members))
        previous = tag.name
    rest = set(graph.reachable(head)) - assigned
    if rest:
        lockstep = workspace.version
        newer = lockstep is not None and (
            not ordered or version_key(lockstep) > version_key(ordered[-1][0])
        )
        name = lockstep if newer and lockstep not in versions else None
        releases.append(release(name, None, head, rest))
    return tuple(reversed(releases))
