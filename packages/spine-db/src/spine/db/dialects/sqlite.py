"""SQLite dialect.

SQLite has no ``SELECT ... FOR UPDATE``: it serialises writers on the whole database, so
claim queries must run inside a ``BEGIN IMMEDIATE`` transaction (see
:func:`spine.db.claim_transaction`), which takes the write lock up front. Timestamps are
stored as ISO-8601 text with a ``+00:00`` offset and microseconds, so text order equals time
order and :meth:`SQLiteDialect.now` compares correctly with stored values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from spine.db.dialects.base import Dialect, reserved_words_from
from spine.db.tabledef import TypeKind

__all__ = ["SQLITE_RESERVED_WORDS", "SQLiteDialect"]

SQLITE_RESERVED_WORDS: frozenset[str] = reserved_words_from(
    """
    ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE
    BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
    CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE
    DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
    EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS
    HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS
    ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL
    NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
    RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING
    RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION
    TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW
    WITH WITHOUT
    """
)
"""SQLite keywords (https://sqlite.org/lang_keywords.html)."""


class SQLiteDialect(Dialect):
    """SQLite: ``?`` placeholders, ``ON CONFLICT`` upserts, ISO-8601 text timestamps.

    Example:
        >>> d = SQLiteDialect()
        >>> d.encode_timestamp(datetime(2025, 1, 2, 3, 4, 5, tzinfo=__import__("datetime").UTC))
        '2025-01-02T03:04:05.000000+00:00'
    """

    name: ClassVar[str] = "sqlite"
    aliases: ClassVar[tuple[str, ...]] = ("sqlite3",)
    driver_modules: ClassVar[tuple[str, ...]] = ("sqlite3",)
    paramstyle: ClassVar[str] = "qmark"
    reserved_words: ClassVar[frozenset[str]] = SQLITE_RESERVED_WORDS
    supports_skip_locked: ClassVar[bool] = False
    add_columns_in_one_statement: ClassVar[bool] = False
    supports_returning: ClassVar[bool] = True
    transactional_ddl: ClassVar[bool] = True
    in_process: ClassVar[bool] = True
    direct_insert_if_absent: ClassVar[bool] = True
    isolation: ClassVar[str] = "file"
    temp_table_keyword: ClassVar[str] = "TEMP"
    type_map: ClassVar[dict[TypeKind, str]] = {
        TypeKind.ID: "VARCHAR(64)",
        TypeKind.STR: "VARCHAR({n})",
        TypeKind.TEXT: "TEXT",
        TypeKind.INT: "INTEGER",
        TypeKind.BIGINT: "BIGINT",
        TypeKind.FLOAT: "REAL",
        TypeKind.BOOL: "INTEGER",
        TypeKind.JSON: "TEXT",
        TypeKind.TS: "TEXT",
    }

    def now(self) -> str:
        """Current UTC time as text in the stored format (millisecond precision)."""
        return "strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')"

    def _encode_utc(self, dt: datetime) -> Any:
        return dt.isoformat(timespec="microseconds")

    def limit_offset(self, limit: int | None, offset: int = 0) -> str:
        if limit is None:
            offset = self._check_count(offset, "offset")
            return f"LIMIT -1 OFFSET {offset}" if offset else ""
        return super().limit_offset(limit, offset)

    def for_update_skip_locked(self) -> str:
        """Empty: SQLite locks the whole database; claim inside ``BEGIN IMMEDIATE``."""
        return ""

    def identity_column_sql(self, name: str) -> str:
        return f"{self.quote(name)} INTEGER PRIMARY KEY AUTOINCREMENT"

    def table_exists_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        schema, table = self._split_name(name)
        master = f"{self.quote(schema)}.sqlite_master" if schema else "sqlite_master"
        return (
            f"SELECT 1 FROM {master} WHERE type = 'table' AND name = ?",  # noqa: S608
            (table,),
        )

    def indexes_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        """Index columns from the ``pragma_index_list`` / ``pragma_index_info`` functions."""
        schema, name = self._split_name(table)
        where = " WHERE il.schema = ?" if schema else ""
        params: tuple[Any, ...] = (name, schema) if schema else (name,)
        return (
            'SELECT il.name, ii.name, ii.seqno + 1, il."unique", il.partial '  # noqa: S608
            "FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii"
            f"{where} ORDER BY il.name, ii.seqno",
            params,
        )

    def list_tables_sql(self, schema: str | None = None) -> tuple[str, tuple[Any, ...]]:
        master = f"{self.quote(schema)}.sqlite_master" if schema else "sqlite_master"
        return f"SELECT name FROM {master} WHERE type = 'table'", ()  # noqa: S608

    # ------------------------------------------------------------------ cross-process locks
    named_lock_kind: ClassVar[str] = "transaction"
    """SQLite has one database write lock: ``BEGIN IMMEDIATE`` takes it for a transaction
    (DDL included), which serialises writers across processes."""
