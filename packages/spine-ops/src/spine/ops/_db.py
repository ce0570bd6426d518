"""Thin internal facade over spine-db used by every persistent primitive.

One place that knows how spine-ops talks to a connection: dialect look-up, placeholders,
timestamp encoding, identifier validation, ``query -> list[dict]``, bulk inserts and
transaction scoping. All values are bound as parameters; every caller-supplied identifier
passes through :func:`ident` (spine-db's ``validate_identifier``) or ``dialect.quote``.

Transactions:

- Writes run in :meth:`OpsDb.write` = ``spine.db.transaction(conn)`` (``BEGIN IMMEDIATE`` on
  SQLite): committed when the
  primitive is called on its own, a **savepoint** when the caller already runs a
  ``transaction(conn)`` block (the caller's commit then decides, and a failing primitive
  rolls back only its own work).
- Reads end the transaction they implicitly opened (when the connection was idle before and
  no block is active), so a long-lived connection never sits "idle in transaction" on
  PostgreSQL and never reads from a stale REPEATABLE READ snapshot on MySQL/MariaDB
  (a poller of ``manifest.is_at_least`` sees other workers' progress).
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from spine.db import BaseRepository, Dialect, SpineConnection, transaction, validate_identifier
from spine.db.encoding import decode_text as read_text
from spine.types import Connection, DatabaseConnectionError, DatabaseError, ValidationError

T = TypeVar("T")

__all__ = ["OpsDb", "check_name", "ident", "read_text"]


def ident(name: str) -> str:
    """Validate a caller-supplied identifier (table or column) and return it unchanged.

    Raises:
        ValidationError: not a plain identifier (``"t; DROP TABLE x"``, quotes, spaces...).
    """
    validate_identifier(name)
    return name


def check_name(value: object, what: str, max_len: int) -> str:
    """Return ``value`` when it is a str of 1..``max_len`` chars (a domain, source, stage...).

    Raises:
        ValidationError: anything else, naming ``what``.
    """
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValidationError(f"{what} must be a str of 1..{max_len} chars, got {value!r}")
    return value


class OpsDb:
    """Connection + dialect + repository bundle (internal)."""

    __slots__ = ("conn", "dialect", "name", "repo")

    def __init__(self, conn: Connection | SpineConnection) -> None:
        self.repo = BaseRepository(conn)
        self.conn: SpineConnection = self.repo.conn
        self.dialect: Dialect = self.repo.dialect
        self.name: str = self.dialect.name

    # -- SQL rendering -------------------------------------------------------------------
    def ph(self, index: int = 0) -> str:
        return self.dialect.placeholder(index)

    def phs(self, n: int, start: int = 0) -> str:
        return self.dialect.placeholders(n, start)

    def q(self, name: str) -> str:
        """Validate and render a caller-supplied identifier (quoted if reserved)."""
        return self.dialect.quote(name)

    # -- transaction scoping -------------------------------------------------------------
    def _idle(self) -> bool:
        """Whether the connection has no open transaction (False when unknown)."""
        if self.conn.in_transaction_block:
            return False
        raw = self.conn.raw
        try:
            if self.name in ("sqlite", "mysql"):
                return not bool(raw.in_transaction)
            if self.name == "postgresql":
                return int(raw.info.transaction_status) == 0
        except Exception:  # an unusual raw connection: keep the transaction as it is
            return False
        return False

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Scope of reads: ends the implicit transaction they opened on an idle connection."""
        idle = self._idle()
        yield
        if idle:
            self.conn.commit()

    @contextmanager
    def write(self) -> Iterator[None]:
        """``spine.db.transaction``: commit / rollback, or a savepoint inside a caller block.

        On SQLite an outermost write starts with ``BEGIN IMMEDIATE`` (when no transaction is
        open yet): the write lock is taken up front and a concurrent writer waits for
        ``busy_timeout`` instead of failing on a read-to-write lock upgrade.
        """
        immediate = (
            self.name == "sqlite"
            and not self.conn.in_transaction_block
            and not bool(getattr(self.conn.raw, "in_transaction", True))
        )
        with transaction(self.conn, immediate=immediate):
            yield

    def write_retrying(self, fn: Callable[[], T], attempts: int = 4) -> T:
        """Run ``fn`` in :meth:`write`; when it fails with a retryable database error
        (deadlock, serialization failure, lock timeout) and no caller block is active, roll
        back and run it again (``fn`` must be idempotent). Inside a caller's block the error
        propagates: MySQL has already rolled back the caller's whole transaction."""
        for attempt in range(1, attempts + 1):
            outermost = not self.conn.in_transaction_block
            try:
                with self.write():
                    return fn()
            except DatabaseError as exc:
                if not (exc.retryable and outermost) or attempt == attempts:
                    raise
                if isinstance(exc, DatabaseConnectionError):
                    raise
                time.sleep(0.005 * attempt * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def release(self) -> None:
        """End the current implicit transaction unless a caller's block is active."""
        if not self.conn.in_transaction_block:
            self.conn.commit()

    # -- execution -----------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, tuple(params))

    def rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.conn.execute(sql, tuple(params))
        n = cur.rowcount
        cur.close()
        return int(n) if n is not None and n >= 0 else 0

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.reading():
            return self.repo.query(sql, tuple(params))

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        with self.reading():
            return self.repo.query_one(sql, tuple(params))

    def insert_tuples(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> int:
        """Bulk insert of tuples in ``columns`` order (``COPY`` on PostgreSQL)."""
        return self.conn.insert_rows(table, columns, rows)

    def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        return self.repo.insert_many(table, rows)

    # -- encoding ------------------------------------------------------------------------
    def encode_ts(self, value: _dt.datetime) -> Any:
        return self.dialect.encode_timestamp(value)

    def decode_ts(self, value: Any) -> _dt.datetime | None:
        if value is None:
            return None
        return self.dialect.decode_timestamp(value)
