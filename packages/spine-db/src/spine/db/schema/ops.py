"""Creating and dropping declared tables on a live connection.

``create_core_tables(conn)`` is idempotent: it checks the catalog and creates only what is
missing (running it twice executes no DDL the second time). Each table is created with its
indexes in one transaction where the backend allows it (PostgreSQL, SQLite).

Example:
    >>> from spine.db import create_connection
    >>> from spine.db.schema import create_core_tables, table_exists
    >>> conn, _ = create_connection("memory")
    >>> created = create_core_tables(conn)
    >>> "core_manifest" in created, table_exists(conn, "core_work_items")
    (True, True)
    >>> create_core_tables(conn)
    []
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spine.db.connection import SpineConnection, as_spine_connection
from spine.db.schema.registry import CORE_TABLES
from spine.db.tabledef import Index, Table
from spine.db.transaction import transaction

__all__ = [
    "create_core_tables",
    "create_table",
    "create_tables",
    "drop_core_tables",
    "drop_tables",
    "ensure_index",
    "index_exists",
    "table_exists",
]


def table_exists(conn: Any, name: str) -> bool:
    """Whether table ``name`` (optionally ``schema.table``) exists, per the catalog."""
    sc = as_spine_connection(conn)
    sql, params = sc.dialect.table_exists_sql(name)
    cur = sc.execute(sql, params)
    found = cur.fetchone() is not None
    cur.close()
    return found


def index_exists(conn: Any, table: Table, index: Index) -> bool:
    """Whether ``index`` exists (by name) in the current schema/database."""
    sc = as_spine_connection(conn)
    d = sc.dialect
    name = index.name
    queries = {
        "sqlite": ("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)),
        "postgresql": (
            "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = %s",
            (name.lower(),),
        ),
        "mysql": (
            "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() "
            "AND table_name = %s AND index_name = %s",
            (table.name, name),
        ),
        "oracle": (
            "SELECT 1 FROM all_indexes WHERE index_name = :1 "
            "AND owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')",
            (name.upper(),),
        ),
        "db2": (
            "SELECT 1 FROM SYSCAT.INDEXES WHERE INDSCHEMA = CURRENT SCHEMA AND INDNAME = ?",
            (name.upper(),),
        ),
    }
    sql, params = queries[d.name]
    cur = sc.execute(sql, params)
    found = cur.fetchone() is not None
    cur.close()
    return found


def _run(sc: SpineConnection, statements: Iterable[str]) -> None:
    with transaction(sc):
        for stmt in statements:
            sc.execute(stmt)


def create_table(conn: Any, table: Table) -> bool:
    """Create ``table`` and its indexes unless the table exists. Returns whether it created.

    Commits (DDL); call it outside your own transactions.
    """
    sc = as_spine_connection(conn)
    if table_exists(sc, table.name):
        return False
    _run(sc, sc.dialect.create_table_statements(table, if_not_exists=True))
    return True


def ensure_index(conn: Any, table: Table, index: Index) -> bool:
    """Create ``index`` on ``table`` unless an index of that name exists (portable, also on
    MySQL, which lacks ``CREATE INDEX IF NOT EXISTS``). Returns whether it created."""
    sc = as_spine_connection(conn)
    if index_exists(sc, table, index):
        return False
    _run(sc, [sc.dialect.create_index_sql(table, index, if_not_exists=sc.dialect.name != "mysql")])
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


def create_core_tables(conn: Any) -> list[str]:
    """Create the missing core tables (``CORE_TABLES``) and their indexes.

    Idempotent: a second call creates nothing and returns ``[]``.
    """
    return create_tables(conn, CORE_TABLES.tables)


def drop_core_tables(conn: Any) -> None:
    """Drop every core table (for tests and teardown)."""
    drop_tables(conn, CORE_TABLES.tables)
