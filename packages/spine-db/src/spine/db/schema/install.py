"""``install_schema(conn)``: create and migrate the tables of every schema component.

For each component (see :mod:`spine.db.schema.component`), in order:

1. its missing tables are created at their declared (current) shape, with their indexes;
2. if none of its tables existed and none of its migrations is recorded (a fresh
   database), every migration is recorded as applied without running: the tables already
   have the shape the migrations lead to;
3. otherwise its pending migrations run in version order, each in its own transaction,
   recorded under ``(component, version)`` in ``_migrations``.

The whole install holds the cross-process migration lock
(:data:`spine.db.migrations.MIGRATION_LOCK`): processes starting together install one after
the other, and the later ones find nothing to do.

Running it again does nothing. ``create_core_tables(conn)`` is the same call, returning the
names of the tables it created.

Example:
    >>> from spine.db import connect
    >>> conn = connect("memory")
    >>> report = install_schema(conn)
    >>> "core_manifest" in report.created, ("spine-ops", 1) in report.stamped
    (True, True)
    >>> install_schema(conn).created, install_schema(conn).applied
    ((), ())
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spine.db.connection import SpineConnection, as_spine_connection
from spine.db.locks import named_lock
from spine.db.migrations import MIGRATION_LOCK, MIGRATIONS_TABLE, MigrationRunner
from spine.db.schema.catalog import table_exists
from spine.db.schema.component import SchemaComponent, select_components
from spine.db.schema.ops import create_table, drop_tables
from spine.db.transaction import write

__all__ = [
    "SchemaInstall",
    "create_core_tables",
    "drop_core_tables",
    "drop_schema",
    "install_schema",
]


@dataclass(frozen=True, slots=True)
class SchemaInstall:
    """What :func:`install_schema` did.

    Attributes:
        created: Tables created, in order.
        applied: ``(component, version)`` of the migrations that ran.
        stamped: ``(component, version)`` of the migrations recorded without running (their
            component's tables were created fresh at the declared shape).
    """

    created: tuple[str, ...] = ()
    applied: tuple[tuple[str, int], ...] = ()
    stamped: tuple[tuple[str, int], ...] = ()


def install_schema(
    conn: Any, components: Iterable[str | SchemaComponent] | None = None
) -> SchemaInstall:
    """Create the missing tables of ``components`` (names or objects; default: every known
    component) and bring their schema up to date (see the module docstring).

    Raises:
        ConfigError: an unknown component name, or an entry point that does not load.
        OpenTransactionError: on MySQL, Oracle or Db2 inside the caller's open transaction.
        MigrationChecksumError: an applied migration was changed afterwards.
        MigrationError: a migration failed (earlier ones stay applied).
    """
    sc = as_spine_connection(conn)
    chosen = list(select_components(components))
    with named_lock(sc, MIGRATION_LOCK):
        return _install(sc, chosen)


def _install(sc: SpineConnection, components: list[SchemaComponent]) -> SchemaInstall:
    created: list[str] = []
    applied: list[tuple[str, int]] = []
    stamped: list[tuple[str, int]] = []
    for component in components:
        existed = [t.name for t in component.tables if table_exists(sc, t.name)]
        runner = MigrationRunner(sc, component.migrations, component=component.name)
        recorded = runner.applied() if component.migrations else {}
        for table in component.tables:
            if table.name not in existed and create_table(sc, table):
                created.append(table.name)
        if component.tables and not existed and not recorded:
            stamped += [(component.name, m.version) for m in runner.stamp()]
        else:
            applied += [(component.name, m.version) for m in runner.apply()]
    return SchemaInstall(tuple(created), tuple(applied), tuple(stamped))


def create_core_tables(conn: Any) -> list[str]:
    """:func:`install_schema` for every known component; returns the tables it created.

    Idempotent: a second call creates nothing and returns ``[]``.
    """
    return list(install_schema(conn).created)


def drop_schema(conn: Any, components: Iterable[str | SchemaComponent] | None = None) -> None:
    """Drop the tables of ``components`` (default: all) and forget their migrations (for
    tests and teardown). Commits."""
    sc = as_spine_connection(conn)
    chosen = list(select_components(components))
    for component in reversed(chosen):
        drop_tables(sc, component.tables)
    if table_exists(sc, MIGRATIONS_TABLE.name):
        d = sc.dialect
        names = [c.name for c in chosen]
        if names:
            with write(sc):
                sc.execute(
                    f"DELETE FROM {d.quote(MIGRATIONS_TABLE.name)} "  # noqa: S608
                    f"WHERE {d.quote('component')} IN ({d.placeholders(len(names))})",
                    names,
                )


def drop_core_tables(conn: Any) -> None:
    """Drop every component's tables (for tests and teardown)."""
    drop_schema(conn)
