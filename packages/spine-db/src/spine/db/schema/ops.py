"""Creating and dropping declared tables and indexes on a live connection.

``create_table`` / ``create_tables`` are idempotent: they check the catalog and create only
what is missing. Each table is created with its indexes in one transaction where the backend
allows it (PostgreSQL, SQLite); where the server commits DDL implicitly (MySQL, Oracle, Db2)
they refuse to run inside the caller's open transaction (see
:func:`spine.db.transaction.schema_change`). The tables of the installed packages are
created by :func:`spine.db.schema.install_schema`.

Example:
    >>> from spine.db import connect
    >>> from spine.db.schema import Column, Index, Table, ID, STR, create_table, ensure_index
    >>> conn = connect("memory")
    >>> t = Table("trades", (Column("id", ID), Column("symbol", STR(12))), ("id",))
    >>> create_table(conn, t), create_table(conn, t)
    (True, False)
    >>> ix = Index("ix_trades_symbol", ("symbol",))
    >>> ensure_index(conn, t, ix), ensure_index(conn, "trades", ix)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spine.db.connection import SpineConnection, as_spine_connection
from spine.db.schema.catalog import index_exists, table_exists
from spine.db.tabledef import Index, Table
from spine.db.transaction import schema_change
from spine.types import QueryError

__all__ = [
    "create_table",
    "create_tables",
    "drop_tables",
    "ensure_index",
    "index_exists",
    "table_exists",
]


def _run(sc: SpineConnection, statements: Iterable[str]) -> None:
    with schema_change(sc):
        for stmt in statements:
            sc.execute(stmt)


def create_table(conn: Any, table: Table) -> bool:
    """Create ``table`` and its indexes unless the table exists. Returns whether it created.

    Raises:
        OpenTransactionError: on MySQL, Oracle or Db2 inside the caller's open transaction.
    """
    sc = as_spine_connection(conn)
    if table_exists(sc, table.name):
        return False
    _run(sc, sc.dialect.create_table_statements(table, if_not_exists=True))
    return True


def ensure_index(conn: Any, table: Table | str, index: Index) -> bool:
    """Create ``index`` on ``table`` unless an index of that name exists; returns whether it
    created one. Portable (also on MySQL, which lacks ``CREATE INDEX IF NOT EXISTS``) and
    safe when two processes race: the loser's "already exists" error is absorbed once the
    catalog shows the index.

    ``table`` is a declared :class:`Table` or the name of a table declared elsewhere.

    Raises:
        OpenTransactionError: on MySQL, Oracle or Db2 inside the caller's open transaction.
    """
    sc = as_spine_connection(conn)
    name = table.name if isinstance(table, Table) else table
    if index_exists(sc, name, index):
        return False
    d = sc.dialect
    try:
        _run(sc, [d.create_index_sql(table, index, if_not_exists=d.supports_index_if_not_exists)])
    except QueryError:
        if index_exists(sc, name, index):  # created meanwhile by a concurrent caller
            return False
        raise
    return True


def create_tables(conn: Any, tables: Iterable[Table]) -> list[str]:
    """Create every missing table of ``tables`` (in order); returns the names created."""
    sc = as_spine_connection(conn)
    return [t.name for t in tables if create_table(sc, t)]


def drop_tables(conn: Any, tables: Iterable[Table]) -> None:
    """Drop ``tables`` if they exist (in reverse order). Commits."""
    sc = as_spine_connection(conn)
    for table in reversed(list(tables)):
        _run(sc, [sc.dialect.drop_table_sql(table.name, if_exists=True)])
