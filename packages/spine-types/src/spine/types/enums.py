"""Shared status and event enums: one enum per concept, values are lowercase strings.

* :class:`ExecutionStatus` - state of one execution in the ledger (a job, task or operation run).
* :class:`RunStatus` - state of a *workflow run* (a set of steps); adds ``PARTIAL``.
* :class:`StepStatus` - state of one step inside a workflow run; adds ``SKIPPED``.
* :class:`EventType` - entries of the append-only execution event log.
* :class:`TriggerSource` - what started an execution.

Being :class:`~enum.StrEnum` members, values compare equal to their strings and serialise
unchanged (``ExecutionStatus.RUNNING == "running"``).

Example:
    >>> ExecutionStatus("completed").is_terminal
    True
    >>> event_for_status(ExecutionStatus.RUNNING)
    <EventType.STARTED: 'started'>
"""

from __future__ import annotations

from enum import StrEnum

from spine.types.errors import ValidationError

__all__ = [
    "EventType",
    "ExecutionStatus",
    "RunStatus",
    "StepStatus",
    "TriggerSource",
    "event_for_status",
]


class ExecutionStatus(StrEnum):
    """Lifecycle of one execution in the ledger.

    ``PENDING -> QUEUED -> RUNNING -> COMPLETED | FAILED | CANCELLED | TIMED_OUT``.
    """

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def is_terminal(self) -> bool:
        """Whether the execution has finished (no further transitions except a retry)."""
        return self in _TERMINAL_EXECUTION

    @property
    def is_active(self) -> bool:
        """Whether the execution is waiting or running."""
        return self not in _TERMINAL_EXECUTION

    @property
    def is_success(self) -> bool:
        """Whether the execution completed successfully."""
        return self is ExecutionStatus.COMPLETED


_TERMINAL_EXECUTION = frozenset(
    {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.TIMED_OUT,
    }
)


class RunStatus(StrEnum):
    """Lifecycle of a workflow run.

    ``PARTIAL`` means the run finished but some steps failed under a continue-on-failure
    policy; a ``FAILED`` or ``PARTIAL`` run can be resumed from its failed step.
    """

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether the run has finished."""
        return self not in (RunStatus.PENDING, RunStatus.RUNNING)

    @property
    def is_resumable(self) -> bool:
        """Whether a resume would re-run failed steps (``FAILED`` or ``PARTIAL``)."""
        return self in (RunStatus.FAILED, RunStatus.PARTIAL)


class StepStatus(StrEnum):
    """Lifecycle of one step inside a workflow run."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether the step has finished (including skipped)."""
        return self not in (StepStatus.PENDING, StepStatus.RUNNING)


class EventType(StrEnum):
    """Entries of the append-only execution event log."""

    CREATED = "created"
    QUEUED = "queued"
    STARTED = "started"
    PROGRESS = "progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    RETRIED = "retried"
    RECLAIMED = "reclaimed"
    """A job whose worker stopped heartbeating was taken back after its lease expired."""
    DEFERRED = "deferred"
    """A queued job was put back before it ran (its rate limit had no token); no attempt
    was used up."""
    DEAD_LETTERED = "dead_lettered"
    CLEANUP_COMPLETED = "cleanup_completed"


class TriggerSource(StrEnum):
    """What started an execution."""

    MANUAL = "manual"
    SCHEDULE = "schedule"
    API = "api"
    CLI = "cli"
    EVENT = "event"
    BACKFILL = "backfill"
    RETRY = "retry"
    WORKFLOW = "workflow"


_STATUS_EVENTS: dict[ExecutionStatus, EventType] = {
    ExecutionStatus.PENDING: EventType.CREATED,
    ExecutionStatus.QUEUED: EventType.QUEUED,
    ExecutionStatus.RUNNING: EventType.STARTED,
    ExecutionStatus.COMPLETED: EventType.COMPLETED,
    ExecutionStatus.FAILED: EventType.FAILED,
    ExecutionStatus.CANCELLED: EventType.CANCELLED,
    ExecutionStatus.TIMED_OUT: EventType.TIMED_OUT,
}


def event_for_status(status: ExecutionStatus | str) -> EventType:
    """Event to append to the ledger when an execution enters ``status``.

    ``PENDING -> CREATED``, ``QUEUED -> QUEUED``, ``RUNNING -> STARTED``, and each terminal
    status maps to the event of the same name. Accepts the enum or its string value.

    Example:
        >>> event_for_status("pending")
        <EventType.CREATED: 'created'>
    """
    try:
        return _STATUS_EVENTS[ExecutionStatus(status)]
    except ValueError:
        valid = ", ".join(s.value for s in ExecutionStatus)
        raise ValidationError(
            f"unknown execution status {status!r}; expected one of {valid}"
        ) from None
