"""In-memory ledger: the :class:`~spine.execution.ledger.Ledger` twin for tests and demos."""

from __future__ import annotations

import marshal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from spine.execution._json import json_params, json_result
from spine.execution.errors import DuplicateExecutionError, ExecutionNotFoundError
from spine.execution.ledger import StatusChange, StatusFilter, check_page, status_set
from spine.execution.models import Execution, ExecutionEvent, transition_changes
from spine.types import ValidationError
from spine.types.enums import EventType, ExecutionStatus, TriggerSource, event_for_status
from spine.types.timestamps import to_utc, utc_now
from spine.types.ulid import generate_ulid

__all__ = ["InMemoryLedger"]

_EVENTS = {status: event_for_status(status).value for status in ExecutionStatus}
_STATUSES = {status.value: status for status in ExecutionStatus}
_STATUS_VALUES = {status: status.value for status in ExecutionStatus}  # .value is slow
_TRIGGER_VALUES = {source: source.value for source in TriggerSource}
_TRIGGERS = {source.value: source for source in TriggerSource}
_EVENT_TYPES = {kind.value: kind for kind in EventType}
_CREATED = EventType.CREATED.value
_RETRIED = EventType.RETRIED.value
_SHORT_LOG = 64

_Row = dict[str, Any]
"""What the ledger keeps of an execution: its fields by name, updated in place by a status
change, with plain values only - enums as their values, params/metadata/result as
``marshal`` bytes (``None`` when empty). Nothing in a row is a container the garbage
collector follows, so it stops tracking the row: a full collection of a ledger of many
executions does not walk through them. A snapshot is built from the row when one is read
(``marshal.loads`` is also its deep copy)."""

_StoredEvent = tuple[str, str, datetime, bytes | None]
"""An event as kept: ``(id, event type value, occurred_at, data as marshal bytes or None)``.
An execution's events are a tuple (untracked like its row) while short, a list beyond
``_SHORT_LOG`` events, so appending stays cheap for long progress logs."""

_pack = marshal.dumps
_unpack = marshal.loads


def _pack_dict(value: dict[str, Any] | None) -> bytes | None:
    return _pack(value) if value else None


def _row(execution: Execution) -> _Row:
    """The row of a checked execution (its JSON values serialised: a copy nobody holds)."""
    row = execution.__dict__.copy()
    row["status"] = _STATUS_VALUES[execution.status]
    row["trigger_source"] = _TRIGGER_VALUES[execution.trigger_source]
    row["params"] = _pack_dict(execution.params)
    row["metadata"] = _pack_dict(execution.metadata)
    result = execution.result
    row["result"] = None if result is None else _pack(result)
    return row


def _snapshot(row: _Row) -> Execution:
    """A fresh :class:`Execution` of ``row``."""
    new = _new(Execution)
    state = new.__dict__
    state.update(row)
    state["status"] = _STATUSES[row["status"]]
    state["trigger_source"] = _TRIGGERS[row["trigger_source"]]
    params = row["params"]
    state["params"] = {} if params is None else _unpack(params)
    metadata = row["metadata"]
    state["metadata"] = {} if metadata is None else _unpack(metadata)
    result = row["result"]
    if result is not None:
        state["result"] = _unpack(result)
    return new


def _event_snapshot(execution_id: str, stored: _StoredEvent) -> ExecutionEvent:
    event_id, kind, at, data = stored
    return ExecutionEvent(
        event_id, execution_id, _EVENT_TYPES[kind], at, {} if data is None else _unpack(data)
    )


_new = object.__new__


class InMemoryLedger:
    """A thread-safe ledger held in process memory (lost when the process ends).

    Behaves like the SQL ledger, checked by the same contract suite: params and results are
    validated and copied as JSON, reads return fresh snapshots, events are append-only.

    Args:
        clock: Source of "now" (timezone-aware UTC), e.g. a fake clock in tests.

    Example:
        >>> from spine.execution.models import Execution
        >>> ledger = InMemoryLedger()
        >>> e = Execution.create("sec.filings", idempotency_key="2024-01-01")
        >>> _ = ledger.create_execution(e)
        >>> ledger.get_by_idempotency_key("2024-01-01").id == e.id
        True
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._rows: dict[str, _Row] = {}
        self._events: dict[str, tuple[_StoredEvent, ...] | list[_StoredEvent]] = {}
        self._by_key: dict[str, dict[int, str]] = {}

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A critical section: no other thread sees the ledger between the calls inside.

        (Memory has no rollback: a call that raises changes nothing, calls before it stay.)
        """
        with self._lock:
            yield

    # -- writes --------------------------------------------------------------------------
    def create_execution(self, execution: Execution) -> Execution:
        """See :meth:`spine.execution.ledger.Ledger.create_execution`."""
        if execution.status is not ExecutionStatus.PENDING:
            raise ValidationError(
                f"a new execution must be pending, got {execution.status.value!r} "
                f"for {execution.id}"
            )
        stored = execution.evolve(
            params=json_params(execution.params),
            metadata=json_params(execution.metadata, "metadata") if execution.metadata else {},
        )
        self._insert(stored)
        return _snapshot(_row(stored))

    def _insert(self, execution: Execution) -> None:
        """Store a new execution and its ``created`` event (the one write path).

        ``execution`` must be PENDING with checked JSON params and metadata (the ledger
        keeps serialised copies). :meth:`create_execution` checks first; the
        :class:`~spine.execution.Dispatcher` passes executions built from a checked spec.

        Raises:
            DuplicateExecutionError: the id, or the idempotency key with this attempt, is
                taken.
        """
        execution_id = execution.id
        key = execution.idempotency_key
        attempt = execution.attempt
        row = _row(execution)
        created = (
            generate_ulid(),
            _CREATED,
            execution.created_at,
            _pack({"workflow": execution.workflow, "attempt": attempt}),
        )
        with self._lock:
            if execution_id in self._rows:
                raise DuplicateExecutionError(f"execution {execution_id} exists already")
            if key is not None and attempt in self._by_key.get(key, {}):
                raise DuplicateExecutionError(
                    f"idempotency key {key!r} has an attempt {attempt} already "
                    f"(execution {self._by_key[key][attempt]})"
                )
            self._rows[execution_id] = row
            self._events[execution_id] = (created,)
            if key is not None:
                self._by_key.setdefault(key, {})[attempt] = execution_id

    def _append(self, execution_id: str, event: _StoredEvent) -> None:
        """Append an event to an execution's log (call with the lock held)."""
        log = self._events[execution_id]
        if type(log) is list:
            log.append(event)
        elif len(log) < _SHORT_LOG:
            self._events[execution_id] = (*log, event)
        else:
            self._events[execution_id] = [*log, event]

    def create_executions(self, executions: Sequence[Execution]) -> list[Execution]:
        """See :meth:`spine.execution.ledger.Ledger.create_executions`."""
        with self._lock:
            ids: set[str] = set()
            slots: set[tuple[str, int]] = set()
            for e in executions:
                if e.status is not ExecutionStatus.PENDING:
                    raise ValidationError(
                        f"a new execution must be pending, got {e.status.value!r} for {e.id}"
                    )
                json_params(e.params)
                if e.metadata:
                    json_params(e.metadata, "metadata")
                key = e.idempotency_key
                taken = key is not None and (
                    (key, e.attempt) in slots or e.attempt in self._by_key.get(key, {})
                )
                if e.id in ids or e.id in self._rows or taken:
                    raise DuplicateExecutionError(
                        f"execution {e.id} (key {key!r}, attempt {e.attempt}) exists already "
                        "or is given twice; none was created"
                    )
                ids.add(e.id)
                if key is not None:
                    slots.add((key, e.attempt))
            return [self.create_execution(e) for e in executions]

    def update_statuses(self, changes: Sequence[StatusChange]) -> list[Execution]:
        """See :meth:`spine.execution.ledger.Ledger.update_statuses`."""
        with self._lock:
            # Check every change against the state the earlier ones leave, then apply.
            working: dict[str, tuple[ExecutionStatus, datetime | None]] = {}
            for c in changes:
                if c.execution_id in working:
                    status, started_at = working[c.execution_id]
                else:
                    row = self._get(c.execution_id)
                    status, started_at = _STATUSES[row["status"]], row["started_at"]
                if c.result is not None:
                    json_result(c.result, c.execution_id)
                if c.data:
                    json_params(c.data, "event data")
                moved = transition_changes(c.execution_id, status, started_at, c.status)
                working[c.execution_id] = (moved["status"], moved.get("started_at", started_at))
            return [
                self.update_status(
                    c.execution_id,
                    c.status,
                    result=c.result,
                    error=c.error,
                    error_type=c.error_type,
                    data=c.data,
                    at=c.at,
                )
                for c in changes
            ]

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
        """See :meth:`spine.execution.ledger.Ledger.update_status`."""
        stored_result = None if result is None else json_result(result, execution_id)
        payload = json_params(data, "event data") if data else {}
        if error is not None:
            payload["error"] = error
        if error_type is not None:
            payload["error_type"] = error_type
        with self._lock:  # the snapshot reads the row as this change left it
            row = self._advance(execution_id, status, at, stored_result, error, error_type, payload)
            return _snapshot(row)

    def _advance(
        self,
        execution_id: str,
        status: ExecutionStatus | str,
        when: datetime | None,
        result: Any,
        error: str | None,
        error_type: str | None,
        payload: dict[str, Any],
    ) -> _Row:
        """Move an execution to ``status`` and append the matching event (the one write path
        of a status change); return its row (the ledger's own, not a snapshot).

        The state machine is checked here. ``when`` defaults to the ledger's clock;
        ``result`` and ``payload`` are checked JSON (:meth:`update_status` checks them; the
        dispatcher passes a handler's result that
        :func:`~spine.execution.outcome.run_handler` or ``Job.report`` checked), stored
        serialised.

        Raises:
            ExecutionNotFoundError: unknown id.
            InvalidTransitionError: the move is not allowed; nothing changed.
        """
        if when is None:
            when = self._clock()
        elif when.tzinfo is not UTC:
            when = to_utc(when)
        with self._lock:
            row = self._get(execution_id)
            changes = transition_changes(
                execution_id,
                _STATUSES[row["status"]],
                row["started_at"],
                status,
                at=when,
                result=result,
                error=error,
                error_type=error_type,
            )
            new = changes["status"]
            changes["status"] = _STATUS_VALUES[new]
            if result is not None and "result" in changes:
                changes["result"] = _pack(result)
            row.update(changes)
            self._append(execution_id, (generate_ulid(), _EVENTS[new], when, _pack_dict(payload)))
        return row

    def increment_retry(
        self, execution_id: str, data: Mapping[str, Any] | None = None
    ) -> Execution:
        """See :meth:`spine.execution.ledger.Ledger.increment_retry`."""
        payload = json_params(data, "event data") if data else {}
        with self._lock:
            row = self._get(execution_id)
            now = self._clock()
            row["retry_count"] += 1
            row["updated_at"] = now
            payload["retry_count"] = row["retry_count"]
            self._append(execution_id, (generate_ulid(), _RETRIED, now, _pack(payload)))
            return _snapshot(row)

    def update_metadata(self, execution_id: str, values: Mapping[str, Any]) -> Execution:
        """See :meth:`spine.execution.ledger.Ledger.update_metadata`."""
        extra = json_params(values, "metadata")
        with self._lock:
            row = self._get(execution_id)
            current = row["metadata"]
            merged = extra if current is None else {**_unpack(current), **extra}
            row["metadata"] = _pack_dict(merged)
            return _snapshot(row)

    def record_event(
        self,
        execution_id: str,
        event_type: EventType | str,
        data: Mapping[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> ExecutionEvent:
        """See :meth:`spine.execution.ledger.Ledger.record_event`."""
        payload = json_params(data, "event data") if data else {}
        when = self._clock() if at is None else to_utc(at)
        event = ExecutionEvent.create(execution_id, event_type, payload, at=when)
        stored = (event.id, event.event_type.value, event.occurred_at, _pack_dict(payload))
        with self._lock:
            self._get(execution_id)
            self._append(execution_id, stored)
        return _event_snapshot(execution_id, stored)

    # -- reads ---------------------------------------------------------------------------
    def get_execution(self, execution_id: str) -> Execution | None:
        """See :meth:`spine.execution.ledger.Ledger.get_execution`."""
        with self._lock:
            found = self._rows.get(execution_id)
            return None if found is None else _snapshot(found)

    def get_by_idempotency_key(self, idempotency_key: str) -> Execution | None:
        """See :meth:`spine.execution.ledger.Ledger.get_by_idempotency_key`."""
        with self._lock:
            attempts = self._by_key.get(idempotency_key)
            if not attempts:
                return None
            return _snapshot(self._rows[attempts[max(attempts)]])

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
        """See :meth:`spine.execution.ledger.Ledger.list_executions`."""
        limit, offset = check_page(limit, offset)
        statuses = status_set(status)
        since_utc = None if since is None else to_utc(since)
        until_utc = None if until is None else to_utc(until)
        with self._lock:
            rows = [
                r
                for r in self._rows.values()
                if (workflow is None or r["workflow"] == workflow)
                and (statuses is None or _STATUSES[r["status"]] in statuses)
                and (lane is None or r["lane"] == lane)
                and (since_utc is None or r["created_at"] >= since_utc)
                and (until_utc is None or r["created_at"] < until_utc)
                and (parent_execution_id is None or r["parent_execution_id"] == parent_execution_id)
            ]
            rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
            return [_snapshot(r) for r in rows[offset : offset + limit]]

    def get_events(self, execution_id: str) -> list[ExecutionEvent]:
        """See :meth:`spine.execution.ledger.Ledger.get_events`."""
        with self._lock:
            events = list(self._events.get(execution_id, ()))
        return [_event_snapshot(execution_id, ev) for ev in events]

    def _get(self, execution_id: str) -> _Row:
        found = self._rows.get(execution_id)
        if found is None:
            raise ExecutionNotFoundError(execution_id)
        return found

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"InMemoryLedger({len(self._rows)} executions)"
