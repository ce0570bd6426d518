"""The in-memory work queue (exported as :class:`spine.execution.testing.InMemoryWorkQueue`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from spine.execution._json import copy_json
from spine.execution.queue.models import (
    NewWork,
    WorkItem,
    WorkStatus,
    check_lanes,
    check_lease,
    check_owner,
)
from spine.execution.queue.sql import _check_limit, _due, _error, _ids
from spine.types import IntegrityError, ValidationError
from spine.types.timestamps import utc_now

__all__ = ["InMemoryWorkQueue"]

_S = WorkStatus


class InMemoryWorkQueue:
    """:class:`~spine.execution.queue.WorkQueue` in memory: same contract as the SQL queue
    (one process; thread-safe).

    Args:
        clock: "Now" (UTC); tests pass a :class:`~spine.execution.testing.FakeClock`.

    Example:
        >>> from spine.execution.queue import NewWork
        >>> queue = InMemoryWorkQueue()
        >>> item = queue.enqueue(NewWork("echo", {"a": 1}))
        >>> [w.id == item.id for w in queue.claim("w1", limit=5)]
        [True]
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._items: dict[str, WorkItem] = {}
        self._keys: dict[str, str] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"InMemoryWorkQueue({len(self._items)} items)"

    def _new(self, work: NewWork, now: datetime) -> WorkItem:
        return WorkItem(
            id=work.item_id,
            workflow=work.workflow,
            params=copy_json(work.params),
            lane=work.lane,
            priority=work.priority,
            run_after=work.run_after if work.run_after is not None else now,
            status=_S.PENDING,
            attempts=0,
            max_attempts=work.max_attempts,
            created_at=now,
            updated_at=now,
            idempotency_key=work.idempotency_key,
            timeout=work.timeout,
            domain=work.domain,
            partition_key=None if work.partition_key is None else dict(work.partition_key),
        )

    @staticmethod
    def _copy(item: WorkItem) -> WorkItem:
        return replace(item, params=copy_json(item.params))

    def enqueue(self, work: NewWork) -> WorkItem:
        """Store ``work``; an existing ``idempotency_key`` returns the existing item."""
        if not isinstance(work, NewWork):
            raise ValidationError(f"enqueue takes a NewWork, got {type(work).__name__}")
        with self._lock:
            if work.idempotency_key is not None and work.idempotency_key in self._keys:
                return self._copy(self._items[self._keys[work.idempotency_key]])
            self.enqueue_many([work])
            return self._copy(self._items[work.item_id])

    def enqueue_many(self, works: Iterable[NewWork]) -> list[str]:
        """Store many items, all or none."""
        now = self._clock()
        new: list[WorkItem] = []
        given: Iterable[object] = works  # checked: callers pass anything
        for work in given:
            if not isinstance(work, NewWork):
                kind = type(work).__name__
                raise ValidationError(f"enqueue_many takes NewWork items, got {kind}")
            new.append(self._new(work, now))
        with self._lock:
            ids: set[str] = set()
            keys: set[str] = set()
            for item in new:
                key = item.idempotency_key
                if item.id in self._items or item.id in ids:
                    raise IntegrityError(f"work item {item.id!r} exists already")
                if key is not None and (key in self._keys or key in keys):
                    raise IntegrityError(f"idempotency key {key!r} is used already")
                ids.add(item.id)
                if key is not None:
                    keys.add(key)
            for item in new:
                self._items[item.id] = item
                if item.idempotency_key is not None:
                    self._keys[item.idempotency_key] = item.id
        return [item.id for item in new]

    def get(self, item_id: str) -> WorkItem | None:
        """The item, or ``None``."""
        with self._lock:
            item = self._items.get(item_id)
            return None if item is None else self._copy(item)

    def claim(
        self,
        owner: str,
        *,
        limit: int = 1,
        lanes: Sequence[str] | None = None,
        lease_seconds: float = 30.0,
    ) -> list[WorkItem]:
        """Claim up to ``limit`` due items for ``owner``."""
        owner = check_owner(owner)
        limit = _check_limit(limit)
        lane_set = check_lanes(lanes)
        lease = check_lease(lease_seconds)
        now = self._clock()
        with self._lock:
            due = [
                w
                for w in self._items.values()
                if w.status is _S.PENDING
                and w.run_after <= now
                and (lane_set is None or w.lane in lane_set)
            ]
            due.sort(key=lambda w: (-w.priority, w.run_after, w.id))
            out = []
            for w in due[:limit]:
                new = replace(
                    w,
                    status=_S.RUNNING,
                    lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=lease),
                    heartbeat_at=now,
                    attempts=w.attempts + 1,
                    updated_at=now,
                )
                self._items[w.id] = new
                out.append(self._copy(new))
            return out

    def _holds(self, owner: str, item_id: str, status: WorkStatus = _S.RUNNING) -> bool:
        item = self._items.get(item_id)
        return item is not None and item.status is status and item.lease_owner == owner

    def heartbeat(
        self, owner: str, item_ids: Sequence[str], *, lease_seconds: float = 30.0
    ) -> list[str]:
        """Extend the leases ``owner`` still holds among ``item_ids``."""
        owner = check_owner(owner)
        lease = check_lease(lease_seconds)
        now = self._clock()
        with self._lock:
            held = [i for i in _ids(item_ids) if self._holds(owner, i)]
            for i in held:
                self._items[i] = replace(
                    self._items[i],
                    lease_expires_at=now + timedelta(seconds=lease),
                    heartbeat_at=now,
                    updated_at=now,
                )
            return held

    def complete(self, owner: str, item_ids: Sequence[str]) -> list[str]:
        """Mark the items ``owner`` still holds as completed."""
        owner = check_owner(owner)
        now = self._clock()
        with self._lock:
            held = [i for i in _ids(item_ids) if self._holds(owner, i)]
            for i in held:
                self._items[i] = replace(
                    self._items[i],
                    status=_S.COMPLETED,
                    lease_expires_at=None,
                    completed_at=now,
                    updated_at=now,
                )
            return held

    def fail(self, owner: str, item_id: str, error: str) -> bool:
        """Mark the held item failed for good."""
        owner = check_owner(owner)
        now = self._clock()
        with self._lock:
            if not self._holds(owner, item_id):
                return False
            self._items[item_id] = replace(
                self._items[item_id],
                status=_S.FAILED,
                last_error=_error(error),
                lease_expires_at=None,
                completed_at=now,
                updated_at=now,
            )
            return True

    def reschedule(self, owner: str, item_id: str, run_after: datetime, error: str) -> bool:
        """Put the held item back to pending until ``run_after``."""
        owner = check_owner(owner)
        run_after = _due(run_after)
        now = self._clock()
        with self._lock:
            if not self._holds(owner, item_id):
                return False
            self._items[item_id] = replace(
                self._items[item_id],
                status=_S.PENDING,
                run_after=run_after,
                last_error=_error(error),
                lease_expires_at=None,
                updated_at=now,
            )
            return True

    def defer(
        self, owner: str, item_id: str, run_after: datetime, reason: str = "deferred"
    ) -> bool:
        """Put the held item back to pending until ``run_after``; its attempt is given back."""
        owner = check_owner(owner)
        due = _due(run_after)
        now = self._clock()
        with self._lock:
            item = self._items.get(item_id)
            if item is None or not self._holds(owner, item_id) or item.attempts < 1:
                return False
            self._items[item_id] = replace(
                item,
                status=_S.PENDING,
                run_after=due,
                attempts=item.attempts - 1,
                last_error=item.last_error if item.last_error is not None else _error(reason),
                lease_expires_at=None,
                updated_at=now,
            )
            return True

    def reclaim_expired(self, *, limit: int = 100) -> list[WorkItem]:
        """Release running items whose lease expired."""
        limit = _check_limit(limit)
        now = self._clock()
        with self._lock:
            expired = sorted(
                (
                    w
                    for w in self._items.values()
                    if w.status is _S.RUNNING
                    and w.lease_expires_at is not None
                    and w.lease_expires_at < now
                ),
                key=lambda w: (w.lease_expires_at, w.id),
            )[:limit]
            out = []
            for w in expired:
                done = w.attempts >= w.max_attempts
                error = (
                    f"lease of {w.lease_owner} expired at {w.lease_expires_at} "
                    f"(attempt {w.attempts} of {w.max_attempts}): the worker stopped "
                    "heartbeating"
                )
                new = replace(
                    w,
                    status=_S.FAILED if done else _S.PENDING,
                    run_after=w.run_after if done else now,
                    last_error=error,
                    lease_expires_at=None,
                    completed_at=now if done else None,
                    updated_at=now,
                )
                self._items[w.id] = new
                out.append(self._copy(new))
            return out

    def cancel(self, item_id: str) -> bool:
        """Cancel a pending item."""
        now = self._clock()
        with self._lock:
            item = self._items.get(item_id)
            if item is None or item.status is not _S.PENDING:
                return False
            self._items[item_id] = replace(
                item, status=_S.CANCELLED, completed_at=now, updated_at=now
            )
            return True

    def counts(self, *, lane: str | None = None) -> dict[WorkStatus, int]:
        """How many items per status (zeros included)."""
        out = dict.fromkeys(WorkStatus, 0)
        with self._lock:
            for w in self._items.values():
                if lane is None or w.lane == lane:
                    out[w.status] += 1
        return out
