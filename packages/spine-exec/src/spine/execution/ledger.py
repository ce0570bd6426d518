"""The execution ledger interface: the single source of truth of what ran.

:class:`Ledger` is the small store protocol every ledger implements: the in-memory twin
(:class:`spine.execution.testing.InMemoryLedger`) and the SQL ledger over spine-db's
connection. One contract suite (``tests-integration/execution/``) runs against all of them.

Guarantees of every implementation:

* ``update_status`` checks the state machine, sets ``started_at``/``completed_at`` and appends
  the matching event (``RUNNING -> started``...) **atomically**: both or neither. An illegal
  move raises :class:`~spine.execution.errors.InvalidTransitionError` and changes nothing.
* Events are append-only and returned in recording order.
* Params, results and metadata are JSON; reads return fresh snapshots.
* ``atomic()`` groups several calls (create + lock + RUNNING) into one unit of work: one
  transaction on SQL, one critical section in memory. Inside it, each call joins the unit.

Example:
    >>> from spine.execution.testing import InMemoryLedger
    >>> from spine.execution.models import Execution, EventType, ExecutionStatus
    >>> ledger = InMemoryLedger()
    >>> execution = ledger.create_execution(Execution.create(workflow="finra.otc.ingest"))
    >>> _ = ledger.update_status(execution.id, ExecutionStatus.RUNNING)
    >>> _ = ledger.record_event(execution.id, EventType.PROGRESS, {"rows": 960})
    >>> [e.event_type.value for e in ledger.get_events(execution.id)]
    ['created', 'started', 'progress']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeAlias, runtime_checkable

from spine.execution.models import Execution, ExecutionEvent, parse_enum
from spine.types import ValidationError
from spine.types.enums import EventType, ExecutionStatus

__all__ = ["Ledger", "StatusChange", "StatusFilter", "check_page", "status_set"]

StatusFilter: TypeAlias = ExecutionStatus | str | Iterable[ExecutionStatus | str] | None
"""One status, several statuses, or ``None`` for all."""

MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status change of a batch (:meth:`Ledger.update_statuses`): the arguments of
    :meth:`Ledger.update_status` as a value.

    Example:
        >>> StatusChange("01J...", "completed", result={"rows": 960}).status
        'completed'
    """

    execution_id: str
    status: ExecutionStatus | str
    result: Any = None
    error: str | None = None
    error_type: str | None = None
    data: Mapping[str, Any] | None = None
    at: datetime | None = None


@runtime_checkable
class Ledger(Protocol):
    """Store of executions and their append-only event log."""

    def atomic(self) -> AbstractContextManager[None]:
        """One unit of work: the calls inside commit together (nested calls join it)."""
        ...

    def create_execution(self, execution: Execution) -> Execution:
        """Store a new PENDING execution and append its ``created`` event.

        Raises:
            DuplicateExecutionError: the id, or the idempotency key with this attempt,
                exists already.
            UnserializableParamsError: params or metadata are not JSON.
            ValidationError: the execution is not PENDING.
        """
        ...

    def create_executions(self, executions: Sequence[Execution]) -> list[Execution]:
        """Store many new PENDING executions and their ``created`` events at once: one
        transaction (a worker enqueuing a batch, a backfill planning its partitions).
        All or nothing.

        Raises:
            DuplicateExecutionError: an id or idempotency key + attempt exists already, or
                is given twice; nothing was created.
            UnserializableParamsError / ValidationError: as :meth:`create_execution`.
        """
        ...

    def get_execution(self, execution_id: str) -> Execution | None:
        """The execution, or ``None``."""
        ...

    def get_by_idempotency_key(self, idempotency_key: str) -> Execution | None:
        """The latest attempt carrying this idempotency key, or ``None``."""
        ...

    def update_status(
        self,
        execution_id: str,
        status: ExecutionStatus | str,
        *,
        result: Any = None,
        error: str | None = None,
        error_type: str | None = None,
        data: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Execution:
        """Move the execution to ``status`` and append the matching event, atomically.

        ``data`` goes into the event (with ``error``/``error_type`` when given); ``at``
        (default now) is the time of the change, e.g. when a remote worker started.

        Raises:
            ExecutionNotFoundError: unknown id.
            InvalidTransitionError: the state machine forbids the move; nothing changed.
            InvalidResultError: ``result`` is not JSON.
        """
        ...

    def update_statuses(self, changes: Sequence[StatusChange]) -> list[Execution]:
        """Apply many :class:`StatusChange` s with their events in one transaction (a worker
        reporting a batch of finished jobs): all or nothing, in the given order (an
        execution may appear more than once, e.g. RUNNING then COMPLETED).

        Raises:
            ExecutionNotFoundError / InvalidTransitionError / InvalidResultError: for the
                first change that cannot be applied; nothing changed.
        """
        ...

    def increment_retry(
        self, execution_id: str, data: Mapping[str, Any] | None = None
    ) -> Execution:
        """Count one more in-place retry and append a ``retried`` event (with ``data``).

        Raises:
            ExecutionNotFoundError: unknown id.
        """
        ...

    def update_metadata(self, execution_id: str, values: Mapping[str, Any]) -> Execution:
        """Merge ``values`` into the execution's metadata (an executor reference, say).

        Raises:
            ExecutionNotFoundError: unknown id.
            UnserializableParamsError: values are not JSON.
        """
        ...

    def list_executions(
        self,
        *,
        workflow: str | None = None,
        status: StatusFilter = None,
        lane: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        parent_execution_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Execution]:
        """Executions matching every given filter, newest first.

        ``since`` is inclusive and ``until`` exclusive, on ``created_at``. Paging by
        ``limit`` (``0..10000``) and ``offset``.

        Raises:
            ValidationError: naive datetimes, a negative or too large page, unknown status.
        """
        ...

    def record_event(
        self,
        execution_id: str,
        event_type: EventType | str,
        data: Mapping[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> ExecutionEvent:
        """Append an event (progress, a note from a worker...) without changing the status.

        Raises:
            ExecutionNotFoundError: unknown id.
            UnserializableParamsError: data is not JSON.
        """
        ...

    def get_events(self, execution_id: str) -> list[ExecutionEvent]:
        """The execution's events in recording order (empty for an unknown id)."""
        ...


def status_set(status: StatusFilter) -> frozenset[ExecutionStatus] | None:
    """Normalise a status filter to a set of statuses (``None`` = no filter).

    Raises:
        ValidationError: an unknown status.
    """
    if status is None:
        return None
    items: Iterable[Any] = [status] if isinstance(status, str) else status
    return frozenset(parse_enum(ExecutionStatus, item, "execution status") for item in items)


def check_page(limit: object, offset: object) -> tuple[int, int]:
    """Validate paging arguments.

    Raises:
        ValidationError: not ints, negative, or ``limit`` above 10,000.
    """
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{name} must be an int >= 0, got {value!r}")
    assert isinstance(limit, int)
    assert isinstance(offset, int)
    if limit > MAX_PAGE:
        raise ValidationError(f"limit must be <= {MAX_PAGE}, got {limit}; page with offset")
    return limit, offset


def __getattr__(name: str) -> object:
    # ``from spine.execution.ledger import ExecutionLedger`` (the spec's spelling) loads the
    # SQL ledger on first use; the SQL module imports this one, so it cannot be eager.
    if name in ("ExecutionLedger", "SqlLedger"):
        from spine.execution import _sql_ledger

        return getattr(_sql_ledger, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
