"""Cross-process named locks, taken the backend's own way (see ``Dialect.named_lock_kind``).

:func:`named_lock` serialises work that must not run twice at once in several processes (the
migration runner, :func:`spine.db.schema.install_schema`) on every backend:

==============  ========================================================================
backend         lock
==============  ========================================================================
PostgreSQL      session advisory lock ``pg_try_advisory_lock`` (polled), per schema
MySQL/MariaDB   ``GET_LOCK`` on the name and the current database
Oracle          ``DBMS_LOCK.REQUEST`` (needs ``EXECUTE ON DBMS_LOCK``), per schema
Db2             a leased row of ``_spine_locks`` claimed by a committed ``UPDATE``
SQLite          none needed here: each step runs in a ``BEGIN IMMEDIATE`` transaction,
                which holds the database write lock (``lock_kind(conn) == "transaction"``)
==============  ========================================================================

The lock is held across commits (a server without transactional DDL commits around each
DDL statement), re-entrant per connection, and released when the block exits - or when the
session ends (server locks) or the lease expires (lock rows, ``lease`` seconds, default one
hour) if the process dies. Where the server lock cannot be used (an Oracle user without
``EXECUTE ON DBMS_LOCK``) a lock row is used instead, with a warning logged
(``named_lock_fallback``). Waiting longer than ``timeout`` raises :class:`LockTimeoutError`
(retryable) naming the lock and what to do.

Example:
    >>> from spine.db import connect
    >>> conn = connect("memory")
    >>> with named_lock(conn, "nightly_rebuild"):
    ...     pass
    >>> lock_kind(conn)
    'transaction'
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from spine.db.connection import SpineConnection, as_spine_connection
from spine.db.dialects import Dialect
from spine.db.tabledef import STR, TS, Column, Table
from spine.types import (
    DatabaseConnectionError,
    DatabaseError,
    IntegrityError,
    QueryError,
    ValidationError,
)
from spine.types.logging import get_logger

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_LOCK_TIMEOUT",
    "LOCKS_TABLE",
    "LockTimeoutError",
    "lock_kind",
    "lock_sql",
    "named_lock",
]

DEFAULT_LOCK_TIMEOUT = 300.0
"""Seconds :func:`named_lock` waits for a lock held by another process."""

DEFAULT_LEASE = 3600.0
"""Seconds a lock row stays claimed when its holder dies without releasing it."""

LOCKS_TABLE = Table(
    "_spine_locks",
    columns=(
        Column("name", STR(200)),
        Column("owner", STR(200), nullable=True),
        Column("expires_at", TS, nullable=True),
    ),
    primary_key=("name",),
    description="Cross-process locks of backends without a usable server lock (Db2).",
)
"""The lock rows of ``named_lock_kind == "row"`` backends (created on first use)."""

_NOT_OBTAINED = "not obtained"
"""Text of the error a ``named_lock_reports == "raises"`` statement raises on a timeout."""

_log = get_logger(__name__)

_KINDS = ("session", "row", "transaction")
_HELD: dict[tuple[int, str], int] = {}
"""(id(connection), name) -> nesting depth of the locks this process holds."""


class LockTimeoutError(DatabaseError):
    """A cross-process lock was not obtained in time: another process holds it (retryable)."""

    default_retryable = True


def lock_kind(conn: Any) -> str:
    """How :func:`named_lock` locks on ``conn``'s backend: ``"session"``, ``"row"`` or
    ``"transaction"`` (the caller's ``BEGIN IMMEDIATE`` transactions serialise instead)."""
    return as_spine_connection(conn).dialect.named_lock_kind


def _owner() -> str:
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@contextmanager
def named_lock(
    conn: Any,
    name: str,
    *,
    timeout: float = DEFAULT_LOCK_TIMEOUT,
    lease: float = DEFAULT_LEASE,
    kind: str | None = None,
) -> Iterator[SpineConnection]:
    """Hold the cross-process lock ``name`` (per schema / database) for the block.

    Args:
        conn: The connection that holds the lock (the block's work may use it).
        name: Lock name (up to 100 characters).
        timeout: Seconds to wait for another holder.
        lease: Lock rows only: seconds after which a holder that died is presumed gone.
        kind: Override the dialect's ``named_lock_kind`` (``"row"`` works on every backend;
            used by tests).

    On an idle connection every lock statement is committed at once (the lock outlives
    commits); inside the caller's open transaction nothing is committed.

    Raises:
        LockTimeoutError: not obtained within ``timeout`` (retryable).
        ValidationError: a bad name, timeout or kind.
    """
    sc = as_spine_connection(conn)
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise ValidationError(f"lock name must be a str of 1..100 characters, got {name!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise ValidationError(f"lock timeout must be a number >= 0, got {timeout!r}")
    chosen = kind or sc.dialect.named_lock_kind
    if chosen not in _KINDS:
        raise ValidationError(f"lock kind must be one of {', '.join(_KINDS)}, got {chosen!r}")
    key = (id(sc), name)
    if chosen == "transaction" or key in _HELD:
        _HELD[key] = _HELD.get(key, 0) + 1
        try:
            yield sc
        finally:
            _release_depth(key)
        return
    commit = not sc.has_pending_writes
    owner = _owner()
    if chosen == "session":
        try:
            _acquire_session(sc, name, timeout, commit)
        except (LockTimeoutError, DatabaseConnectionError):
            raise
        except DatabaseError as exc:  # e.g. no EXECUTE ON DBMS_LOCK: a lock row instead
            if not commit:
                raise
            _log.warning(
                "named_lock_fallback",
                lock=name,
                backend=sc.dialect.name,
                reason=str(exc),
                fallback=f"row of {LOCKS_TABLE.name}",
            )
            chosen = "row"
    if chosen == "row":
        _acquire_row(sc, name, owner, timeout, lease, commit)
    _HELD[key] = 1
    try:
        yield sc
    finally:
        _release_depth(key)
        if key not in _HELD and not sc.closed:
            _release(sc, name, owner, chosen, commit)


def _release(sc: SpineConnection, name: str, owner: str, kind: str, commit: bool) -> None:
    """Release the lock; a statement refused because the block left the transaction failed
    (PostgreSQL) is retried after rolling that transaction back. Errors are swallowed: the
    session's end releases a server lock anyway, and a lock row's lease expires."""
    for attempt in (1, 2):
        try:
            if kind == "session":
                sql, params = sc.dialect.named_unlock_sql(name)
                sc.execute(sql, params).fetchall()
            else:
                _release_row(sc, name, owner)
            if commit and not sc.in_transaction_block:
                sc.commit()
            return
        except Exception:
            if attempt == 2 or sc.in_transaction_block or sc.closed:
                return
            with contextlib.suppress(Exception):
                sc.rollback()


def _release_depth(key: tuple[int, str]) -> None:
    depth = _HELD.get(key, 1) - 1
    if depth <= 0:
        _HELD.pop(key, None)
    else:
        _HELD[key] = depth


def _pause(delay: float, deadline: float) -> float:
    time.sleep(max(0.0, min(delay * (0.5 + random.random()), deadline - time.monotonic())))
    return min(delay * 2, 1.0)


def _timed_out(sc: SpineConnection, name: str, timeout: float, how: str) -> LockTimeoutError:
    return LockTimeoutError(
        f"{sc.dialect.name}: lock {name!r} not obtained within {timeout:g}s: another process "
        f"holds it ({how}). Wait for it to finish and run again, or raise the timeout; if no "
        "such process is running, see the spine-db README (Locks) to release it"
    ).with_context(lock=name, backend=sc.dialect.name, timeout=timeout)


def _acquire_session(sc: SpineConnection, name: str, timeout: float, commit: bool) -> None:
    d = sc.dialect
    deadline = time.monotonic() + timeout
    delay = 0.02
    polls = d.named_lock_reports == "row"  # else one statement waits the whole timeout
    while True:
        left = max(0, int(deadline - time.monotonic() + 0.999))
        wait = min(left, 5) if polls else left
        sql, params = d.named_lock_sql(name, wait)
        try:
            cur = sc.execute(sql, params)
            row = cur.fetchone() if d.named_lock_reports == "row" else (1,)
        except DatabaseError as exc:
            if commit:
                with contextlib.suppress(Exception):
                    sc.rollback()
            if not polls and _NOT_OBTAINED in str(exc):
                raise _timed_out(sc, name, timeout, "server lock") from exc
            raise
        if commit:
            sc.commit()
        if row is not None and row[0] is not None and bool(row[0]):
            return
        if time.monotonic() >= deadline:
            raise _timed_out(sc, name, timeout, "server lock")
        delay = _pause(delay, deadline)


def _insert_row_sql(d: Dialect) -> str:
    return d.upsert(
        LOCKS_TABLE.name,
        ["name"],
        ["name"],
        update_columns=[],
        column_types={c.name: c.type for c in LOCKS_TABLE.columns},
    )


def _claim_row_sql(d: Dialect) -> str:
    q, p = d.quote, d.placeholder
    return (
        f"UPDATE {q(LOCKS_TABLE.name)} SET {q('owner')} = {p(0)}, {q('expires_at')} = {p(1)} "  # noqa: S608 - validated identifiers
        f"WHERE {q('name')} = {p(2)} AND ({q('owner')} IS NULL OR {q('expires_at')} < {p(3)})"
    )


def _release_row_sql(d: Dialect) -> str:
    q, p = d.quote, d.placeholder
    return (
        f"UPDATE {q(LOCKS_TABLE.name)} SET {q('owner')} = NULL, {q('expires_at')} = NULL "  # noqa: S608 - validated identifiers
        f"WHERE {q('name')} = {p(0)} AND {q('owner')} = {p(1)}"
    )


def lock_sql(dialect: Dialect, name: str = "spine_migrations") -> list[tuple[str, str]]:
    """``(label, SQL)`` of every statement :func:`named_lock` runs on ``dialect`` with its
    native kind (what the golden tests pin for Oracle and Db2).

    Example:
        >>> from spine.db import get_dialect
        >>> [label for label, _ in lock_sql(get_dialect("mysql"))]
        ['kind', 'acquire', 'release']
    """
    kind = dialect.named_lock_kind
    out = [("kind", f"-- {kind}")]
    if kind == "session":
        out.append(("acquire", dialect.named_lock_sql(name, 5)[0]))
        out.append(("release", dialect.named_unlock_sql(name)[0]))
    elif kind == "row":
        out += [
            (
                "lock table",
                "\n".join(dialect.create_table_statements(LOCKS_TABLE, if_not_exists=True)),
            ),
            ("lock row", _insert_row_sql(dialect)),
            ("acquire", _claim_row_sql(dialect)),
            ("release", _release_row_sql(dialect)),
        ]
    else:
        out.append(("acquire", "BEGIN IMMEDIATE"))
    return out


def _ensure_lock_row(sc: SpineConnection, name: str) -> None:
    from spine.db.schema.catalog import table_exists
    from spine.db.schema.ops import create_table

    if not table_exists(sc, LOCKS_TABLE.name):
        try:
            create_table(sc, LOCKS_TABLE)
        except QueryError:
            if not table_exists(sc, LOCKS_TABLE.name):  # not created meanwhile by another
                raise
    with contextlib.suppress(IntegrityError):  # inserted meanwhile by another process
        sc.execute(_insert_row_sql(sc.dialect), (name,))


def _acquire_row(
    sc: SpineConnection, name: str, owner: str, timeout: float, lease: float, commit: bool
) -> None:
    d = sc.dialect
    _ensure_lock_row(sc, name)
    if commit:
        sc.commit()
    claim = _claim_row_sql(d)
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        now = datetime.now(UTC)
        params = (
            owner,
            d.encode_timestamp(now + timedelta(seconds=lease)),
            name,
            d.encode_timestamp(now),
        )
        taken = sc.execute(claim, params).rowcount == 1
        if commit:
            sc.commit()
        if taken:
            return
        if time.monotonic() >= deadline:
            raise _timed_out(sc, name, timeout, f"row of {LOCKS_TABLE.name}")
        delay = _pause(delay, deadline)


def _release_row(sc: SpineConnection, name: str, owner: str) -> None:
    sc.execute(_release_row_sql(sc.dialect), (name, owner))
