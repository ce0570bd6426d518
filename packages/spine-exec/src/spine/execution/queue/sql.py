"""The SQL work queue: every statement of ``core_work_items``, rendered by spine-db's dialects.

:class:`QueueSql` renders each statement for one dialect (placeholders, paging, the claim's
``FOR UPDATE SKIP LOCKED``); :class:`SqlWorkQueue` runs them on a spine connection. No
backend is named here: what differs per backend lives in ``spine.db.dialects``.

The claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` + ``UPDATE`` in one transaction on
PostgreSQL, MySQL 8 / MariaDB 10.6+, Oracle and Db2, so concurrent workers never receive the
same row and never wait for each other's locks. SQLite has no row locks: the claim runs in
:func:`spine.db.claim_transaction` (``BEGIN IMMEDIATE``), which serialises claimers on the
database's single write lock.

Example:
    >>> from spine.db import connect
    >>> from spine.db.schema import install_schema
    >>> from spine.execution.queue import NewWork, SqlWorkQueue
    >>> conn = connect("memory")
    >>> _ = install_schema(conn, ["spine-exec.queue"])
    >>> queue = SqlWorkQueue(conn)
    >>> item = queue.enqueue(NewWork("finra.otc.ingest", {"week_ending": "2025-12-26"}))
    >>> [(w.workflow, w.status.value, w.attempts) for w in queue.claim("worker-1")]
    [('finra.otc.ingest', 'running', 1)]
    >>> queue.complete("worker-1", [item.id]) == [item.id]
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from spine.db.connection import SpineConnection, as_spine_connection
from spine.db.dialects import Dialect
from spine.db.encoding import decode_text, require_aware
from spine.db.transaction import claim_rows, claim_transaction, reading, write
from spine.execution.queue.models import (
    MAX_ERROR,
    NewWork,
    WorkItem,
    WorkStatus,
    check_lanes,
    check_lease,
    check_owner,
)
from spine.execution.queue.schema import CORE_WORK_ITEMS, WORK_ITEM_COLUMNS
from spine.types import IntegrityError, ValidationError
from spine.types.timestamps import utc_now

__all__ = ["NOTIFY_CHANNEL", "QueueSql", "SqlWorkQueue"]

NOTIFY_CHANNEL = "spine_work_items"
"""The channel an enqueue notifies (with the lane) on backends with notifications, so idle
workers wake at once instead of at their next poll."""

_TABLE = CORE_WORK_ITEMS.name
_MAX_CLAIM = 10_000
_S = WorkStatus


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _MAX_CLAIM:
        raise ValidationError(f"limit must be an int in 1..{_MAX_CLAIM}, got {limit!r}")
    return limit


def _claim_order(item: WorkItem) -> tuple[int, datetime, str]:
    """The claim order (``priority DESC, run_after, id``) of a claimed item."""
    return (-item.priority, item.run_after, item.id)


def _ids(item_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(item_ids))
    for item_id in ids:
        if not isinstance(item_id, str) or not item_id:
            raise ValidationError(f"item ids must be non-empty strs, got {item_id!r}")
    return ids


class QueueSql:
    """Every queue statement for one dialect (rendered once, cached per shape).

    Example:
        >>> from spine.db import get_dialect
        >>> QueueSql(get_dialect("postgresql")).complete(2)
        'UPDATE core_work_items SET status = %s, lease_expires_at = NULL, completed_at = %s, updated_at = %s WHERE status = %s AND lease_owner = %s AND id IN (%s, %s)'
    """  # noqa: E501

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        d = dialect
        self.table = d.quote(_TABLE)
        self.columns = d.quote_list(WORK_ITEM_COLUMNS)
        self.insert = d.insert_sql(_TABLE, WORK_ITEM_COLUMNS)
        self.by_id = f"SELECT {self.columns} FROM {self.table} WHERE id = {d.placeholder(0)}"  # noqa: S608
        self.by_key = (
            f"SELECT {self.columns} FROM {self.table} "  # noqa: S608
            f"WHERE idempotency_key = {d.placeholder(0)}"
        )
        p = d.placeholder
        self.fail = (
            f"UPDATE {self.table} SET status = {p(0)}, last_error = {p(1)}, "  # noqa: S608
            f"lease_expires_at = NULL, completed_at = {p(2)}, updated_at = {p(3)} "
            f"WHERE id = {p(4)} AND status = {p(5)} AND lease_owner = {p(6)}"
        )
        self.reschedule = (
            f"UPDATE {self.table} SET status = {p(0)}, run_after = {p(1)}, "  # noqa: S608
            f"last_error = {p(2)}, lease_expires_at = NULL, updated_at = {p(3)} "
            f"WHERE id = {p(4)} AND status = {p(5)} AND lease_owner = {p(6)}"
        )
        self.defer = (
            f"UPDATE {self.table} SET status = {p(0)}, run_after = {p(1)}, "  # noqa: S608
            f"attempts = attempts - 1, last_error = COALESCE(last_error, {p(2)}), "
            f"lease_expires_at = NULL, updated_at = {p(3)} "
            f"WHERE id = {p(4)} AND status = {p(5)} AND lease_owner = {p(6)} AND attempts > 0"
        )
        self.release = (
            f"UPDATE {self.table} SET status = {p(0)}, run_after = {p(1)}, "  # noqa: S608
            f"last_error = {p(2)}, lease_expires_at = NULL, completed_at = {p(3)}, "
            f"updated_at = {p(4)} WHERE id = {p(5)} AND status = {p(6)}"
        )
        self.cancel = (
            f"UPDATE {self.table} SET status = {p(0)}, completed_at = {p(1)}, "  # noqa: S608
            f"updated_at = {p(2)} WHERE id = {p(3)} AND status = {p(4)}"
        )
        self.counts_all = f"SELECT status, COUNT(*) FROM {self.table} GROUP BY status"  # noqa: S608
        self.counts_lane = (
            f"SELECT status, COUNT(*) FROM {self.table} "  # noqa: S608
            f"WHERE lane = {p(0)} GROUP BY status"
        )
        self.claim_order = "priority DESC, run_after, id"

    def _in(self, n: int, start: int) -> str:
        return self.d.placeholders(n, start=start)

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one QueueSql per dialect, kept for the process
    def claim_where(self, lanes: int, start: int = 0) -> str:
        """The claim's filter: due pending items (of ``lanes`` lanes when > 0); binds
        ``(status, now, *lanes)`` (its placeholders numbered from ``start``)."""
        p = self.d.placeholder
        where = f"status = {p(start)} AND run_after <= {p(start + 1)}"
        if lanes:
            where += f" AND lane IN ({self._in(lanes, start + 2)})"
        return where

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def claim_select(self, limit: int, lanes: int = 0) -> str:
        """The locking claim query (``FOR UPDATE SKIP LOCKED`` where the backend has it)."""
        return self.d.select_for_claim(
            _TABLE, WORK_ITEM_COLUMNS, self.claim_where(lanes), self.claim_order, limit
        )

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def claim_returning(self, limit: int, lanes: int = 0) -> str | None:
        """The whole claim as one statement where the backend returns updated rows
        (``dialect.update_picked_sql`` of the locking claim query), else ``None``;
        binds ``(running, owner, lease_expires_at, now, now, pending, now, *lanes)``."""
        p = self.d.placeholder
        pick = self.d.select_for_claim(
            _TABLE, ["id"], self.claim_where(lanes, 5), self.claim_order, limit
        )
        return self.d.update_picked_sql(
            _TABLE,
            f"status = {p(0)}, lease_owner = {p(1)}, lease_expires_at = {p(2)}, "
            f"heartbeat_at = {p(3)}, attempts = attempts + 1, updated_at = {p(4)}",
            "id",
            pick,
            WORK_ITEM_COLUMNS,
        )

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def mark_claimed(self, n: int) -> str:
        """Claimed rows become running: binds ``(status, owner, lease_expires_at, now, now,
        *ids)``."""
        p = self.d.placeholder
        return (
            f"UPDATE {self.table} SET status = {p(0)}, lease_owner = {p(1)}, "  # noqa: S608
            f"lease_expires_at = {p(2)}, heartbeat_at = {p(3)}, attempts = attempts + 1, "
            f"updated_at = {p(4)} WHERE id IN ({self._in(n, 5)})"
        )

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def heartbeat(self, n: int) -> str:
        """Extend held leases: binds ``(lease_expires_at, now, now, status, owner, *ids)``."""
        p = self.d.placeholder
        return (
            f"UPDATE {self.table} SET lease_expires_at = {p(0)}, heartbeat_at = {p(1)}, "  # noqa: S608
            f"updated_at = {p(2)} WHERE status = {p(3)} AND lease_owner = {p(4)} "
            f"AND id IN ({self._in(n, 5)})"
        )

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def held(self, n: int) -> str:
        """Ids among ``n`` in a status and owner: binds ``(status, owner, *ids)``."""
        p = self.d.placeholder
        return (
            f"SELECT id FROM {self.table} WHERE status = {p(0)} "  # noqa: S608
            f"AND lease_owner = {p(1)} AND id IN ({self._in(n, 2)})"
        )

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def complete(self, n: int, returning: bool = False) -> str:
        """Held items become completed: binds ``(status, now, now, running, owner, *ids)``;
        ``returning`` adds ``RETURNING id`` (backends that have it)."""
        p = self.d.placeholder
        sql = (
            f"UPDATE {self.table} SET status = {p(0)}, lease_expires_at = NULL, "  # noqa: S608
            f"completed_at = {p(1)}, updated_at = {p(2)} WHERE status = {p(3)} "
            f"AND lease_owner = {p(4)} AND id IN ({self._in(n, 5)})"
        )
        return f"{sql} RETURNING id" if returning else sql

    def expired_select(self, limit: int) -> str:
        """The locking query of running items whose lease expired; binds ``(status, now)``."""
        p = self.d.placeholder
        return self.d.select_for_claim(
            _TABLE,
            WORK_ITEM_COLUMNS,
            f"status = {p(0)} AND lease_expires_at < {p(1)}",
            "lease_expires_at, id",
            limit,
        )


@functools.lru_cache(maxsize=16)
def queue_sql(dialect: Dialect) -> QueueSql:
    """The (cached) :class:`QueueSql` of ``dialect``."""
    return QueueSql(dialect)


class SqlWorkQueue:
    """:class:`~spine.execution.queue.WorkQueue` over ``core_work_items`` (create the table
    with :func:`spine.db.schema.install_schema`).

    Not thread-safe (like its connection): use one per thread. Each method joins the
    caller's open transaction, or commits its own.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (or a raw DB-API connection).
        clock: "Now" (UTC) for leases and ``run_after`` (tests pass a fake clock).
        savepoints: Inside the caller's transaction, wrap each call in a savepoint (a
            failed call then leaves the caller's earlier work intact). The worker, which
            rolls back its whole unit of work on any error, turns them off.
    """

    def __init__(
        self, conn: Any, *, clock: Callable[[], datetime] = utc_now, savepoints: bool = True
    ) -> None:
        self.conn: SpineConnection = as_spine_connection(conn)
        self.sql = queue_sql(self.conn.dialect)
        self._clock = clock
        self._savepoints = savepoints

    @contextmanager
    def _write(self) -> Iterator[SpineConnection]:
        if not self._savepoints and self.conn.in_transaction_block:
            yield self.conn
            return
        with write(self.conn) as c:
            yield c

    @contextmanager
    def _claiming(self) -> Iterator[SpineConnection]:
        if not self._savepoints and self.conn.in_transaction_block:
            yield self.conn
            return
        with claim_transaction(self.conn) as c:
            yield c

    def __repr__(self) -> str:
        return f"SqlWorkQueue({self.conn!r})"

    # -- rows ----------------------------------------------------------------------------
    def _row(self, work: NewWork, now: Any) -> tuple[Any, ...]:
        """The row of ``work``; ``now`` is the current time already encoded (once per
        batch)."""
        enc = self.conn.dialect.encode_timestamp
        key, phash = work.encoded_partition
        return (
            work.item_id,
            work.workflow,
            work.lane,
            work.domain,
            key,
            phash,
            self.conn.dialect.encode_json(work.params),
            _S.PENDING.value,
            work.priority,
            now if work.run_after is None else enc(work.run_after),
            None,
            None,
            None,
            0,
            work.max_attempts,
            work.timeout,
            None,
            work.item_id,
            work.idempotency_key,
            now,
            now,
            None,
        )

    def _item(self, row: Sequence[Any]) -> WorkItem:
        d = self.conn.dialect
        ts = d.decode_timestamp
        (
            item_id,
            workflow,
            lane,
            domain,
            partition_key,
            _phash,
            payload,
            status,
            priority,
            run_after,
            lease_owner,
            lease_expires_at,
            heartbeat_at,
            attempts,
            max_attempts,
            timeout,
            last_error,
            _execution_id,
            idempotency_key,
            created_at,
            updated_at,
            completed_at,
        ) = row
        problems: list[str] = []
        params = _decoded(d, payload, "params payload", problems, empty={})
        key = decode_text(partition_key)
        partition = None if key is None else _decoded(d, key, "partition key", problems)
        return WorkItem(
            id=str(item_id),
            workflow=str(workflow),
            params=params if isinstance(params, dict) else {},
            lane=str(lane),
            priority=int(priority),
            run_after=ts(run_after),  # type: ignore[arg-type]
            status=WorkStatus(str(status)),
            attempts=int(attempts),
            max_attempts=int(max_attempts),
            created_at=ts(created_at),  # type: ignore[arg-type]
            updated_at=ts(updated_at),  # type: ignore[arg-type]
            lease_owner=lease_owner,
            lease_expires_at=ts(lease_expires_at),
            heartbeat_at=ts(heartbeat_at),
            last_error=decode_text(last_error),
            idempotency_key=idempotency_key,
            timeout=None if timeout is None else float(timeout),
            domain=domain,
            partition_key=partition if isinstance(partition, dict) else None,
            completed_at=ts(completed_at),
            row_error="; ".join(problems) or None,
        )

    # -- enqueue -------------------------------------------------------------------------
    def enqueue(self, work: NewWork) -> WorkItem:
        """Store ``work``; an existing ``idempotency_key`` returns the existing item."""
        if not isinstance(work, NewWork):
            raise ValidationError(f"enqueue takes a NewWork, got {type(work).__name__}")
        if work.idempotency_key is not None:
            existing = self._by_key(work.idempotency_key)
            if existing is not None:
                return existing
        now = self._clock()
        row = self._row(work, self.conn.dialect.encode_timestamp(now))
        try:
            with self._write() as c:
                c.execute(self.sql.insert, row)
                self._notify(c, work.lane)
        except IntegrityError:
            if work.idempotency_key is not None:  # a concurrent enqueue of the same key won
                existing = self._by_key(work.idempotency_key)
                if existing is not None:
                    return existing
            raise
        return self._item(row)  # what was stored, decoded as a read would (no round trip)

    @staticmethod
    def _notify(conn: SpineConnection, lane: str) -> None:
        """Wake idle workers when the transaction commits (where the backend can)."""
        if conn.dialect.supports_notify:
            conn.notify(NOTIFY_CHANNEL, lane)

    def _by_key(self, key: str) -> WorkItem | None:
        with reading(self.conn) as c:
            row = c.execute(self.sql.by_key, (key,)).fetchone()
        return None if row is None else self._item(row)

    def enqueue_many(self, works: Iterable[NewWork]) -> list[str]:
        """Store many items in one transaction with the backend's bulk path (``COPY`` on
        PostgreSQL); all or none.

        Raises:
            ValidationError: an element is not a :class:`NewWork`.
            IntegrityError: an id or idempotency key exists already (nothing stored).
        """
        now = self.conn.dialect.encode_timestamp(self._clock())
        rows: list[tuple[Any, ...]] = []
        given: Iterable[object] = works  # checked: callers pass anything
        for work in given:
            if not isinstance(work, NewWork):
                kind = type(work).__name__
                raise ValidationError(f"enqueue_many takes NewWork items, got {kind}")
            rows.append(self._row(work, now))
        if rows:
            with self._write() as c:
                c.insert_rows(_TABLE, WORK_ITEM_COLUMNS, rows)
                self._notify(c, str(rows[0][2]))
        return [row[0] for row in rows]

    def get(self, item_id: str) -> WorkItem | None:
        """The item, or ``None``."""
        with reading(self.conn) as c:
            row = c.execute(self.sql.by_id, (item_id,)).fetchone()
        return None if row is None else self._item(row)

    # -- claim and leases ----------------------------------------------------------------
    def claim(
        self,
        owner: str,
        *,
        limit: int = 1,
        lanes: Sequence[str] | None = None,
        lease_seconds: float = 30.0,
    ) -> list[WorkItem]:
        """Claim up to ``limit`` due items for ``owner`` (see :class:`WorkQueue`)."""
        owner = check_owner(owner)
        limit = _check_limit(limit)
        lane_list = check_lanes(lanes) or ()
        lease = check_lease(lease_seconds)
        d = self.conn.dialect
        now = self._clock()
        expires = now + timedelta(seconds=lease)
        at = d.encode_timestamp(now)
        params = (_S.PENDING.value, at, *lane_list)
        where = self.sql.claim_where(len(lane_list))
        in_one = self.sql.claim_returning(limit, len(lane_list))
        if in_one is not None:
            head = (_S.RUNNING.value, owner, d.encode_timestamp(expires), at, at)
            with self._claiming() as c:
                items = [self._item(row) for row in c.execute(in_one, (*head, *params)).fetchall()]
            items.sort(key=_claim_order)
            return items
        with self._claiming() as c:
            rows = claim_rows(
                c, _TABLE, WORK_ITEM_COLUMNS, where, self.sql.claim_order, limit, params
            )
            if not rows:
                return []
            ids = [row[0] for row in rows]
            c.execute(
                self.sql.mark_claimed(len(ids)),
                (
                    _S.RUNNING.value,
                    owner,
                    d.encode_timestamp(expires),
                    at,
                    at,
                    *ids,
                ),
            )
        claimed = {
            "status": _S.RUNNING,
            "lease_owner": owner,
            "lease_expires_at": expires,
            "heartbeat_at": now,
            "updated_at": now,
        }
        out = []
        for row in rows:
            item = self._item(row)
            state = dict(item.__dict__, **claimed)
            state["attempts"] = item.attempts + 1
            out.append(WorkItem(**state))
        return out

    def _held(self, owner: str, ids: list[str], status: WorkStatus) -> list[str]:
        rows = self.conn.execute(self.sql.held(len(ids)), (status.value, owner, *ids)).fetchall()
        found = {str(r[0]) for r in rows}
        return [i for i in ids if i in found]

    def heartbeat(
        self, owner: str, item_ids: Sequence[str], *, lease_seconds: float = 30.0
    ) -> list[str]:
        """Extend the leases ``owner`` still holds among ``item_ids``; return those ids."""
        owner = check_owner(owner)
        lease = check_lease(lease_seconds)
        ids = _ids(item_ids)
        if not ids:
            return []
        d = self.conn.dialect
        now = self._clock()
        with self._write() as c:
            c.execute(
                self.sql.heartbeat(len(ids)),
                (
                    d.encode_timestamp(now + timedelta(seconds=lease)),
                    d.encode_timestamp(now),
                    d.encode_timestamp(now),
                    _S.RUNNING.value,
                    owner,
                    *ids,
                ),
            )
            return self._held(owner, ids, _S.RUNNING)

    def complete(self, owner: str, item_ids: Sequence[str]) -> list[str]:
        """Mark the items ``owner`` still holds as completed; return their ids."""
        owner = check_owner(owner)
        ids = _ids(item_ids)
        if not ids:
            return []
        now = self.conn.dialect.encode_timestamp(self._clock())
        if self.conn.dialect.supports_returning or (
            not self._savepoints and self.conn.in_transaction_block
        ):  # exact in one statement, or no savepoint to undo the optimistic path below
            return self._complete_held(owner, ids, now)
        try:
            with self._write() as c:  # the usual case: every item is still held
                cur = c.execute(
                    self.sql.complete(len(ids)),
                    (_S.COMPLETED.value, now, now, _S.RUNNING.value, owner, *ids),
                )
                if cur.rowcount != len(ids):
                    raise _NotAllHeld  # undo, then complete exactly the held ones
                return ids
        except _NotAllHeld:
            pass
        return self._complete_held(owner, ids, now)

    def _complete_held(self, owner: str, ids: list[str], now: Any) -> list[str]:
        """Complete exactly the items ``owner`` holds among ``ids`` (one ``UPDATE ...
        RETURNING`` where the backend has it; else read them, then update them)."""
        if self.conn.dialect.supports_returning:
            with self._write() as c:
                rows = c.execute(
                    self.sql.complete(len(ids), returning=True),
                    (_S.COMPLETED.value, now, now, _S.RUNNING.value, owner, *ids),
                ).fetchall()
            done = {str(r[0]) for r in rows}
            return [i for i in ids if i in done]
        with self._write() as c:
            held = self._held(owner, ids, _S.RUNNING)
            if not held:
                return []
            cur = c.execute(
                self.sql.complete(len(held)),
                (_S.COMPLETED.value, now, now, _S.RUNNING.value, owner, *held),
            )
            if cur.rowcount == len(held):
                return held
            return self._held(owner, held, _S.COMPLETED)  # a reclaim raced with us

    def fail(self, owner: str, item_id: str, error: str) -> bool:
        """Mark the held item failed for good; ``False`` if ``owner`` does not hold it."""
        owner = check_owner(owner)
        now = self.conn.dialect.encode_timestamp(self._clock())
        with self._write() as c:
            cur = c.execute(
                self.sql.fail,
                (
                    _S.FAILED.value,
                    _error(error),
                    now,
                    now,
                    item_id,
                    _S.RUNNING.value,
                    owner,
                ),
            )
            return cur.rowcount == 1

    def reschedule(self, owner: str, item_id: str, run_after: datetime, error: str) -> bool:
        """Put the held item back to pending until ``run_after``; ``False`` if not held."""
        owner = check_owner(owner)
        d = self.conn.dialect
        due = d.encode_timestamp(_due(run_after))
        now = d.encode_timestamp(self._clock())
        with self._write() as c:
            cur = c.execute(
                self.sql.reschedule,
                (_S.PENDING.value, due, _error(error), now, item_id, _S.RUNNING.value, owner),
            )
            return cur.rowcount == 1

    def defer(
        self, owner: str, item_id: str, run_after: datetime, reason: str = "deferred"
    ) -> bool:
        """Put the held item back to pending until ``run_after`` and give its attempt back
        (see :meth:`WorkQueue.defer`); ``False`` if ``owner`` does not hold it."""
        owner = check_owner(owner)
        due = _due(run_after)
        d = self.conn.dialect
        now = d.encode_timestamp(self._clock())
        with self._write() as c:
            cur = c.execute(
                self.sql.defer,
                (
                    _S.PENDING.value,
                    d.encode_timestamp(due),
                    _error(reason),
                    now,
                    item_id,
                    _S.RUNNING.value,
                    owner,
                ),
            )
            return cur.rowcount == 1

    def reclaim_expired(self, *, limit: int = 100) -> list[WorkItem]:
        """Release running items whose lease expired (see :class:`WorkQueue`)."""
        limit = _check_limit(limit)
        d = self.conn.dialect
        now = self._clock()
        with self._claiming() as c:
            cur = c.cursor()
            try:
                rows = cur.execute(
                    self.sql.expired_select(limit),
                    (_S.RUNNING.value, d.encode_timestamp(now)),
                ).fetchmany(limit)
            finally:
                cur.close()
            if not rows:
                return []
            out: list[WorkItem] = []
            for row in rows:
                item = self._item(row)
                error = (
                    f"lease of {item.lease_owner} expired at {item.lease_expires_at} "
                    f"(attempt {item.attempts} of {item.max_attempts}): the worker stopped "
                    "heartbeating"
                )
                done = item.attempts >= item.max_attempts
                status = _S.FAILED if done else _S.PENDING
                state = dict(
                    item.__dict__,
                    status=status,
                    run_after=item.run_after if done else now,
                    last_error=error,
                    lease_expires_at=None,
                    completed_at=now if done else None,
                    updated_at=now,
                )
                out.append(WorkItem(**state))
            c.executemany(
                self.sql.release,
                [
                    (
                        w.status.value,
                        d.encode_timestamp(w.run_after),
                        w.last_error,
                        d.encode_timestamp(w.completed_at),
                        d.encode_timestamp(now),
                        w.id,
                        _S.RUNNING.value,
                    )
                    for w in out
                ],
            )
        return out

    def cancel(self, item_id: str) -> bool:
        """Cancel a pending item; ``False`` if it is not pending."""
        now = self.conn.dialect.encode_timestamp(self._clock())
        with self._write() as c:
            cur = c.execute(
                self.sql.cancel, (_S.CANCELLED.value, now, now, item_id, _S.PENDING.value)
            )
            return cur.rowcount == 1

    def counts(self, *, lane: str | None = None) -> dict[WorkStatus, int]:
        """How many items per status (zeros included)."""
        with reading(self.conn) as c:
            if lane is None:
                rows = c.execute(self.sql.counts_all).fetchall()
            else:
                rows = c.execute(self.sql.counts_lane, (lane,)).fetchall()
        out = dict.fromkeys(WorkStatus, 0)
        for status, n in rows:
            out[WorkStatus(str(status))] = int(n)
        return out


class _NotAllHeld(Exception):  # noqa: N818 - internal signal, never escapes
    """Some items to complete are no longer held: roll back the fast path."""


def _decoded(d: Dialect, value: Any, what: str, problems: list[str], empty: Any = None) -> Any:
    """A stored JSON object; a value that is not one is noted in ``problems`` (the row was
    written by something else) instead of failing the whole claim."""
    if value is None:
        return empty
    try:
        decoded = d.decode_json(value)
    except (ValidationError, ValueError, TypeError) as exc:
        problems.append(f"the stored {what} cannot be read as JSON ({exc})")
        return empty
    if not isinstance(decoded, dict):
        problems.append(f"the stored {what} is not a JSON object (got {type(decoded).__name__})")
        return empty
    return decoded


def _due(run_after: object) -> datetime:
    """A checked ``run_after``: an aware datetime."""
    if not isinstance(run_after, datetime):
        raise ValidationError(f"run_after must be a datetime, got {run_after!r}")
    return require_aware(run_after)


def _error(error: object) -> str:
    text = str(error) if error is not None else ""
    return (text or "failed")[:MAX_ERROR]
