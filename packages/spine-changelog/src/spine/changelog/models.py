"""Value objects that flow through the generator: raw git facts, parsed commit notes.

``RawCommit`` and ``GitHistory`` are what a scanner reads (``scan()``); ``CommitNote`` is a
commit after ``parse()``: conventional-commit type and scope, breaking marker, trailers, the
files it touched and the packages those files belong to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "ChangeKind",
    "CommitNote",
    "FileChange",
    "GitHistory",
    "RawCommit",
    "TagRef",
]


class ChangeKind(StrEnum):
    """How a commit is listed: the Keep a Changelog group it lands in.

    ``INTERNAL`` commits (tests, CI, chores, style) are left out of the changelog and listed
    in REVIEW.md only.
    """

    BREAKING = "breaking"
    ADDED = "added"
    CHANGED = "changed"
    FIXED = "fixed"
    INTERNAL = "internal"

    @property
    def heading(self) -> str:
        """The section heading used in rendered markdown (``"Added"``)."""
        return self.value.capitalize()


MAX_PACKAGES_PER_ENTRY = 2
"""An unscoped commit touching more packages than this is listed once, under the workspace."""

KIND_ORDER: tuple[ChangeKind, ...] = (
    ChangeKind.BREAKING,
    ChangeKind.ADDED,
    ChangeKind.CHANGED,
    ChangeKind.FIXED,
    ChangeKind.INTERNAL,
)
"""Render order of the kinds inside a package section."""


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path a commit touched.

    ``status`` is git's letter (``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed,
    ``C`` copied, ``T`` type changed); ``old_path`` is set for renames and copies.
    """

    status: str
    path: str
    old_path: str | None = None

    def to_dict(self) -> dict[str, str]:
        """JSON form used by recorded fixtures."""
        out = {"status": self.status, "path": self.path}
        if self.old_path is not None:
            out["old_path"] = self.old_path
        return out


@dataclass(frozen=True, slots=True)
class RawCommit:
    """A commit as read from git: nothing interpreted yet.

    Dates are timezone-aware UTC. ``files`` of a merge commit are its changes against the
    first parent (what the merge brought in).
    """

    hash: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: datetime
    committer_date: datetime
    message: str
    files: tuple[FileChange, ...] = ()


@dataclass(frozen=True, slots=True)
class TagRef:
    """A tag and the commit it points to (annotated tags peeled)."""

    name: str
    commit: str


@dataclass(frozen=True, slots=True)
class GitHistory:
    """Everything a scanner read: the commits reachable from ``head`` and the tags among them.

    ``commits`` are newest first; ``head`` is the full hash of the commit the history covers.
    """

    head: str
    commits: tuple[RawCommit, ...]
    tags: tuple[TagRef, ...]


@dataclass(frozen=True, slots=True)
class CommitNote:
    """A commit after ``parse()``: what the changelog, review and phase map work from.

    Attributes:
        hash: Full commit hash.
        parents: Parent hashes (two or more for a merge).
        author_name: Author as recorded by git.
        author_date: Author date, timezone-aware UTC.
        committer_date: Committer date, timezone-aware UTC (a release is dated by it).
        subject: First line of the message.
        body: The message after the subject, trailers removed.
        trailers: ``(key, value)`` pairs of the trailer block, in order.
        type: Conventional-commit type (``feat``, ``fix``...) or ``None`` for free-form.
        scope: Conventional-commit scope, or the package prefix of a free-form subject.
        breaking: ``feat!:`` style marker or a ``BREAKING CHANGE:`` trailer.
        breaking_note: The ``BREAKING CHANGE`` text, when given.
        description: The subject without its type, scope or package prefix.
        kind: The changelog group (:class:`ChangeKind`).
        files: Paths touched (for a merge: against its first parent).
        packages: Workspace packages the touched files belong to (``"workspace"`` for files
            outside every package), sorted.
        scope_packages: Packages the scope or subject prefix names, sorted (may be empty).
    """

    hash: str
    parents: tuple[str, ...]
    author_name: str
    author_date: datetime
    committer_date: datetime
    subject: str
    body: str
    trailers: tuple[tuple[str, str], ...]
    type: str | None
    scope: str | None
    breaking: bool
    breaking_note: str | None
    description: str
    kind: ChangeKind
    files: tuple[FileChange, ...]
    packages: tuple[str, ...]
    scope_packages: tuple[str, ...]

    @property
    def short_hash(self) -> str:
        """The first 7 characters of the hash."""
        return self.hash[:7]

    @property
    def is_merge(self) -> bool:
        """Whether the commit has more than one parent."""
        return len(self.parents) > 1

    @property
    def listed_under(self) -> tuple[str, ...]:
        """Where the changelog lists the commit.

        The packages its scope or prefix names; else the one or two packages it touches;
        else (root files only, or a change across three or more packages) ``("workspace",)``.
        """
        if self.scope_packages:
            return self.scope_packages
        touched = tuple(p for p in self.packages if p != "workspace")
        if 1 <= len(touched) <= MAX_PACKAGES_PER_ENTRY:
            return touched
        return ("workspace",)
