"""Resilience state shared by every worker through the database: circuit breakers
(``core_circuit_breakers``) and the global token-bucket rate limiter (``core_rate_limits``).

Each change runs in one transaction holding the row's lock (taken by a no-op ``UPDATE``;
on SQLite the write lock of ``BEGIN IMMEDIATE``), so a breaker trips once for all workers and
``N/s`` holds across processes and machines. Times are the workers' clocks
(``time.time()``): keep them in sync (NTP) to well under the limits' periods.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from spine.db import transaction
from spine.db.connection import as_spine_connection
from spine.execution._sql_base import SqlStore, conn_state
from spine.execution.circuit_breaker import BreakerState, CircuitState
from spine.execution.rate_limit import Grant
from spine.types import DatabaseConnectionError, IntegrityError, ValidationError
from spine.types.timestamps import utc_now

__all__ = ["SqlBreakerStore", "SqlTokenBucketStore"]

T = TypeVar("T")

_MAX_KEY = 255


def _check_key(what: str, key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY:
        raise ValidationError(f"{what} must be a str of 1..{_MAX_KEY} chars, got {key!r}")
    return key


class _RowLocking(SqlStore):
    """Lock one keyed row for the transaction, creating it first when missing."""

    table: str
    key_column: str
    lock_column: str
    columns: tuple[str, ...]

    def __init__(self, conn: Any, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(conn)
        self._seconds = clock

    def now(self) -> float:
        """The store's clock in seconds (``time.time`` unless given)."""
        return self._seconds()

    def _select(self, key: str) -> tuple[Any, ...] | None:
        cols = ", ".join(self.columns)
        return self.one(
            f"SELECT {cols} FROM {self.table} WHERE {self.key_column} = ?",  # noqa: S608 - constant identifiers, bound values
            (key,),
        )

    def _locked_row(self, key: str, initial: tuple[Any, ...]) -> tuple[Any, ...]:
        """Inside a write scope: the row of ``key`` (``initial`` values when it is new),
        locked until the transaction ends."""
        for _ in range(5):
            self.run(
                f"UPDATE {self.table} SET {self.lock_column} = {self.lock_column} "  # noqa: S608 - constant identifiers, bound values
                f"WHERE {self.key_column} = ?",
                (key,),
            ).close()
            row = self._select(key)
            if row is not None:
                return row
            cols = ", ".join((self.key_column, *self.columns, "updated_at"))
            marks = ", ".join("?" for _ in range(len(self.columns) + 2))
            try:
                with transaction(self.conn):  # a savepoint: a lost race is retried
                    self.run(
                        f"INSERT INTO {self.table} ({cols}) VALUES ({marks})",  # noqa: S608 - constant identifiers, bound values
                        (key, *initial, self.ts(utc_now())),
                    ).close()
                return initial
            except IntegrityError:
                continue
        raise ValidationError(  # pragma: no cover - five lost races in a row
            f"{self.table} row {key!r} kept changing; try again"
        )

    def _store(self, key: str, values: tuple[Any, ...]) -> None:
        sets = ", ".join(f"{c} = ?" for c in self.columns)
        self.run(
            f"UPDATE {self.table} SET {sets}, updated_at = ? WHERE {self.key_column} = ?",  # noqa: S608 - constant identifiers, bound values
            (*values, self.ts(utc_now()), key),
        ).close()


class SqlBreakerStore(_RowLocking):
    """Circuit breaker states in ``core_circuit_breakers``: every worker on the database
    sees one breaker per name (a :class:`~spine.execution.circuit_breaker.BreakerStateStore`).

    Each call of a guarded function reads the state once and changes it in a short
    transaction; share it for dependencies whose outages every worker should feel at once.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (one per worker).
        clock: Seconds, shared by the workers (default ``time.time``).

    Example:
        >>> from spine.db import connect, install_schema
        >>> from spine.execution import CircuitBreaker
        >>> conn = connect("memory")
        >>> _ = install_schema(conn, ["spine-exec"])
        >>> store = SqlBreakerStore(conn)
        >>> a = CircuitBreaker("finra-api", failure_threshold=1, store=store)
        >>> b = CircuitBreaker("finra-api", failure_threshold=1, store=store)  # another worker
        >>> a.record_failure(ConnectionError("503"))
        >>> b.state.value
        'open'
    """

    table = "core_circuit_breakers"
    key_column = "breaker_name"
    lock_column = "failure_count"
    columns = (
        "state",
        "failure_count",
        "success_count",
        "probe_count",
        "opened_at",
        "half_open_at",
    )

    @staticmethod
    def _values(state: BreakerState) -> tuple[Any, ...]:
        return (
            state.state.value,
            state.failures,
            state.successes,
            state.probes,
            state.opened_at,
            state.half_open_at,
        )

    @staticmethod
    def _decode(row: tuple[Any, ...]) -> BreakerState:
        return BreakerState(
            CircuitState(row[0]),
            int(row[1]),
            int(row[2]),
            int(row[3]),
            None if row[4] is None else float(row[4]),
            None if row[5] is None else float(row[5]),
        )

    def get(self, name: str) -> BreakerState:
        """See :meth:`spine.execution.circuit_breaker.BreakerStateStore.get`."""
        with self.reading():
            row = self._select(_check_key("breaker name", name))
        return BreakerState() if row is None else self._decode(row)

    def update(
        self, name: str, change: Callable[[BreakerState, float], tuple[BreakerState, T]]
    ) -> T:
        """See :meth:`spine.execution.circuit_breaker.BreakerStateStore.update`."""
        _check_key("breaker name", name)

        def run() -> T:
            row = self._locked_row(name, self._values(BreakerState()))
            current = self._decode(row)
            new, answer = change(current, self.now())
            if new != current:
                self._store(name, self._values(new))
            return answer

        return self.retrying(run)

    def __repr__(self) -> str:
        return f"SqlBreakerStore({self.dialect.name})"


class SqlTokenBucketStore(_RowLocking):
    """Token buckets in ``core_rate_limits``: a **global** rate limit shared by every
    worker on the database (a :class:`~spine.execution.rate_limit.TokenBucketStore`).

    Each ``take`` is one short transaction on the bucket's row, so ``N/s`` holds across
    processes and machines (measured: 3 processes on PostgreSQL within 10% of the rate).
    A take costs a commit: use it for limits of tens to hundreds per second (an external
    API's quota); the Redis store serves higher rates.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (one per worker).
        clock: Seconds, shared by the workers (default ``time.time``).
        reconnect: Opens a new connection when the store's own was lost (a restart, a
            killed session): the request is then tried once more on it, so a worker's
            limit outlives a dropped connection. Without it a lost connection raises.

    Example:
        >>> from spine.db import connect, install_schema
        >>> from spine.execution import TokenBucketLimiter
        >>> conn = connect("memory")
        >>> _ = install_schema(conn, ["spine-exec"])
        >>> store = SqlTokenBucketStore(conn)
        >>> finra = TokenBucketLimiter(rate=10, capacity=2, key="finra-api", store=store)
        >>> [finra.try_acquire() for _ in range(3)]
        [True, True, False]
    """

    table = "core_rate_limits"
    key_column = "limit_key"
    lock_column = "tokens"
    columns = ("tokens", "refilled_at")

    def __init__(
        self,
        conn: Any,
        *,
        clock: Callable[[], float] = time.time,
        reconnect: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(conn, clock=clock)
        if reconnect is not None and not callable(reconnect):
            raise ValidationError(f"reconnect must open a connection, got {reconnect!r}")
        self._reconnect = reconnect

    def _run(self, fn: Callable[[], T]) -> T:
        """``fn`` as one write; on a lost connection, once more on a new one (when the
        store can reconnect)."""
        try:
            return self.retrying(fn)
        except (DatabaseConnectionError, OSError):
            if self._reconnect is None:
                raise
        with contextlib.suppress(Exception):
            self.conn.close()
        self.conn = as_spine_connection(self._reconnect())
        self.dialect = self.conn.dialect
        self._state = conn_state(self.conn)
        return self.retrying(fn)

    def take(self, key: str, tokens: float, rate: float, capacity: float) -> Grant:
        """See :meth:`spine.execution.rate_limit.TokenBucketStore.take`."""
        _check_key("rate limit key", key)

        def run() -> Grant:
            row = self._locked_row(key, (float(capacity), self.now()))
            # "now" is read once the row is locked: a time read before waiting for the lock
            # could be older than the holder's, and the refill would count it twice.
            level, last = float(row[0]), float(row[1])
            now = max(self.now(), last)
            level = min(capacity, level + (now - last) * rate)
            if level >= tokens:
                self._store(key, (level - tokens, now))
                return Grant(True)
            self._store(key, (level, now))
            return Grant(False, (tokens - level) / rate)

        return self._run(run)

    def give_back(self, key: str, tokens: float, rate: float, capacity: float) -> None:
        """See :meth:`spine.execution.rate_limit.TokenBucketStore.give_back`."""
        _check_key("rate limit key", key)

        def run() -> None:
            row = self._locked_row(key, (float(capacity), self.now()))
            self._store(key, (min(capacity, float(row[0]) + tokens), float(row[1])))

        self._run(run)

    def __repr__(self) -> str:
        return f"SqlTokenBucketStore({self.dialect.name})"
