"""Multi-dimensional tagging: named tag groups on any content object.

A :class:`TagGroup` is a named, ordered, de-duplicated set of tags ("tickers": AAPL, MSFT). A
:class:`TagGroupSet` holds groups by name and is immutable: every change returns a new set.
:class:`Taggable` is the protocol for objects that expose a ``tags`` set; the
:class:`TaggableContent` mixin gives any class that behaviour.

Tags keep their spelling but compare case-insensitively (``"aapl"`` matches ``"AAPL"``).

Example:
    >>> tags = TagGroupSet().add("tickers", "AAPL", "MSFT").add("sectors", "Technology")
    >>> tags.has_tag("tickers", "aapl"), tags.get("tickers").tags
    (True, ('AAPL', 'MSFT'))
    >>> tags.matches(tickers=["MSFT", "GOOG"], sectors=["Technology"])
    True
    >>> class Note(TaggableContent):
    ...     def __init__(self, text: str) -> None:
    ...         self.text = text
    >>> n = Note("earnings beat")
    >>> n.add_tags("event_types", "earnings").has_tag("event_types", "EARNINGS")
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol, Self, runtime_checkable

from spine.types import ValidationError

__all__ = ["TagGroup", "TagGroupSet", "Taggable", "TaggableContent"]


def _clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError(f"tags must be str, got {type(tag).__name__}")
        t = tag.strip()
        if t and t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return tuple(out)


def _check_group_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"tag group name must be a non-empty str, got {name!r}")
    return name.strip()


@dataclass(frozen=True, slots=True)
class TagGroup:
    """A named group of tags, e.g. ``TagGroup("tickers", ("AAPL", "MSFT"))``.

    Tags are stripped, empty ones dropped and duplicates (case-insensitive) removed, keeping
    the first spelling and order.
    """

    name: str
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _check_group_name(self.name))
        object.__setattr__(self, "tags", _clean_tags(self.tags))

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, str) and tag.strip().casefold() in {t.casefold() for t in self.tags}

    def __iter__(self) -> Iterator[str]:
        return iter(self.tags)

    def __len__(self) -> int:
        return len(self.tags)

    def with_tags(self, *tags: str) -> TagGroup:
        """A copy with ``tags`` appended."""
        return TagGroup(self.name, self.tags + tuple(tags))

    def without(self, *tags: str) -> TagGroup:
        """A copy with ``tags`` removed (case-insensitive)."""
        drop = {t.strip().casefold() for t in tags}
        return TagGroup(self.name, tuple(t for t in self.tags if t.casefold() not in drop))

    def overlaps(self, tags: Iterable[str]) -> bool:
        """True when any of ``tags`` is in this group."""
        return any(t in self for t in tags)


class TagGroupSet:
    """An immutable mapping of group name -> :class:`TagGroup`.

    Groups left empty by a removal disappear from the set.
    """

    __slots__ = ("_groups",)

    def __init__(self, groups: Iterable[TagGroup] = ()) -> None:
        merged: dict[str, TagGroup] = {}
        for group in groups:
            prev = merged.get(group.name)
            merged[group.name] = prev.with_tags(*group.tags) if prev else group
        self._groups = {k: v for k, v in merged.items() if v.tags}

    def add(self, group: str, *tags: str) -> TagGroupSet:
        """A new set with ``tags`` added to ``group`` (created when missing)."""
        return TagGroupSet([*self._groups.values(), TagGroup(group, tags)])

    def remove(self, group: str, *tags: str) -> TagGroupSet:
        """A new set without ``tags`` in ``group`` (without the whole group if no tags given)."""
        name = _check_group_name(group)
        out = []
        for g in self._groups.values():
            if g.name != name:
                out.append(g)
            elif tags:
                out.append(g.without(*tags))
        return TagGroupSet(out)

    def get(self, group: str) -> TagGroup | None:
        """The group, or ``None``."""
        return self._groups.get(group)

    def tags(self, group: str) -> tuple[str, ...]:
        """Tags of ``group`` (``()`` when missing)."""
        g = self._groups.get(group)
        return g.tags if g else ()

    def has_tag(self, group: str, tag: str) -> bool:
        """True when ``tag`` is in ``group``."""
        g = self._groups.get(group)
        return g is not None and tag in g

    def matches(self, **criteria: Iterable[str]) -> bool:
        """True when, for every named group, at least one of the given tags is present.

        ``tags.matches(tickers=["AAPL"], sectors=["Tech", "Energy"])`` is AND across groups,
        OR within a group.
        """
        for group, wanted in criteria.items():
            g = self._groups.get(group)
            if g is None or not g.overlaps(list(wanted)):
                return False
        return True

    def union(self, other: TagGroupSet) -> TagGroupSet:
        """All tags of both sets."""
        return TagGroupSet([*self._groups.values(), *other._groups.values()])

    @property
    def group_names(self) -> tuple[str, ...]:
        """Names of the non-empty groups, in insertion order."""
        return tuple(self._groups)

    def all_tags(self) -> set[tuple[str, str]]:
        """Every ``(group, tag)`` pair."""
        return {(g.name, t) for g in self._groups.values() for t in g.tags}

    def to_dict(self) -> dict[str, list[str]]:
        """``{"tickers": ["AAPL"], ...}`` (JSON compatible)."""
        return {name: list(g.tags) for name, g in self._groups.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[str]]) -> TagGroupSet:
        """Inverse of :meth:`to_dict`."""
        return cls(TagGroup(name, tuple(tags)) for name, tags in data.items())

    def __iter__(self) -> Iterator[TagGroup]:
        return iter(self._groups.values())

    def __len__(self) -> int:
        return len(self._groups)

    def __bool__(self) -> bool:
        return bool(self._groups)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TagGroupSet):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple((k, v.tags) for k, v in self._groups.items()))

    def __repr__(self) -> str:
        return f"TagGroupSet({self.to_dict()!r})"


@runtime_checkable
class Taggable(Protocol):
    """Anything that exposes a :class:`TagGroupSet` as ``tags``."""

    @property
    def tags(self) -> TagGroupSet:
        """The object's tags."""
        ...


class TaggableContent:
    """Mixin giving a class a ``tags`` set and tagging methods.

    The set lives in ``self._tag_set`` (created lazily, so subclasses need not call a
    ``super().__init__``). Mutating methods return ``self`` for chaining.
    """

    _tag_set: TagGroupSet

    @property
    def tags(self) -> TagGroupSet:
        """The object's tags."""
        try:
            return self._tag_set
        except AttributeError:
            self._tag_set = TagGroupSet()
            return self._tag_set

    def set_tags(self, tags: TagGroupSet) -> Self:
        """Replace all tags."""
        self._tag_set = tags
        return self

    def add_tags(self, group: str, *tags: str) -> Self:
        """Add ``tags`` to ``group``."""
        self._tag_set = self.tags.add(group, *tags)
        return self

    def remove_tags(self, group: str, *tags: str) -> Self:
        """Remove ``tags`` from ``group`` (the whole group when none given)."""
        self._tag_set = self.tags.remove(group, *tags)
        return self

    def has_tag(self, group: str, tag: str) -> bool:
        """True when ``tag`` is in ``group``."""
        return self.tags.has_tag(group, tag)

    def get_tags(self, group: str) -> tuple[str, ...]:
        """Tags of ``group``."""
        return self.tags.tags(group)

    def matches_tags(self, **criteria: Iterable[str]) -> bool:
        """See :meth:`TagGroupSet.matches`."""
        return self.tags.matches(**criteria)
