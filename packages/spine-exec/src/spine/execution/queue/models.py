"""Work items: what the queue stores, and the checked input that creates them.

A work item is one queued job: a handler name (``workflow``), JSON params, a lane, a
priority, the earliest time it may run (``run_after``) and its attempt budget. Its status
moves ``pending -> running -> completed | failed``; a running item whose attempt failed with
a retryable error, or whose worker died (its lease expired), goes back to ``pending`` with a
later ``run_after``; a running item whose job could not start yet (its rate limit had no
token) is **deferred**: back to ``pending`` with a later ``run_after`` and its attempt given
back; a pending item can be ``cancelled``.

Example:
    >>> from spine.execution.queue import NewWork
    >>> work = NewWork("finra.otc.ingest", {"week_ending": "2025-12-26"}, priority=5)
    >>> work.lane, work.max_attempts
    ('default', 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from spine.db.encoding import encode_partition_key, require_aware
from spine.execution._json import json_params
from spine.execution.models import MAX_IDEMPOTENCY_KEY, MAX_LANE, MAX_WORKFLOW
from spine.execution.timeout import check_timeout
from spine.types import ValidationError
from spine.types.ulid import generate_ulid

__all__ = ["DEFAULT_LANE", "NewWork", "WorkItem", "WorkStatus", "check_lanes"]

DEFAULT_LANE = "default"
MAX_ATTEMPTS_LIMIT = 1000
MAX_OWNER = 255
MAX_ERROR = 4000


class WorkStatus(StrEnum):
    """Status of a work item (stored lower-case, like every spine status)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether the item is finished (completed, failed or cancelled)."""
        return self in _TERMINAL


_TERMINAL = frozenset({WorkStatus.COMPLETED, WorkStatus.FAILED, WorkStatus.CANCELLED})


def _text(name: str, value: object, max_len: int, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValidationError(f"{name} must be a str of 1..{max_len} chars, got {value!r}")
    return value


def _int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be an int in {low}..{high}, got {value!r}")
    return value


def check_lanes(lanes: object) -> tuple[str, ...] | None:
    """Validate a lane filter: ``None`` (every lane) or a non-empty list of lane names.

    Raises:
        ValidationError: an empty list, or a lane that is not a str of 1..100 chars.
    """
    if lanes is None:
        return None
    if isinstance(lanes, str):
        lanes = [lanes]
    if not isinstance(lanes, list | tuple | set | frozenset) or not lanes:
        raise ValidationError(f"lanes must be a non-empty list of lane names, got {lanes!r}")
    return tuple(sorted({str(_text("lane", lane, MAX_LANE)) for lane in lanes}))


def check_owner(owner: object) -> str:
    """Validate a lease owner (a worker's id).

    Raises:
        ValidationError: not a str of 1..255 chars.
    """
    return str(_text("owner", owner, MAX_OWNER))


def check_lease(seconds: object) -> float:
    """Validate a lease length in seconds (``> 0``).

    Raises:
        ValidationError: not a finite number of seconds ``> 0``.
    """
    return check_timeout(seconds, "lease_seconds")


@dataclass(frozen=True)
class NewWork:
    """A job to enqueue, checked when built.

    Args:
        workflow: The handler name a worker runs (its :class:`HandlerRegistry` name).
        params: JSON params (a dict of str -> JSON values; checked and copied).
        lane: The lane (queue name) workers select with ``lanes=[...]``.
        priority: Higher runs first among due items.
        run_after: Earliest time to run (aware UTC; default: now).
        max_attempts: Attempts allowed, the first included (``1..1000``).
        idempotency_key: The same key enqueues the work once.
        timeout: Seconds the handler may run (``None``: the handler's default).
        domain / partition_key: The data partition the job works on (optional).
        item_id: The item's id (default a new ULID); also its execution's id in the ledger.

    Raises:
        ValidationError: an empty or over-long name, lane or key; a naive ``run_after``; a
            zero or negative timeout; ``max_attempts`` out of range.
        UnserializableParamsError: params that are not JSON.
    """

    workflow: str
    params: Mapping[str, Any] | None = None
    lane: str = DEFAULT_LANE
    priority: int = 0
    run_after: datetime | None = None
    max_attempts: int = 3
    idempotency_key: str | None = None
    timeout: float | None = None
    domain: str | None = None
    partition_key: Mapping[str, Any] | None = None
    item_id: str = field(default_factory=generate_ulid)

    def __post_init__(self) -> None:
        _text("workflow", self.workflow, MAX_WORKFLOW)
        _text("lane", self.lane, MAX_LANE)
        _text("idempotency_key", self.idempotency_key, MAX_IDEMPOTENCY_KEY, optional=True)
        _text("item_id", self.item_id, 64)
        _text("domain", self.domain, 100, optional=True)
        _int("priority", self.priority, -1_000_000, 1_000_000)
        _int("max_attempts", self.max_attempts, 1, MAX_ATTEMPTS_LIMIT)
        if self.run_after is not None:
            if not isinstance(self.run_after, datetime):
                raise ValidationError(f"run_after must be a datetime, got {self.run_after!r}")
            require_aware(self.run_after)
        if self.timeout is not None:
            object.__setattr__(self, "timeout", check_timeout(self.timeout, "timeout"))
        if self.partition_key is not None and self.domain is None:
            raise ValidationError("partition_key needs a domain; pass domain=... too")
        object.__setattr__(self, "params", json_params(self.params))

    @property
    def encoded_partition(self) -> tuple[str | None, str | None]:
        """``(partition_key JSON, partition_hash)``, or ``(None, None)``."""
        if self.partition_key is None:
            return None, None
        return encode_partition_key(dict(self.partition_key))


@dataclass(frozen=True)
class WorkItem:
    """A stored work item: an immutable snapshot of its row.

    Attributes:
        id: ULID (also the id of its execution in the ledger).
        workflow: The handler name.
        params: JSON params.
        lane / priority / run_after: Routing, order, earliest start.
        status: Current :class:`WorkStatus`.
        attempts: Attempts claimed so far (the running one included).
        max_attempts: Attempts allowed.
        lease_owner: The worker that holds (or last held) the item.
        lease_expires_at / heartbeat_at: The running attempt's lease and last heartbeat.
        last_error: The latest failure (a failed attempt, an expired lease).
        idempotency_key / timeout / domain / partition_key: As enqueued.
        created_at / updated_at / completed_at: UTC timestamps.
        row_error: What is wrong with the stored row, when it cannot be what was enqueued
            (params or partition key that are not a JSON object: a row written or changed
            by something else). A worker fails such an item with a typed error instead of
            running it; ``None`` for every row the queue wrote itself.
    """

    id: str
    workflow: str
    params: dict[str, Any]
    lane: str
    priority: int
    run_after: datetime
    status: WorkStatus
    attempts: int
    max_attempts: int
    created_at: datetime
    updated_at: datetime
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    heartbeat_at: datetime | None = None
    last_error: str | None = None
    idempotency_key: str | None = None
    timeout: float | None = None
    domain: str | None = None
    partition_key: dict[str, Any] | None = None
    completed_at: datetime | None = None
    row_error: str | None = None

    @property
    def first_claim(self) -> bool:
        """Whether this (running) item is in its first claim ever: attempt 1, and never
        released before (a deferral or a failure leaves a ``last_error``)."""
        return self.attempts == 1 and self.last_error is None

    @property
    def attempts_left(self) -> int:
        """Attempts still allowed after the current one."""
        return max(0, self.max_attempts - self.attempts)
