"""Execution records, their event log entries and the status state machine.

::

    PENDING ──► QUEUED ──► RUNNING ──► COMPLETED | FAILED | CANCELLED | TIMED_OUT
       │           ▲          │
       │           └──────────┘  re-queued for a retry
       └──► RUNNING (run inline, never queued)
       └──► FAILED | CANCELLED (refused or cancelled before it was queued)
    QUEUED ──► FAILED | CANCELLED | TIMED_OUT (never started)

Terminal statuses have no way out: a retry of a finished execution is a *new* execution
linked to it (``retry_of``, ``attempt + 1``). An illegal move raises
:class:`~spine.execution.errors.InvalidTransitionError` and changes nothing.

Statuses and event types are spine-types' lower-case StrEnums (``"running"``), stored as is.

Example:
    >>> from spine.execution.models import Execution, ExecutionStatus
    >>> e = Execution.create(workflow="finra.otc.ingest", params={"week_ending": "2025-12-26"})
    >>> e.status
    <ExecutionStatus.PENDING: 'pending'>
    >>> running = e.transition(ExecutionStatus.RUNNING)
    >>> running.started_at is not None, e.status   # e itself is unchanged (immutable)
    (True, <ExecutionStatus.PENDING: 'pending'>)
    >>> can_transition("completed", "running")
    False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from spine.execution.errors import InvalidTransitionError
from spine.types import ValidationError
from spine.types.enums import EventType, ExecutionStatus, TriggerSource, event_for_status
from spine.types.timestamps import utc_now
from spine.types.ulid import generate_ulid

__all__ = [
    "TRANSITIONS",
    "EventType",
    "Execution",
    "ExecutionEvent",
    "ExecutionStatus",
    "TriggerSource",
    "can_transition",
    "event_for_status",
    "transition_changes",
]

_S = ExecutionStatus

TRANSITIONS: Mapping[ExecutionStatus, frozenset[ExecutionStatus]] = {
    _S.PENDING: frozenset({_S.QUEUED, _S.RUNNING, _S.FAILED, _S.CANCELLED}),
    _S.QUEUED: frozenset({_S.RUNNING, _S.FAILED, _S.CANCELLED, _S.TIMED_OUT}),
    _S.RUNNING: frozenset({_S.QUEUED, _S.COMPLETED, _S.FAILED, _S.CANCELLED, _S.TIMED_OUT}),
    _S.COMPLETED: frozenset(),
    _S.FAILED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.TIMED_OUT: frozenset(),
}
"""Allowed moves: status -> the statuses it may go to."""

MAX_WORKFLOW = 200
MAX_LANE = 100
MAX_IDEMPOTENCY_KEY = 255
MAX_ERROR_TYPE = 200


E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: object, what: str) -> E:
    """``value`` as a member of ``kind`` (a member or its string value).

    Raises:
        ValidationError: naming ``what`` and the valid values.
    """
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value)) if isinstance(value, str) else kind(value)  # type: ignore[arg-type]
    except ValueError:
        valid = ", ".join(member.value for member in kind)
        raise ValidationError(f"unknown {what} {value!r}; expected one of {valid}") from None


def _status(value: ExecutionStatus | str) -> ExecutionStatus:
    return parse_enum(ExecutionStatus, value, "execution status")


def can_transition(current: ExecutionStatus | str, target: ExecutionStatus | str) -> bool:
    """Whether the state machine allows ``current -> target``.

    Raises:
        ValidationError: either value is not an execution status.
    """
    return _status(target) in TRANSITIONS[_status(current)]


def _text(name: str, value: object, max_len: int, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValidationError(f"{name} must be a str of 1..{max_len} chars, got {value!r}")
    return value


def _mapping(name: str, value: object) -> dict[str, Any]:
    if type(value) is dict:
        return value.copy()
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a mapping of str keys, got {type(value).__name__}")
    return dict(value)


@dataclass(frozen=True)  # no __slots__: evolve() copies the instance __dict__ in one step
class Execution:
    """One execution in the ledger: an immutable snapshot of its row.

    Build new ones with :meth:`create`; move them with :meth:`transition` (which returns the
    next snapshot). Ledgers return fresh snapshots; mutating ``params`` of one never changes
    what is stored.

    Attributes:
        id: ULID.
        workflow: The handler, operation or workflow name that runs.
        params: JSON-ready parameters.
        status: Current status.
        lane: Routing lane (queue name) - ``"default"`` unless set.
        trigger_source: What started it.
        parent_execution_id: The execution that spawned this one (a workflow run, say).
        batch_id: Shared by related executions (a backfill).
        idempotency_key: Caller's key: the same key means the same logical work.
        attempt: 1 for a first run; a retry of a finished execution has ``attempt + 1``.
        retry_of: The execution this one retries.
        retry_count: In-place retries of this execution (re-queued after a failure).
        created_at / started_at / completed_at / updated_at: UTC timestamps.
        result: The handler's JSON result (on COMPLETED).
        error / error_type: Message and class name of the failure.
        metadata: Free JSON-ready annotations (executor reference, dead-letter id...).
    """

    id: str
    workflow: str
    params: dict[str, Any] = field(default_factory=dict)
    status: ExecutionStatus = ExecutionStatus.PENDING
    lane: str = "default"
    trigger_source: TriggerSource = TriggerSource.MANUAL
    parent_execution_id: str | None = None
    batch_id: str | None = None
    idempotency_key: str | None = None
    attempt: int = 1
    retry_of: str | None = None
    retry_count: int = 0
    created_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    updated_at: datetime | None = None
    result: Any = None
    error: str | None = None
    error_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        *,
        lane: str = "default",
        trigger_source: TriggerSource | str = TriggerSource.MANUAL,
        parent_execution_id: str | None = None,
        idempotency_key: str | None = None,
        batch_id: str | None = None,
        attempt: int = 1,
        retry_of: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        execution_id: str | None = None,
    ) -> Execution:
        """A new PENDING execution with a fresh ULID (or ``execution_id``).

        Raises:
            ValidationError: an empty/over-long name, lane or key, an unknown trigger source,
                params that are not a mapping, ``attempt < 1``.

        Example:
            >>> e = Execution.create("sec.filings", {"day": "2024-01-01"}, trigger_source="api")
            >>> e.trigger_source, e.attempt, len(e.id)
            (<TriggerSource.API: 'api'>, 1, 26)
        """
        _text("workflow", workflow, MAX_WORKFLOW)
        _text("lane", lane, MAX_LANE)
        _text("idempotency_key", idempotency_key, MAX_IDEMPOTENCY_KEY, optional=True)
        _text("parent_execution_id", parent_execution_id, 64, optional=True)
        _text("batch_id", batch_id, 64, optional=True)
        _text("retry_of", retry_of, 64, optional=True)
        source = parse_enum(TriggerSource, trigger_source, "trigger_source")
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise ValidationError(f"attempt must be an int >= 1, got {attempt!r}")
        new = _new(cls)  # the frozen dataclass __init__ costs a setattr per field
        new.__dict__.update(
            _EXECUTION_DEFAULTS,
            id=_text("execution_id", execution_id, 64, optional=True) or generate_ulid(),
            workflow=workflow,
            params=_mapping("params", params),
            lane=lane,
            trigger_source=source,
            parent_execution_id=parent_execution_id,
            batch_id=batch_id,
            idempotency_key=idempotency_key,
            attempt=attempt,
            retry_of=retry_of,
            created_at=utc_now(),
            metadata=_mapping("metadata", metadata),
        )
        return new

    # -- state machine -------------------------------------------------------------------
    @property
    def is_terminal(self) -> bool:
        """Whether the execution has finished (no status change is possible any more)."""
        return self.status.is_terminal

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to completion, when both are known."""
        if self.started_at is None or self.completed_at is None:
            return None
        return (self.completed_at - self.started_at).total_seconds()

    def can_transition(self, target: ExecutionStatus | str) -> bool:
        """Whether this execution may move to ``target`` now."""
        return can_transition(self.status, target)

    def transition(
        self,
        target: ExecutionStatus | str,
        *,
        at: datetime | None = None,
        result: Any = None,
        error: str | None = None,
        error_type: str | None = None,
    ) -> Execution:
        """The next snapshot after moving to ``target`` at ``at`` (default now).

        RUNNING sets ``started_at`` (kept from an earlier run when re-started after a
        re-queue); a terminal status sets ``completed_at``; COMPLETED stores ``result`` and
        clears the error of a previous attempt; FAILED / TIMED_OUT / CANCELLED store ``error``
        and ``error_type`` when given. QUEUED after RUNNING is a re-queue for a retry (the
        ledger's ``increment_retry`` counts it).

        Raises:
            InvalidTransitionError: the move is not allowed (this snapshot is unchanged).
        """
        return self.evolve(
            **transition_changes(
                self.id,
                self.status,
                self.started_at,
                target,
                at=at,
                result=result,
                error=error,
                error_type=error_type,
            )
        )

    def evolve(self, **changes: Any) -> Execution:
        """A copy with ``changes`` applied, without validation (``dataclasses.replace``
        without its overhead: ledgers copy snapshots on every call)."""
        new = _new(Execution)
        state = new.__dict__
        state.update(self.__dict__)
        state.update(changes)
        return new

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (timestamps as ISO-8601)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out


_new = object.__new__
_EXECUTION_DEFAULTS: dict[str, Any] = {
    name: f.default
    for name, f in Execution.__dataclass_fields__.items()
    if not isinstance(f.default, type(MISSING))
}


def transition_changes(
    execution_id: str,
    current: ExecutionStatus,
    started_at: datetime | None,
    target: ExecutionStatus | str,
    *,
    at: datetime | None = None,
    result: Any = None,
    error: str | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    """The field changes of moving an execution from ``current`` (having started at
    ``started_at``) to ``target``: the state machine of :meth:`Execution.transition`, for
    stores that keep rows rather than snapshots.

    Raises:
        InvalidTransitionError: the move is not allowed.

    Example:
        >>> sorted(transition_changes("01J...", ExecutionStatus.PENDING, None, "running"))
        ['started_at', 'status', 'updated_at']
    """
    new = target if type(target) is ExecutionStatus else _status(target)
    status = current
    allowed = TRANSITIONS[status]
    if new not in allowed:
        raise InvalidTransitionError(execution_id, status, new, sorted(s.value for s in allowed))
    now = at if at is not None else utc_now()
    changes: dict[str, Any] = {"status": new, "updated_at": now}
    if new is ExecutionStatus.RUNNING:
        if started_at is None:
            changes["started_at"] = now
    elif new is ExecutionStatus.QUEUED and status is ExecutionStatus.RUNNING:
        if error is not None:  # the failure of the attempt that is being retried
            changes["error"] = error
            changes["error_type"] = error_type
    elif new.is_terminal:
        changes["completed_at"] = now
        if new is ExecutionStatus.COMPLETED:
            changes["result"] = result
            changes["error"] = None
            changes["error_type"] = None
        elif error is not None or error_type is not None:
            changes["error"] = error
            changes["error_type"] = (error_type or "")[:MAX_ERROR_TYPE] or None
    return changes


def checked_pending(
    workflow: str,
    params: dict[str, Any],
    *,
    lane: str,
    trigger_source: TriggerSource,
    parent_execution_id: str | None,
    idempotency_key: str | None,
    batch_id: str | None,
    metadata: dict[str, Any],
) -> Execution:
    """A new PENDING execution (fresh ULID, created now) from values already checked.

    :meth:`Execution.create` for callers that validated every field themselves (the
    dispatcher checks a :class:`~spine.execution.spec.WorkSpec` with the same limits):
    nothing is checked again and ``params`` / ``metadata`` are kept, not copied.
    """
    new = _new(Execution)
    new.__dict__.update(
        _EXECUTION_DEFAULTS,
        id=generate_ulid(),
        workflow=workflow,
        params=params,
        lane=lane,
        trigger_source=trigger_source,
        parent_execution_id=parent_execution_id,
        batch_id=batch_id,
        idempotency_key=idempotency_key,
        created_at=utc_now(),
        metadata=metadata,
    )
    return new


@dataclass(frozen=True)
class ExecutionEvent:
    """One entry of an execution's append-only event log.

    Attributes:
        id: ULID (sorts in recording order within a process).
        execution_id: The execution.
        event_type: What happened.
        occurred_at: When (UTC).
        data: JSON-ready details (error, delay of a retry, executor reference...).
    """

    id: str
    execution_id: str
    event_type: EventType
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        execution_id: str,
        event_type: EventType | str,
        data: Mapping[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> ExecutionEvent:
        """A new event with a fresh ULID.

        Raises:
            ValidationError: unknown event type, data that is not a mapping.
        """
        kind = parse_enum(EventType, event_type, "event type")
        return cls.make(
            execution_id, kind, _mapping("event data", data), at if at is not None else utc_now()
        )

    @classmethod
    def make(
        cls, execution_id: str, event_type: EventType, data: dict[str, Any], at: datetime
    ) -> ExecutionEvent:
        """A new event from checked values (no validation; ``data`` is kept, not copied)."""
        new = _new(cls)
        new.__dict__.update(
            id=generate_ulid(),
            execution_id=execution_id,
            event_type=event_type,
            occurred_at=at,
            data=data,
        )
        return new
