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

from spine.db import SpineConnection, create_connection
from spine.db.migrations import MIGRATIONS_TABLE, MigrationRunner
from spine.db.schema import SchemaInstall, install_schema, schema_components, table_exists

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


def ensure_schema(conn: SpineConnection) -> SchemaInstall:
    """Create the missing tables of every installed package and run their pending
    migrations (``spine.db.schema.install_schema``; idempotent)."""
    return install_schema(conn)


@dataclass(frozen=True, slots=True)
class TableStatus:
    """One table of the schema: whether it exists."""

    component: str
    name: str
    exists: bool


@dataclass(frozen=True, slots=True)
class MigrationState:
    """One migration of a component: ``applied``, ``pending``, ``changed`` or ``missing``."""

    component: str
    version: int
    name: str
    state: str


@dataclass(slots=True)
class SchemaStatus:
    """What :func:`schema_status` found, per schema component (installed package)."""

    components: list[str] = field(default_factory=list)
    tables: list[TableStatus] = field(default_factory=list)
    migrations: list[MigrationState] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Tables that do not exist yet."""
        return [t.name for t in self.tables if not t.exists]

    @property
    def pending(self) -> list[MigrationState]:
        """Migrations not applied (or changed since they were)."""
        return [m for m in self.migrations if m.state in ("pending", "changed")]

    @property
    def up_to_date(self) -> bool:
        """Every table exists and every migration is applied."""
        return not self.missing and not self.pending

    def as_dict(self) -> dict[str, Any]:
        return {
            "up_to_date": self.up_to_date,
            "components": self.components,
            "tables": [
                {"component": t.component, "name": t.name, "exists": t.exists} for t in self.tables
            ],
            "missing": self.missing,
            "migrations": [
                {"component": m.component, "version": m.version, "name": m.name, "state": m.state}
                for m in self.migrations
            ],
        }


def schema_status(conn: SpineConnection) -> SchemaStatus:
    """Which tables of the installed packages exist and which migrations are applied (reads
    only: nothing is created)."""
    status = SchemaStatus()
    recorded = table_exists(conn, MIGRATIONS_TABLE.name)
    for component in schema_components():
        status.components.append(component.name)
        existing = [table_exists(conn, t.name) for t in component.tables]
        status.tables += [
            TableStatus(component.name, t.name, e)
            for t, e in zip(component.tables, existing, strict=True)
        ]
        if recorded:
            runner = MigrationRunner(conn, component.migrations, component=component.name)
            states = [(m.version, m.name, m.state) for m in runner.status()]
        elif any(existing):  # tables from a release before migrations were recorded
            states = [(m.version, m.name, "pending") for m in component.migrations]
        else:  # a fresh database: installing stamps them as applied
            states = []
        status.migrations += [MigrationState(component.name, *st) for st in states]
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
