"""``BaseRepository``: dialect-aware helpers that domain repositories build on.

Table and column names are validated identifiers; values are always bound parameters.
``query`` returns dicts whose keys are lower-case column names on every backend (Oracle and
Db2 report upper-case names).

Example:
    >>> from spine.db import BaseRepository, create_connection
    >>> conn, _ = create_connection("memory")
    >>> repo = BaseRepository(conn)
    >>> _ = repo.execute("CREATE TABLE trades (id INTEGER, symbol TEXT)")
    >>> repo.insert_many("trades", [{"id": 1, "symbol": "AAPL"}, {"id": 2, "symbol": "MSFT"}])
    2
    >>> repo.query(f"SELECT id, symbol FROM trades WHERE symbol = {repo.ph()}", ("MSFT",))
    [{'id': 2, 'symbol': 'MSFT'}]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from spine.db.connection import Params, SpineConnection, SpineCursor, wrap_connection
from spine.db.dialects import Dialect, get_dialect
from spine.db.schema.registry import CORE_TABLES
from spine.db.tabledef import ColumnType
from spine.db.transaction import transaction
from spine.types import ValidationError

__all__ = ["BaseRepository"]


def _rows_to_dicts(cur: SpineCursor, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    keys = cur.column_names
    return [dict(zip(keys, row, strict=True)) for row in rows]


class BaseRepository:
    """Base class of repositories: SQL helpers over a connection and its dialect.

    Args:
        conn: A :class:`~spine.db.SpineConnection` or a raw DB-API connection (wrapped).
        dialect: The dialect; inferred from ``conn`` when ``None``.

    Attributes:
        conn: The :class:`~spine.db.SpineConnection`.
        dialect: Its :class:`~spine.db.dialects.Dialect`.
    """

    def __init__(self, conn: Any, dialect: Dialect | str | None = None) -> None:
        if isinstance(conn, SpineConnection):
            self.conn = conn
        else:
            self.conn = wrap_connection(
                conn, None if dialect is None else get_dialect(dialect).name
            )
        self.dialect: Dialect = get_dialect(dialect) if dialect is not None else self.conn.dialect
        self._catalog_types: dict[str, dict[str, str]] = {}

    # ------------------------------------------------------------------ placeholders
    def ph(self, n: int = 1, start: int = 0) -> str:
        """``n`` placeholders joined by ``", "`` (one placeholder by default).

        ``start`` is the 0-based index of the first one (matters on Oracle's ``:n``).
        """
        return self.dialect.placeholders(n, start)

    def ph_list(self, n: int, start: int = 0) -> list[str]:
        """``n`` placeholders as a list."""
        return [self.dialect.placeholder(start + i) for i in range(n)]

    def q(self, identifier: str) -> str:
        """Validate and quote an identifier for this dialect."""
        return self.dialect.quote(identifier)

    # ------------------------------------------------------------------ statements
    def execute(self, sql: str, params: Params = ()) -> SpineCursor:
        """Execute a statement; returns the cursor."""
        return self.conn.execute(sql, params)

    def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        """Execute a statement (``UPDATE``, ``DELETE``, ``INSERT ... SELECT``) and return how
        many rows it affected (``0`` when the driver cannot tell).

        Example:
            >>> from spine.db import connect
            >>> repo = BaseRepository(connect())
            >>> _ = repo.execute("CREATE TABLE t (a INTEGER)")
            >>> _ = repo.insert_many("t", [(1,), (2,)], columns=["a"])
            >>> repo.execute_rowcount(f"DELETE FROM t WHERE a > {repo.ph()}", (0,))
            2
        """
        cur = self.conn.execute(sql, params)
        n = cur.rowcount
        cur.close()
        return n if n > 0 else 0

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Run a query and return every row as a dict keyed by lower-case column names."""
        cur = self.conn.execute(sql, params)
        rows = cur.fetchall()
        result = _rows_to_dicts(cur, rows)
        cur.close()
        return result

    def query_one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """The first row of a query as a dict, or ``None``."""
        cur = self.conn.execute(sql, params)
        row = cur.fetchone()
        result = None if row is None else dict(zip(cur.column_names, row, strict=True))
        cur.close()
        return result

    def query_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or ``None`` when there is no row."""
        cur = self.conn.execute(sql, params)
        row = cur.fetchone()
        cur.close()
        return None if row is None else row[0]

    def insert(self, table: str, data: Mapping[str, Any]) -> SpineCursor:
        """Insert one row given as ``{column: value}``; returns the cursor.

        Example:
            >>> from spine.db import create_connection
            >>> repo = BaseRepository(create_connection()[0])
            >>> _ = repo.execute("CREATE TABLE t (a INTEGER, b TEXT)")
            >>> repo.insert("t", {"a": 1, "b": "x"}).rowcount
            1
        """
        if not data:
            raise ValidationError(f"insert into {table!r} needs at least one column")
        columns = list(data)
        return self.conn.execute(self.dialect.insert_sql(table, columns), list(data.values()))

    def insert_many(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]],
        *,
        columns: Sequence[str] | None = None,
        chunk_size: int | None = None,
    ) -> int:
        """Insert many rows fast; returns how many were inserted.

        Rows are mappings whose keys are the columns of the first row (every row must have
        them; extra keys in later rows are ignored), or - with ``columns=`` - sequences in
        that column order (the fastest path: no per-row conversion). Uses ``COPY`` on
        PostgreSQL, multi-row ``VALUES`` batches on SQLite (and on MySQL, whose driver
        rewrites ``executemany``), array ``executemany`` on Oracle and Db2. Names are
        validated once per call, not per row. Does not commit: wrap it in
        :func:`spine.db.transaction` for all-or-nothing loads.

        Example:
            >>> from spine.db import create_connection
            >>> repo = BaseRepository(create_connection()[0])
            >>> _ = repo.execute("CREATE TABLE t (a INTEGER, b TEXT)")
            >>> repo.insert_many("t", [(1, "x"), (2, "y")], columns=["a", "b"])
            2
        """
        if columns is not None:
            if not columns:
                raise ValidationError(f"insert_many into {table!r}: columns is empty")
            seqs: Iterable[Sequence[Any]] = rows  # type: ignore[assignment]
            return self.conn.insert_rows(table, tuple(columns), seqs, chunk_size=chunk_size)
        if isinstance(rows, Sequence):  # no need to re-chain the first row
            if not rows:
                return 0
            first = rows[0]
            all_rows: Iterable[Mapping[str, Any]] = rows
        else:
            iterator: Iterator[Mapping[str, Any]] = iter(rows)  # type: ignore[arg-type]
            first = next(iterator, None)
            if first is None:
                return 0
            all_rows = chain((first,), iterator)
        if not isinstance(first, Mapping):
            raise ValidationError(
                f"insert_many into {table!r}: rows are {type(first).__name__}, not mappings; "
                "pass columns=[...] for sequences"
            )
        names = tuple(first)
        if not names:
            raise ValidationError(f"insert_many into {table!r}: rows have no columns")
        if len(names) == 1:
            only = names[0]
            tuples: Iterable[tuple[Any, ...]] = ((r[only],) for r in all_rows)
        else:
            tuples = map(itemgetter(*names), all_rows)
        try:
            return self.conn.insert_rows(table, names, tuples, chunk_size=chunk_size)
        except KeyError as exc:
            raise ValidationError(
                f"insert_many into {table!r}: a row lacks column {exc.args[0]!r} "
                f"(columns come from the first row: {', '.join(names)})"
            ) from exc

    def upsert(
        self,
        table: str,
        data: Mapping[str, Any],
        conflict_columns: Sequence[str],
        update_columns: Sequence[str] | None = None,
    ) -> SpineCursor:
        """Insert ``data`` or update the row with the same ``conflict_columns``.

        ``update_columns=None`` updates every other column; ``[]`` inserts only if absent.
        Column types of registered core tables are passed to the dialect (Db2 needs them).

        Example:
            >>> from spine.db import create_connection
            >>> repo = BaseRepository(create_connection()[0])
            >>> _ = repo.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
            >>> _ = repo.upsert("kv", {"k": "a", "v": "1"}, ["k"])
            >>> _ = repo.upsert("kv", {"k": "a", "v": "2"}, ["k"])
            >>> repo.query("SELECT v FROM kv")
            [{'v': '2'}]
        """
        columns = list(data)
        sql = self.dialect.upsert(
            table, columns, conflict_columns, update_columns, column_types=self._types(table)
        )
        return self.conn.execute(sql, list(data.values()))

    def _types(self, table: str) -> Mapping[str, ColumnType | str] | None:
        """Column types for dialects whose upserts use them (Oracle, Db2): declared ones for
        core tables, otherwise read once from the catalog and cached on the repository."""
        d = self.dialect
        if not d.upsert_needs_types:
            return None
        if table in CORE_TABLES:
            return {c.name: c.type for c in CORE_TABLES[table].columns}
        cached = self._catalog_types.get(table)
        if cached is None:
            sql, params = d.column_types_sql(table)
            cur = self.conn.execute(sql, params)
            cached = {
                str(name).lower(): d.catalog_type_sql(str(typ), int(length or 0), int(scale or 0))
                for name, typ, length, scale in cur.fetchall()
            }
            self._catalog_types[table] = cached
        return cached

    # ------------------------------------------------------------------ transactions
    def commit(self) -> None:
        """Commit the connection's transaction."""
        self.conn.commit()

    def rollback(self) -> None:
        """Roll back the connection's transaction."""
        self.conn.rollback()

    @contextmanager
    def transaction(self) -> Iterator[SpineConnection]:
        """:func:`spine.db.transaction` on this repository's connection."""
        with transaction(self.conn) as sc:
            yield sc
