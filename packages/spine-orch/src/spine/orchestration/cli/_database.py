"""Which database the ``spine`` command talks to, and opening it with its schema in place.

The URL comes from ``--db URL``, else spine-exec's :class:`~spine.execution.SpineSettings`:
the ``SPINE_DATABASE_URL`` environment variable, a ``.env`` file, the TOML profile chosen by
``--profile`` or ``SPINE_PROFILE``, then the embedded default ``sqlite:///spine.db`` (a file
in the current directory). A ``database_password`` setting is put into a URL that has none.
:func:`resolve_database_url` is the one place that resolves it.

Commands open the database only when they need it (bad input is rejected before anything is
created), and create or migrate the schema before the first read or write
(:func:`ensure_schema`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from spine.db import SpineConnection, create_connection, create_core_tables
from spine.db.schema import CORE_TABLES, table_exists

__all__ = [
    "DEFAULT_DATABASE_URL",
    "ENV_DATABASE_URL",
    "DatabaseTarget",
    "ensure_schema",
    "open_database",
    "resolve_database_url",
    "schema_status",
]

DEFAULT_DATABASE_URL = "sqlite:///spine.db"
"""The embedded default: a SQLite file ``spine.db`` in the current directory."""

ENV_DATABASE_URL = "SPINE_DATABASE_URL"
"""Environment variable naming the database when ``--db`` is not given."""


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """A resolved database URL and where it came from: ``option`` (``--db``), ``env``
    (``SPINE_DATABASE_URL``), ``settings`` (a ``.env`` file or profile) or ``default``."""

    url: str
    source: str


def resolve_database_url(option: str | None, *, profile: str | None = None) -> DatabaseTarget:
    """The database to use: ``--db``, else the settings (environment, ``.env``, profile),
    else the default.

    Raises:
        InvalidConfigError: a malformed or missing profile, or a bad settings value.
    """
    if option:
        return DatabaseTarget(option, "option")
    from spine.execution import load_settings

    settings = load_settings(profile)
    url = settings.database_url_with_password()
    if os.environ.get(ENV_DATABASE_URL, "").strip():
        return DatabaseTarget(url, "env")
    if settings.database_url != DEFAULT_DATABASE_URL:
        return DatabaseTarget(url, "settings")
    return DatabaseTarget(url, "default")


def ensure_schema(conn: SpineConnection) -> list[str]:
    """Create the missing spine tables (idempotent); returns the tables created."""
    return create_core_tables(conn)


@dataclass(frozen=True, slots=True)
class TableStatus:
    """One table of the schema: whether it exists."""

    name: str
    exists: bool


@dataclass(slots=True)
class SchemaStatus:
    """What :func:`schema_status` found."""

    tables: list[TableStatus] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Tables that do not exist yet."""
        return [t.name for t in self.tables if not t.exists]

    @property
    def up_to_date(self) -> bool:
        """Every table exists."""
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "up_to_date": self.up_to_date,
            "tables": [{"name": t.name, "exists": t.exists} for t in self.tables],
            "missing": self.missing,
        }


def schema_status(conn: SpineConnection) -> SchemaStatus:
    """Which spine tables exist (reads only)."""
    status = SchemaStatus()
    for table in CORE_TABLES.tables:
        status.tables.append(TableStatus(table.name, table_exists(conn, table.name)))
    return status


@contextlib.contextmanager
def open_database(url: str, *, schema: bool = True) -> Iterator[SpineConnection]:
    """Connect to ``url`` (and create/migrate the schema unless ``schema=False``).

    Raises:
        DatabaseConnectionError: the server is unreachable or refuses the credentials.
        InvalidConfigError: a malformed URL; ConfigError: the driver is not installed.
    """
    conn, _info = create_connection(url)
    try:
        if schema:
            ensure_schema(conn)
        yield conn
    finally:
        conn.close()
