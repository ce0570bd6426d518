"""SQLite driver glue (stdlib ``sqlite3``, always available).

Connections keep ``sqlite3``'s default transaction handling (a transaction is opened before
the first data-modifying statement; :func:`spine.db.transaction` opens one explicitly so DDL
is transactional too), enable foreign keys, wait ``busy_timeout`` seconds for locks, and put
file databases in WAL mode (readers do not block the writer).

Options: ``busy_timeout`` (seconds, default 5), ``journal_mode`` (default ``"wal"`` for files,
``None`` to leave it), ``check_same_thread`` (default ``False``: spine connections may be
handed between threads, one at a time), ``foreign_keys`` (default ``True``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from spine.db.drivers.base import ConnectOptions, Driver, ErrorKind
from spine.db.url import DatabaseURL
from spine.types import InvalidConfigError

__all__ = ["SQLiteDriver"]

_JOURNAL_MODES = {"delete", "truncate", "persist", "memory", "wal", "off"}
_QUERY_HINTS = ("syntax error", "no such", "has no column", "already exists", "incomplete input")
_CONNECTION_HINTS = ("unable to open", "disk i/o", "not a database", "closed")


class SQLiteDriver(Driver):
    """Glue for the stdlib ``sqlite3`` module."""

    name: ClassVar[str] = "sqlite"
    module_name: ClassVar[str] = "sqlite3"
    extra: ClassVar[str] = ""
    option_names: ClassVar[frozenset[str]] = frozenset(
        {"busy_timeout", "journal_mode", "check_same_thread", "foreign_keys"}
    )

    def error_types(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def connect(
        self, url: DatabaseURL, *, timeout: float, schema: str | None, options: ConnectOptions
    ) -> Any:
        self.check_options(options)
        if schema is not None:
            raise InvalidConfigError("the schema= option is not supported on SQLite")
        busy = float(options.get("busy_timeout", 5.0))
        raw = sqlite3.connect(
            url.database or ":memory:",
            timeout=busy,
            check_same_thread=bool(options.get("check_same_thread", False)),
        )
        try:
            if options.get("foreign_keys", True):
                raw.execute("PRAGMA foreign_keys = ON")
            journal = options.get("journal_mode", None if url.is_memory else "wal")
            if journal is not None:
                mode = str(journal).lower()
                if mode not in _JOURNAL_MODES:
                    raise InvalidConfigError(f"invalid SQLite journal_mode {journal!r}")
                raw.execute(f"PRAGMA journal_mode = {mode}")
        except BaseException:
            raw.close()
            raise
        return raw

    def new_cursor(self, raw: Any) -> Any:
        cur = raw.cursor()
        if cur.row_factory is not None:
            cur.row_factory = None  # rows are plain tuples on every backend
        return cur

    def sqlstate(self, exc: BaseException) -> str | None:
        name = getattr(exc, "sqlite_errorname", None)
        return name if isinstance(name, str) else None

    def classify(self, exc: BaseException) -> ErrorKind:
        name = self.sqlstate(exc) or ""
        message = str(exc).lower()
        if isinstance(exc, sqlite3.IntegrityError) or name.startswith("SQLITE_CONSTRAINT"):
            return ErrorKind.INTEGRITY
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in message:
            return ErrorKind.TRANSIENT
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_NOTADB")) or any(
            h in message for h in _CONNECTION_HINTS
        ):
            return ErrorKind.CONNECTION
        if isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError | sqlite3.DataError):
            return ErrorKind.QUERY
        if name == "SQLITE_ERROR" or any(h in message for h in _QUERY_HINTS):
            return ErrorKind.QUERY
        return ErrorKind.OTHER

    def bulk_insert(
        self,
        raw: Any,
        insert_sql: str,
        table_sql: str,
        columns_sql: str,
        rows: Iterable[Sequence[Any]],
        chunk_size: int | None,
    ) -> int:
        if chunk_size is not None:
            return super().bulk_insert(raw, insert_sql, table_sql, columns_sql, rows, chunk_size)
        cur = raw.executemany(insert_sql, rows)  # one call: sqlite3 consumes the iterator in C
        count: int = cur.rowcount
        cur.close()
        return count
