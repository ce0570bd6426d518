"""What the root ``spine`` callback hands every command (``ctx.obj``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click
import typer

from spine.db import SpineConnection
from spine.orchestration.cli._database import DatabaseTarget, open_database, resolve_database_url
from spine.orchestration.cli._errors import guard

__all__ = ["CliState", "current_database", "get_state", "is_debug"]


@dataclass(slots=True)
class CliState:
    """Global options of one invocation.

    Attributes:
        db_option: ``--db`` as given (``None``: environment or default).
        debug: ``--debug``: show tracebacks.
        profile: ``--profile``: the settings profile (default ``SPINE_PROFILE``).
    """

    db_option: str | None = None
    debug: bool = False
    profile: str | None = None

    @property
    def database(self) -> DatabaseTarget:
        """The database URL to use and where it came from."""
        return resolve_database_url(self.db_option, profile=self.profile)

    @contextlib.contextmanager
    def connect(self, *, schema: bool = True) -> Iterator[SpineConnection]:
        """Open the database (schema created/migrated unless ``schema=False``)."""
        with open_database(self.database.url, schema=schema) as conn:
            yield conn

    def guard(self) -> contextlib.AbstractContextManager[None]:
        """Errors as one line and an exit code (tracebacks with ``--debug``)."""
        return guard(self.debug)


def get_state(ctx: typer.Context | click.Context | None = None) -> CliState:
    """The :class:`CliState` of the running invocation (defaults when run without the root
    callback, e.g. a group invoked on its own)."""
    node: Any = ctx or click.get_current_context(silent=True)
    while node is not None:
        if isinstance(node.obj, CliState):
            return node.obj
        node = node.parent
    return CliState()


def current_database(ctx: typer.Context | click.Context | None = None) -> DatabaseTarget:
    """The database the running ``spine`` invocation uses (its ``--db`` and ``--profile``,
    else the settings, else the default): what a plugin group's command should connect to.

    Example:
        >>> current_database().source in ("env", "settings", "default")
        True
    """
    return get_state(ctx).database


def is_debug(ctx: typer.Context | click.Context | None = None) -> bool:
    """Whether the running ``spine`` invocation was given ``--debug`` (a plugin command then
    lets errors propagate with their traceback)."""
    return get_state(ctx).debug
