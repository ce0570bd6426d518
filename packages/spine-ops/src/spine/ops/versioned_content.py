"""Immutable content version history (human text, LLM expansions, human edits).

A :class:`VersionedContent` is an append-only list of :class:`ContentVersion` s: adding a
version never changes an earlier one, ``current`` is the latest and ``history`` the full audit
trail. Adding text identical to the current version is a no-op (no empty versions).
``to_dict`` / ``from_dict`` round-trip it through JSON for storage.

Example:
    >>> doc = VersionedContent.create("Apple beat estimates.", author="ana")
    >>> v2 = doc.add_version("Apple beat EPS estimates by 4%.", ContentSource.LLM_EXPANDED)
    >>> v3 = doc.add_version("Apple beat EPS estimates by 4.1%.", ContentSource.HUMAN_EDITED)
    >>> doc.current.version, [v.source.value for v in doc.history]
    (3, ['HUMAN', 'LLM_EXPANDED', 'HUMAN_EDITED'])
    >>> doc.at(1).content
    'Apple beat estimates.'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from spine.ops.errors import NotFoundError
from spine.types import ValidationError, generate_ulid, parse_iso, utc_now

__all__ = ["ContentSource", "ContentVersion", "VersionedContent"]


class ContentSource(StrEnum):
    """Who produced a version."""

    HUMAN = "HUMAN"
    """Written by a person."""
    LLM_EXPANDED = "LLM_EXPANDED"
    """Generated or expanded by a language model."""
    HUMAN_EDITED = "HUMAN_EDITED"
    """A person edited an earlier (often generated) version."""
    SYSTEM = "SYSTEM"
    """Produced by a pipeline (import, normalisation)."""


def _content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ContentVersion:
    """One immutable version.

    Attributes:
        version: 1-based, consecutive.
        content: The text.
        source: Who produced it.
        created_at: Aware UTC time the version was added.
        author: Person or model name, optional.
        note: Why this version exists, optional.
        metadata: Free-form extra data (model parameters, review ids...).
    """

    version: int
    content: str
    source: ContentSource
    created_at: _dt.datetime
    author: str | None = None
    note: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """sha256 hex of the UTF-8 content."""
        return _content_hash(self.content)

    @property
    def is_machine_generated(self) -> bool:
        """True for LLM output that no person has edited yet."""
        return self.source is ContentSource.LLM_EXPANDED

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "version": self.version,
            "content": self.content,
            "source": self.source.value,
            "created_at": self.created_at.isoformat(),
            "author": self.author,
            "note": self.note,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContentVersion:
        """Inverse of :meth:`to_dict`."""
        return cls(
            version=int(data["version"]),
            content=str(data["content"]),
            source=ContentSource(data["source"]),
            created_at=parse_iso(str(data["created_at"])),
            author=data.get("author"),
            note=data.get("note"),
            metadata=dict(data.get("metadata") or {}),
        )


def _new_version(
    number: int,
    content: str,
    source: ContentSource,
    author: str | None,
    note: str | None,
    metadata: Mapping[str, Any] | None,
    created_at: _dt.datetime | None,
) -> ContentVersion:
    """Version ``number`` of ``content`` (``created_at`` defaults to now)."""
    return ContentVersion(
        number,
        content,
        ContentSource(source),
        created_at or utc_now(),
        author,
        note,
        dict(metadata or {}),
    )


class VersionedContent:
    """Append-only version history of one piece of content.

    Args:
        content_id: Stable id (a ULID by default in :meth:`create`).
        versions: Existing history, versions 1..n in order (e.g. from :meth:`from_dict`).

    Raises:
        ValidationError: empty history or versions not numbered 1..n.
    """

    __slots__ = ("_versions", "content_id")

    def __init__(self, content_id: str, versions: list[ContentVersion]) -> None:
        if not versions:
            raise ValidationError("VersionedContent needs at least one version")
        for expected, v in enumerate(versions, start=1):
            if v.version != expected:
                raise ValidationError(
                    f"versions must be numbered 1..n in order; got {v.version} at {expected}"
                )
        self.content_id = content_id
        self._versions: list[ContentVersion] = list(versions)

    @classmethod
    def create(
        cls,
        content: str,
        source: ContentSource = ContentSource.HUMAN,
        *,
        author: str | None = None,
        note: str | None = None,
        content_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_at: _dt.datetime | None = None,
    ) -> VersionedContent:
        """Start a history with version 1."""
        first = _new_version(1, content, source, author, note, metadata, created_at)
        return cls(content_id or generate_ulid(), [first])

    def add_version(
        self,
        content: str,
        source: ContentSource = ContentSource.HUMAN_EDITED,
        *,
        author: str | None = None,
        note: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_at: _dt.datetime | None = None,
    ) -> ContentVersion:
        """Append a version and return it; identical content returns ``current`` unchanged."""
        if content == self.current.content:
            return self.current
        version = _new_version(
            len(self._versions) + 1, content, source, author, note, metadata, created_at
        )
        self._versions.append(version)
        return version

    @property
    def current(self) -> ContentVersion:
        """The latest version."""
        return self._versions[-1]

    @property
    def original(self) -> ContentVersion:
        """Version 1."""
        return self._versions[0]

    @property
    def history(self) -> tuple[ContentVersion, ...]:
        """All versions, oldest first (a tuple: the history cannot be edited through it)."""
        return tuple(self._versions)

    @property
    def version_count(self) -> int:
        """Number of versions."""
        return len(self._versions)

    def at(self, version: int) -> ContentVersion:
        """Version number ``version`` (1-based).

        Raises:
            NotFoundError: no such version.
        """
        if isinstance(version, bool) or not 1 <= version <= len(self._versions):
            raise NotFoundError(
                f"content {self.content_id} has versions 1..{len(self._versions)}, not {version!r}"
            )
        return self._versions[version - 1]

    def as_of(self, when: _dt.datetime) -> ContentVersion | None:
        """The version that was current at ``when`` (``None`` before version 1)."""
        found: ContentVersion | None = None
        for v in self._versions:
            if v.created_at <= when:
                found = v
        return found

    def diff(self, from_version: int, to_version: int | None = None) -> str:
        """Unified diff (line based) from one version to another (default: current)."""
        import difflib  # only diff() needs it; kept off the import path of spine.ops

        a = self.at(from_version)
        b = self.at(to_version) if to_version is not None else self.current
        return "".join(
            difflib.unified_diff(
                a.content.splitlines(keepends=True),
                b.content.splitlines(keepends=True),
                fromfile=f"v{a.version}",
                tofile=f"v{b.version}",
            )
        )

    def versions_by(self, source: ContentSource) -> list[ContentVersion]:
        """Versions produced by ``source``."""
        return [v for v in self._versions if v.source is source]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``{"content_id", "versions": [...]}``)."""
        return {
            "content_id": self.content_id,
            "versions": [v.to_dict() for v in self._versions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VersionedContent:
        """Inverse of :meth:`to_dict`."""
        return cls(
            str(data["content_id"]),
            [ContentVersion.from_dict(v) for v in data["versions"]],
        )

    def __len__(self) -> int:
        return len(self._versions)

    def __repr__(self) -> str:
        return f"VersionedContent({self.content_id!r}, versions={len(self._versions)})"
