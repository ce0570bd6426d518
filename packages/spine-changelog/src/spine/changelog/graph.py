"""The commit graph: which commits are in the history of which (for versions and phases)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from spine.changelog.models import CommitNote

__all__ = ["CommitGraph"]


@dataclass(frozen=True, slots=True)
class CommitGraph:
    """Parent links of the scanned commits (parents outside the scan are ignored)."""

    parents: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_notes(cls, notes: Iterable[CommitNote]) -> CommitGraph:
        """The graph of parsed commits."""
        return cls({n.hash: n.parents for n in notes})

    def reachable(self, start: str) -> frozenset[str]:
        """``start`` and every scanned commit in its history."""
        if start not in self.parents:
            return frozenset()
        seen = {start}
        stack = [start]
        while stack:
            for parent in self.parents[stack.pop()]:
                if parent in self.parents and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)
