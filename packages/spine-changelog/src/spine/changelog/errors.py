"""Typed errors of spine-changelog, placed in spine-types' taxonomy.

Every error names the file, revision or repository it is about (also in ``context.metadata``)
and says what to do. Nothing is written when one is raised: outputs are rendered in memory and
only renamed into place once every one of them is ready.

Example:
    >>> err = PhaseMapError("docs/phases.toml: phase 'x' has no name", path="docs/phases.toml")
    >>> err.category.value, err.context.metadata["path"]
    ('CONFIG', 'docs/phases.toml')
"""

from __future__ import annotations

from spine.types.errors import (
    ErrorCategory,
    ErrorContext,
    InvalidConfigError,
    ParseError,
    SourceError,
    SourceNotFoundError,
    SpineError,
    ValidationError,
)

__all__ = [
    "ChangelogConfigError",
    "ChangelogError",
    "EmptyRepositoryError",
    "FixtureError",
    "GitHistoryError",
    "ModuleParseError",
    "NotAGitRepositoryError",
    "PhaseMapError",
    "ShallowCloneError",
    "StaleOutputError",
    "UnknownRevisionError",
]


class ChangelogError(SpineError):
    """Base of spine-changelog's errors: ``path`` names the file or repository it is about
    (also in ``context.metadata``)."""

    path: str | None

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        category: ErrorCategory | None = None,
        context: ErrorContext | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, category=category, context=context, cause=cause)
        self.path = path
        if path is not None:
            self.with_context(path=path)


class GitHistoryError(ChangelogError, SourceError):
    """``git`` failed or its history cannot be used (the message carries git's own words)."""


class NotAGitRepositoryError(GitHistoryError, SourceNotFoundError):
    """The directory is not inside a git repository (or does not exist)."""


class EmptyRepositoryError(GitHistoryError):
    """The repository has no commit yet, so there is no history to describe."""


class ShallowCloneError(GitHistoryError):
    """The clone is shallow: older commits are missing, so versions would be wrong."""


class UnknownRevisionError(GitHistoryError):
    """A revision (``--since``, ``--rev``, a tag of the phase map) does not name a commit."""


class FixtureError(ChangelogError, ParseError):
    """A recorded history fixture is malformed."""


class ModuleParseError(ChangelogError, ParseError):
    """A Python module of the workspace does not parse (the message names file and line)."""


class ChangelogConfigError(ChangelogError, InvalidConfigError):
    """``[tool.spine-changelog]`` or a workspace ``pyproject.toml`` is malformed."""


class PhaseMapError(ChangelogConfigError):
    """The phase map TOML file is malformed or does not match the history."""


class StaleOutputError(ChangelogError, ValidationError):
    """A checked-in output differs from what the generator produces now."""
