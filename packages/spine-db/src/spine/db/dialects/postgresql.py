"""PostgreSQL dialect (psycopg 3).

``%s`` placeholders (write a literal ``%`` as ``%%`` in statements that take parameters),
``TIMESTAMPTZ`` timestamps, native booleans, ``ON CONFLICT`` upserts,
``FOR UPDATE SKIP LOCKED`` claims and transactional DDL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from spine.db.dialects.base import Dialect, _update_parts, reserved_words_from
from spine.db.identifiers import validate_identifier
from spine.db.tabledef import Column, Table, TypeKind

__all__ = ["POSTGRESQL_RESERVED_WORDS", "PostgreSQLDialect"]

POSTGRESQL_RESERVED_WORDS: frozenset[str] = reserved_words_from(
    """
    ALL ANALYSE ANALYZE AND ANY ARRAY AS ASC ASYMMETRIC AUTHORIZATION BINARY BOTH CASE CAST
    CHECK COLLATE COLLATION COLUMN CONCURRENTLY CONSTRAINT CREATE CROSS CURRENT_CATALOG
    CURRENT_DATE CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEFAULT
    DEFERRABLE DESC DISTINCT DO ELSE END EXCEPT FALSE FETCH FOR FOREIGN FREEZE FROM FULL GRANT
    GROUP HAVING ILIKE IN INITIALLY INNER INTERSECT INTO IS ISNULL JOIN LATERAL LEADING LEFT
    LIKE LIMIT LOCALTIME LOCALTIMESTAMP NATURAL NOT NOTNULL NULL OFFSET ON ONLY OR ORDER OUTER
    OVERLAPS PLACING PRIMARY REFERENCES RETURNING RIGHT SELECT SESSION_USER SIMILAR SOME
    SYMMETRIC SYSTEM_USER TABLE TABLESAMPLE THEN TO TRAILING TRUE UNION UNIQUE USER USING
    VARIADIC VERBOSE WHEN WHERE WINDOW WITH
    """
)
"""PostgreSQL reserved key words (appendix C, "reserved" and "reserved, can be function")."""


class PostgreSQLDialect(Dialect):
    """PostgreSQL: ``%s`` placeholders, ``TIMESTAMPTZ``, ``ON CONFLICT``, ``SKIP LOCKED``.

    Example:
        >>> PostgreSQLDialect().upsert("t", ["k", "v"], ["k"])
        'INSERT INTO t (k, v) VALUES (%s, %s) ON CONFLICT (k) DO UPDATE SET v = excluded.v'
    """

    name: ClassVar[str] = "postgresql"
    aliases: ClassVar[tuple[str, ...]] = ("postgres", "pg", "psycopg")
    driver_modules: ClassVar[tuple[str, ...]] = ("psycopg",)  # psycopg (3) and psycopg2
    paramstyle: ClassVar[str] = "format"
    identifier_case: ClassVar[str] = "lower"
    reserved_words: ClassVar[frozenset[str]] = POSTGRESQL_RESERVED_WORDS
    supports_returning: ClassVar[bool] = True
    supports_notify: ClassVar[bool] = True
    transactional_ddl: ClassVar[bool] = True
    type_map: ClassVar[dict[TypeKind, str]] = {
        TypeKind.ID: "VARCHAR(64)",
        TypeKind.STR: "VARCHAR({n})",
        TypeKind.TEXT: "TEXT",
        TypeKind.INT: "INTEGER",
        TypeKind.BIGINT: "BIGINT",
        TypeKind.FLOAT: "DOUBLE PRECISION",
        TypeKind.BOOL: "BOOLEAN",
        TypeKind.JSON: "TEXT",
        TypeKind.TS: "TIMESTAMPTZ",
    }

    def placeholder(self, index: int = 0) -> str:
        return "%s"

    def update_picked_sql(
        self, table: str, set_sql: str, key: str, pick_sql: str, returning: Sequence[str]
    ) -> str | None:
        """``... WHERE key = ANY(ARRAY(<pick_sql>))``: the picked keys are computed once and
        the rows found through the key's index (``IN (subquery)`` may hash-join a scan of
        the whole table)."""
        validate_identifier(key, allow_dotted=False)
        return (
            f"UPDATE {self.quote(table)} SET {set_sql} "  # noqa: S608
            f"WHERE {self.quote(key)} = ANY(ARRAY({pick_sql})) "
            f"RETURNING {self.quote_list(returning)}"
        )

    update_rows_columnar: ClassVar[bool] = True

    def update_rows_sql(
        self, table: Table, set_columns: Sequence[str], where_columns: Sequence[str], rows: int
    ) -> str | None:
        """``UPDATE t SET ... FROM unnest(<one array per column>) AS v WHERE ...``: one
        short statement whatever the row count (prepared once), bound column-wise. Each
        array is cast to its column's type (text-like columns to ``TEXT[]``, so an
        over-long value fails the assignment instead of being cut)."""
        sets, wheres = _update_parts(table, set_columns, where_columns, rows)
        cols = [*sets, *wheres]
        arrays = ", ".join(f"CAST(%s AS {self._cast_type(c)}[])" for c in cols)
        names = ", ".join(f"c{i}" for i in range(len(cols)))
        t = self.quote(table.name)
        set_sql = ", ".join(f"{self.quote(c.name)} = v.c{i}" for i, c in enumerate(sets))
        where_sql = " AND ".join(
            f"{t}.{self.quote(c.name)} = v.c{len(sets) + i}" for i, c in enumerate(wheres)
        )
        return (
            f"UPDATE {t} SET {set_sql} FROM unnest({arrays}) AS v ({names}) "  # noqa: S608
            f"WHERE {where_sql}"
        )

    def _cast_type(self, column: Column) -> str:
        if column.type.is_text_like:
            return "TEXT"
        if column.type.kind is TypeKind.IDENTITY:
            return "BIGINT"
        return self.type_sql(column.type)

    def notify_sql(self) -> str:
        """``SELECT pg_notify(%s, %s)``: delivered to listeners when the transaction commits
        (payloads are limited to 7999 bytes).

        Example:
            >>> PostgreSQLDialect().listen_sql("spine_events")
            'LISTEN spine_events'
        """
        return "SELECT pg_notify(%s, %s)"

    def listen_sql(self, channel: str) -> str:
        return f"LISTEN {self.quote(validate_identifier(channel, allow_dotted=False))}"

    def unlisten_sql(self, channel: str) -> str:
        return f"UNLISTEN {self.quote(validate_identifier(channel, allow_dotted=False))}"

    def now(self) -> str:
        """``NOW()``: the start time of the current transaction (``TIMESTAMPTZ``)."""
        return "NOW()"

    def _encode_utc(self, dt: datetime) -> Any:
        return dt

    def bool_literal(self, value: bool) -> str:
        return "TRUE" if value else "FALSE"

    def encode_bool(self, value: bool | None) -> Any:
        return value

    def table_exists_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        schema, table = self._split_name(name)
        if schema is None:
            return (
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = %s",
                (self.fold(table),),
            )
        return (
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (self.fold(schema), self.fold(table)),
        )

    def migration_lock_sql(self) -> str | None:
        """A transaction-scoped advisory lock (released at commit or rollback)."""
        return "SELECT pg_advisory_xact_lock(hashtext('spine_migrations'))"

    def indexes_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        """Key columns of each index from ``pg_index`` (``to_regclass`` resolves ``table``
        through the ``search_path``)."""
        validate_identifier(table)
        return (
            "SELECT c.relname, a.attname, k.n, i.indisunique, (i.indpred IS NOT NULL) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = to_regclass(%s) AND k.n <= i.indnkeyatts "
            "ORDER BY c.relname, k.n",
            (table,),
        )

    def list_tables_sql(self, schema: str | None = None) -> tuple[str, tuple[Any, ...]]:
        if schema is None:
            return (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                (),
            )
        return (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (self.fold(schema),),
        )

    # ------------------------------------------------------------------ cross-process locks
    named_lock_kind: ClassVar[str] = "session"

    def named_lock_sql(self, name: str, wait_seconds: int) -> tuple[str, tuple[Any, ...]]:
        """``pg_try_advisory_lock`` on (name, current schema): answers at once (the caller
        polls); a session lock, held across commits until unlocked or the session ends."""
        return (
            "SELECT pg_try_advisory_lock(hashtext(%s), hashtext(COALESCE(current_schema(), '')))",
            (name,),
        )

    def named_unlock_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        return (
            "SELECT pg_advisory_unlock(hashtext(%s), hashtext(COALESCE(current_schema(), '')))",
            (name,),
        )
