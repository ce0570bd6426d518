"""Reading the catalog: does a table exist, which columns and indexes does it have.

The SQL differs per backend and lives in the dialects (``table_exists_sql``,
``indexes_sql``); these functions run it inside :func:`spine.db.reading`, so a look-up never
leaves a transaction open on an idle connection.

Example:
    >>> from spine.db import connect
    >>> conn = connect("memory")
    >>> _ = conn.execute("CREATE TABLE t (id INTEGER, h TEXT)")
    >>> _ = conn.execute("CREATE UNIQUE INDEX ux_t_h ON t (h)")
    >>> table_exists(conn, "t"), table_columns(conn, "t")
    (True, ['id', 'h'])
    >>> table_indexes(conn, "t")
    [IndexInfo(name='ux_t_h', columns=('h',), unique=True, partial=False)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spine.db.connection import as_spine_connection
from spine.db.transaction import reading

__all__ = ["IndexInfo", "index_exists", "table_columns", "table_exists", "table_indexes"]


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """One index of a table, as the catalog describes it (names lower-cased).

    Attributes:
        name: Index name.
        columns: Key columns in order (``""`` for an expression).
        unique: Whether it is a unique index (or primary key).
        partial: Whether it has a ``WHERE`` predicate (PostgreSQL, SQLite).
    """

    name: str
    columns: tuple[str, ...]
    unique: bool
    partial: bool = False

    @property
    def is_unique_on_one_column(self) -> bool:
        """A total unique index over exactly one column (it guarantees one row per value)."""
        return self.unique and not self.partial and len(self.columns) == 1


def table_exists(conn: Any, name: str) -> bool:
    """Whether table ``name`` (optionally ``schema.table``) exists, per the catalog."""
    sc = as_spine_connection(conn)
    sql, params = sc.dialect.table_exists_sql(name)
    with reading(sc):
        cur = sc.execute(sql, params)
        found = cur.fetchone() is not None
        cur.close()
    return found


def table_columns(conn: Any, name: str) -> list[str]:
    """The lower-cased column names of table ``name``, in order (``[]`` when it does not
    exist). Reads the column descriptions of an empty ``SELECT``: no catalog query."""
    sc = as_spine_connection(conn)
    if not table_exists(sc, name):
        return []
    with reading(sc):
        cur = sc.execute(f"SELECT * FROM {sc.dialect.quote(name)} WHERE 1 = 0")  # noqa: S608
        columns = cur.column_names
        cur.fetchall()
        cur.close()
    return columns


def table_indexes(conn: Any, table: str) -> list[IndexInfo]:
    """The indexes of ``table`` (optionally ``schema.table``), by name.

    Raises:
        ValidationError: ``table`` is not a plain identifier.
    """
    sc = as_spine_connection(conn)
    sql, params = sc.dialect.indexes_sql(table)
    with reading(sc):
        cur = sc.execute(sql, params)
        rows = cur.fetchall()
        cur.close()
    found: dict[str, tuple[list[tuple[int, str]], bool, bool]] = {}
    for name, column, position, unique, partial in rows:
        cols, _, _ = found.setdefault(str(name).lower(), ([], bool(unique), bool(partial)))
        cols.append((int(position), "" if column is None else str(column).lower()))
    return [
        IndexInfo(name, tuple(c for _, c in sorted(cols)), unique, partial)
        for name, (cols, unique, partial) in sorted(found.items())
    ]


def index_exists(conn: Any, table: Any, index: Any) -> bool:
    """Whether ``table`` (a :class:`~spine.db.schema.Table` or a name) has an index named
    ``index`` (an :class:`~spine.db.schema.Index` or a name)."""
    table_name = table if isinstance(table, str) else table.name
    index_name = (index if isinstance(index, str) else index.name).lower()
    return any(ix.name == index_name for ix in table_indexes(conn, table_name))
