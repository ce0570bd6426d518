"""SQL concurrency locks over ``core_concurrency_locks``: one runner per key, across processes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from spine.execution._sql_base import SqlStore
from spine.execution.locks import DEFAULT_TTL, LockInfo, check_lock_args
from spine.execution.schema import CORE_CONCURRENCY_LOCKS
from spine.types.timestamps import utc_now

__all__ = ["ConcurrencyGuard", "SqlLockGuard"]

_COLUMNS = "lock_key, owner, execution_id, acquired_at, expires_at, depth"


class SqlLockGuard(SqlStore):
    """Expiring, re-entrant locks in ``core_concurrency_locks``, shared by every process
    on the database (``ConcurrencyGuard(conn)``).

    Implements :class:`spine.execution.locks.LockGuard` (same contract suite as the
    in-memory twin). Acquiring a free lock is one insert-if-absent that the primary key makes
    exclusive (two processes racing for it get exactly one winner); a held one is one guarded
    ``UPDATE`` (the lock is yours: re-entrant; or it expired: a holder that died is taken
    over once ``expires_at`` passes). Releasing is one ``DELETE`` (or a depth decrement).
    Times come from ``clock`` (the machines' clocks must agree within a fraction of the
    TTL).

    Args:
        conn: A :class:`~spine.db.SpineConnection` (its calls join the unit of work of the
            ledger on the same connection).
        clock: Source of "now" (UTC).

    Example:
        >>> from spine.db import connect, install_schema
        >>> conn = connect("memory")
        >>> _ = install_schema(conn, ["spine-exec"])
        >>> guard = SqlLockGuard(conn)
        >>> guard.acquire("finra.otc.ingest", "worker-1", ttl=60)
        True
        >>> guard.acquire("finra.otc.ingest", "worker-2", ttl=60)
        False
        >>> guard.release("finra.otc.ingest", "worker-1"), guard.get("finra.otc.ingest")
        (True, None)
    """

    def __init__(self, conn: Any, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(conn, clock=clock)
        self._insert_missing = self.dialect.upsert(
            "core_concurrency_locks",
            ("lock_key", "owner", "execution_id", "acquired_at", "expires_at", "depth"),
            ("lock_key",),
            update_columns=(),
            column_types={c.name: c.type for c in CORE_CONCURRENCY_LOCKS.columns},
        )

    def _info(self, row: tuple[Any, ...]) -> LockInfo:
        ts = self.dialect.decode_timestamp
        acquired, expires = ts(row[3]), ts(row[4])
        assert acquired is not None
        assert expires is not None
        return LockInfo(row[0], row[1], row[2], acquired, expires, int(row[5]))

    def acquire(
        self,
        lock_key: str,
        owner: str,
        *,
        ttl: float = DEFAULT_TTL,
        execution_id: str | None = None,
    ) -> bool:
        """See :meth:`spine.execution.locks.LockGuard.acquire`."""
        seconds = check_lock_args(lock_key, owner, ttl)
        now = self._clock()
        now_v, expires_v = self.ts(now), self.ts(now + timedelta(seconds=seconds))
        with self.writing():
            # A free lock: one insert-if-absent (no error, no savepoint when it is taken).
            if self.rowcount(
                self._insert_missing, (lock_key, owner, execution_id, now_v, expires_v, 1)
            ):
                return True
            # Re-entrant hold (depth + 1, expiry extended) or take-over of an expired lock.
            # Every branch changes ``depth`` or ``expires_at``, so the row count is exact
            # on every backend (MySQL counts changed rows, not matched ones).
            return bool(
                self.rowcount(
                    "UPDATE core_concurrency_locks SET "
                    "depth = CASE WHEN owner = ? AND expires_at > ? THEN depth + 1 ELSE 1 END, "
                    "acquired_at = CASE WHEN owner = ? AND expires_at > ? THEN acquired_at "
                    "ELSE ? END, "
                    "execution_id = CASE WHEN owner = ? AND expires_at > ? THEN execution_id "
                    "ELSE ? END, "
                    "expires_at = CASE WHEN expires_at > ? THEN expires_at ELSE ? END, "
                    "owner = ? "
                    "WHERE lock_key = ? AND (owner = ? OR expires_at <= ?)",
                    (
                        owner,
                        now_v,
                        owner,
                        now_v,
                        now_v,
                        owner,
                        now_v,
                        execution_id,
                        expires_v,
                        expires_v,
                        owner,
                        lock_key,
                        owner,
                        now_v,
                    ),
                )
            )

    def release(self, lock_key: str, owner: str) -> bool:
        """See :meth:`spine.execution.locks.LockGuard.release`."""
        check_lock_args(lock_key, owner)
        with self.writing():
            if self.rowcount(
                "DELETE FROM core_concurrency_locks "
                "WHERE lock_key = ? AND owner = ? AND depth <= 1",
                (lock_key, owner),
            ):
                return True
            return bool(
                self.rowcount(
                    "UPDATE core_concurrency_locks SET depth = depth - 1 "
                    "WHERE lock_key = ? AND owner = ? AND depth > 1",
                    (lock_key, owner),
                )
            )

    def refresh(self, lock_key: str, owner: str, *, ttl: float = DEFAULT_TTL) -> bool:
        """See :meth:`spine.execution.locks.LockGuard.refresh`."""
        seconds = check_lock_args(lock_key, owner, ttl)
        now = self._clock()
        expires_v = self.ts(now + timedelta(seconds=seconds))
        with self.writing():
            self.run(
                "UPDATE core_concurrency_locks SET expires_at = ? "
                "WHERE lock_key = ? AND owner = ? AND expires_at > ?",
                (expires_v, lock_key, owner, self.ts(now)),
            ).close()
            # Read back: MySQL reports 0 rows when the new expiry equals the old one.
            row = self.one(
                "SELECT expires_at FROM core_concurrency_locks WHERE lock_key = ? AND owner = ?",
                (lock_key, owner),
            )
        if row is None:
            return False
        expires = self.dialect.decode_timestamp(row[0])
        return expires is not None and expires > now

    def get(self, lock_key: str) -> LockInfo | None:
        """See :meth:`spine.execution.locks.LockGuard.get`."""
        with self.reading():
            row = self.one(
                f"SELECT {_COLUMNS} FROM core_concurrency_locks "  # noqa: S608 - constant identifiers, bound values
                "WHERE lock_key = ? AND expires_at > ?",
                (lock_key, self.ts(self._clock())),
            )
        return None if row is None else self._info(row)

    def list_locks(self) -> list[LockInfo]:
        """See :meth:`spine.execution.locks.LockGuard.list_locks`."""
        with self.reading():
            rows = self.all(
                f"SELECT {_COLUMNS} FROM core_concurrency_locks WHERE expires_at > ? "  # noqa: S608 - constant identifiers, bound values
                "ORDER BY lock_key",
                (self.ts(self._clock()),),
            )
        return [self._info(r) for r in rows]

    def cleanup_expired(self) -> int:
        """See :meth:`spine.execution.locks.LockGuard.cleanup_expired`."""
        with self.writing():
            return self.rowcount(
                "DELETE FROM core_concurrency_locks WHERE expires_at <= ?",
                (self.ts(self._clock()),),
            )

    def __repr__(self) -> str:
        return f"SqlLockGuard({self.dialect.name})"


ConcurrencyGuard = SqlLockGuard
"""The spec's name: ``ConcurrencyGuard(conn)`` is the SQL lock guard on a connection."""
