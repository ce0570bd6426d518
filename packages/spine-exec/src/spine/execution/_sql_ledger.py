"""The SQL execution ledger over ``core_executions`` and ``core_execution_events``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from spine.db.transaction import transaction
from spine.execution._json import json_params, json_result
from spine.execution._sql_base import SqlStore
from spine.execution.errors import (
    DuplicateExecutionError,
    ExecutionNotFoundError,
    InvalidTransitionError,
)
from spine.execution.ledger import StatusChange, StatusFilter, check_page, status_set
from spine.execution.models import Execution, ExecutionEvent, _new
from spine.execution.schema import CORE_EXECUTIONS
from spine.types import IntegrityError, ValidationError
from spine.types.enums import EventType, ExecutionStatus, TriggerSource, event_for_status
from spine.types.timestamps import to_utc, utc_now

__all__ = ["ExecutionLedger", "SqlLedger", "idempotency_slot"]

_EVENTS = {status: event_for_status(status) for status in ExecutionStatus}

_COLUMNS = (
    "id",
    "workflow",
    "params_json",
    "status",
    "lane",
    "trigger_source",
    "parent_execution_id",
    "batch_id",
    "idempotency_key",
    "idempotency_slot",
    "attempt",
    "retry_of",
    "retry_count",
    "created_at",
    "started_at",
    "completed_at",
    "updated_at",
    "result_json",
    "error",
    "error_type",
    "metadata_json",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM core_executions"  # noqa: S608 - constant identifiers, bound values
_INSERT = (
    f"INSERT INTO core_executions ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant identifiers, bound values
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
_EXECUTIONS = CORE_EXECUTIONS.name
_EVENT_TABLE = "core_execution_events"
_EVENT_COLUMNS = ("id", "execution_id", "event_type", "occurred_at", "payload_json")
_INSERT_EVENT = f"INSERT INTO {_EVENT_TABLE} ({', '.join(_EVENT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"  # noqa: S608 - constant identifiers, bound values
_STATUS_SET = (
    "status",
    "started_at",
    "completed_at",
    "updated_at",
    "result_json",
    "error",
    "error_type",
)
_STATUS_WHERE = ("id", "status")
_UPDATE_STATUS = (
    f"UPDATE {_EXECUTIONS} SET {', '.join(c + ' = ?' for c in _STATUS_SET)} "  # noqa: S608 - constant identifiers, bound values
    "WHERE id = ? AND status = ?"
)
_READ_CHUNK = 500
_MAX_RACES = 10
_MAX_KNOWN = 1024


class _Raced(Exception):  # noqa: N818 - internal signal, never escapes
    """Another writer moved one of the executions meanwhile."""


def idempotency_slot(key: str | None, attempt: int) -> str | None:
    """The unique slot of an idempotency key's attempt (``None`` without a key)."""
    return None if key is None else f"{attempt}:{key}"


class SqlLedger(SqlStore):
    """The execution ledger in ``core_executions`` / ``core_execution_events``.

    Implements :class:`spine.execution.ledger.Ledger` (checked by the same contract suite
    as the in-memory twin) on every spine-db backend: a status change and its event are
    written in one transaction, a concurrent change of the same execution is detected
    (``UPDATE ... WHERE status = <the status read>``) so exactly one transition wins, and
    :meth:`atomic` groups calls - of this ledger and of the lock guard and dead-letter
    queue on the same connection - into one commit.

    The tables come from component ``spine-exec``: ``spine.db.install_schema(conn)``.

    Args:
        conn: A :class:`~spine.db.SpineConnection`. One connection serves one thread at a
            time (the stores serialise their calls on it); give each worker its own.
        clock: Source of "now" (UTC).

    Example:
        >>> from spine.db import connect, install_schema
        >>> from spine.execution import Execution, ExecutionStatus
        >>> conn = connect("memory")
        >>> _ = install_schema(conn, ["spine-exec"])
        >>> ledger = SqlLedger(conn)
        >>> e = ledger.create_execution(Execution.create("finra.otc.ingest"))
        >>> ledger.update_status(e.id, ExecutionStatus.RUNNING).status.value
        'running'
        >>> [ev.event_type.value for ev in ledger.get_events(e.id)]
        ['created', 'started']
    """

    def __init__(self, conn: Any, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(conn, clock=clock)
        # The last snapshot this ledger wrote per execution: update_status starts from it
        # instead of reading the row. Never trusted: the UPDATE matches only while the
        # stored status is the one it assumed, otherwise the row is read and it tries again.
        self._known: dict[str, Execution] = {}

    def _remember(self, execution: Execution) -> None:
        known = self._known
        if len(known) >= _MAX_KNOWN:
            known.clear()
        known[execution.id] = execution

    # -- encoding ------------------------------------------------------------------------
    def _json(self, value: Any) -> Any:
        return None if value is None else self.dialect.encode_json(value)

    def _row(self, e: Execution) -> tuple[Any, ...]:
        ts = self.dialect.encode_timestamp
        return (
            e.id,
            e.workflow,
            self.dialect.encode_json(e.params),
            e.status.value,
            e.lane,
            e.trigger_source.value,
            e.parent_execution_id,
            e.batch_id,
            e.idempotency_key,
            idempotency_slot(e.idempotency_key, e.attempt),
            e.attempt,
            e.retry_of,
            e.retry_count,
            ts(e.created_at),
            ts(e.started_at),
            ts(e.completed_at),
            ts(e.updated_at),
            self._json(e.result),
            e.error,
            e.error_type,
            self.dialect.encode_json(e.metadata) if e.metadata else None,
        )

    def _execution(self, row: Sequence[Any]) -> Execution:
        d = self.dialect
        ts = d.decode_timestamp
        params = d.decode_json(row[2]) if row[2] is not None else {}
        metadata = d.decode_json(row[20]) if row[20] is not None else {}
        result = d.decode_json(row[17]) if row[17] is not None else None
        new = _new(Execution)
        new.__dict__.update(
            id=row[0],
            workflow=row[1],
            params=params,
            status=ExecutionStatus(row[3]),
            lane=row[4],
            trigger_source=TriggerSource(row[5]) if row[5] else TriggerSource.MANUAL,
            parent_execution_id=row[6],
            batch_id=row[7],
            idempotency_key=row[8],
            attempt=int(row[10]),
            retry_of=row[11],
            retry_count=int(row[12]),
            created_at=ts(row[13]),
            started_at=ts(row[14]),
            completed_at=ts(row[15]),
            updated_at=ts(row[16]),
            result=result,
            error=_text(row[18]),
            error_type=row[19],
            metadata=metadata,
        )
        return new

    def _event_row(self, ev: ExecutionEvent) -> tuple[Any, ...]:
        return (
            ev.id,
            ev.execution_id,
            ev.event_type.value,
            self.dialect.encode_timestamp(ev.occurred_at),
            self.dialect.encode_json(ev.data) if ev.data else None,
        )

    def _when(self, at: datetime | None) -> datetime:
        if at is None:
            return self._clock()
        return at if at.tzinfo is UTC else to_utc(at)

    def _load(self, execution_id: str) -> Execution:
        row = self.one(f"{_SELECT} WHERE id = ?", (execution_id,))
        if row is None:
            raise ExecutionNotFoundError(execution_id)
        return self._execution(row)

    # -- writes --------------------------------------------------------------------------
    @staticmethod
    def _prepare(execution: Execution) -> Execution:
        if execution.status is not ExecutionStatus.PENDING:
            raise ValidationError(
                f"a new execution must be pending, got {execution.status.value!r} "
                f"for {execution.id}"
            )
        return execution.evolve(
            params=json_params(execution.params),
            metadata=json_params(execution.metadata, "metadata") if execution.metadata else {},
        )

    @staticmethod
    def _created_event(execution: Execution) -> ExecutionEvent:
        return ExecutionEvent.make(
            execution.id,
            EventType.CREATED,
            {"workflow": execution.workflow, "attempt": execution.attempt},
            execution.created_at,
        )

    def create_execution(self, execution: Execution) -> Execution:
        """See :meth:`spine.execution.ledger.Ledger.create_execution`."""
        stored = self._prepare(execution)
        try:
            with self.writing():
                self.run(_INSERT, self._row(stored)).close()
                self.run(_INSERT_EVENT, self._event_row(self._created_event(stored))).close()
        except IntegrityError as exc:
            raise _duplicate(stored) from exc
        self._remember(stored)
        return stored

    def create_executions(self, executions: Sequence[Execution]) -> list[Execution]:
        """See :meth:`spine.execution.ledger.Ledger.create_executions`."""
        prepared = [self._prepare(e) for e in executions]
        _check_unique(prepared)
        if not prepared:
            return []
        try:
            with self.writing():
                self.conn.insert_rows(_EXECUTIONS, _COLUMNS, [self._row(e) for e in prepared])
                self._insert_events([self._created_event(e) for e in prepared])
        except IntegrityError as exc:
            raise DuplicateExecutionError(
                f"one of {len(prepared)} executions exists already (same id, or same "
                "idempotency key and attempt); none was created",
                cause=exc,
            ) from exc
        for e in prepared:
            self._remember(e)
        return prepared

    def create_and_update(
        self, executions: Sequence[Execution], changes: Sequence[StatusChange]
    ) -> list[Execution]:
        """:meth:`create_executions`, then :meth:`update_statuses` of ``changes`` (which
        concern those new executions only), in one write: each row is inserted in its
        final state and every event (``created``, then one per change) is stored, with no
        UPDATE at all. All or nothing; returns the final snapshots.

        Raises:
            DuplicateExecutionError: as :meth:`create_executions`.
            ExecutionNotFoundError: a change names an execution not in ``executions``.
            InvalidTransitionError: a change the state machine refuses; nothing is stored.
        """
        prepared = [self._prepare(e) for e in executions]
        _check_unique(prepared)
        current = {e.id: e for e in prepared}
        events = [self._created_event(e) for e in prepared]
        events.extend(self._transitions(current, changes)[1])
        final = list(current.values())
        if not final:
            return []
        try:
            with self.writing():
                self.conn.insert_rows(_EXECUTIONS, _COLUMNS, [self._row(e) for e in final])
                self._insert_events(events)
        except IntegrityError as exc:
            raise DuplicateExecutionError(
                f"one of {len(final)} executions exists already (same id, or same "
                "idempotency key and attempt); none was created",
                cause=exc,
            ) from exc
        for e in final:
            self._remember(e)
        return final

    def _change(
        self,
        execution_id: str,
        status: ExecutionStatus | str,
        result: Any,
        error: str | None,
        error_type: str | None,
        payload: dict[str, Any],
        when: datetime,
    ) -> tuple[Execution, ExecutionEvent]:
        """Move one execution (inside a write scope); return it and its event (not yet
        inserted)."""
        assumed = self._known.pop(execution_id, None)
        for _ in range(_MAX_RACES):
            current = assumed if assumed is not None else self._load(execution_id)
            try:
                new = current.transition(
                    status, at=when, result=result, error=error, error_type=error_type
                )
            except InvalidTransitionError:
                if assumed is None:
                    raise
                assumed = None  # the remembered status may be stale: read the row
                continue
            changed = self.rowcount(_UPDATE_STATUS, self._status_row(new, current.status))
            if changed:
                self._remember(new)
                return new, ExecutionEvent.make(execution_id, _EVENTS[new.status], payload, when)
            assumed = None
        raise ValidationError(  # pragma: no cover - needs _MAX_RACES lost races in a row
            f"execution {execution_id} kept changing under update_status; try again"
        )

    def _status_row(self, new: Execution, expected: ExecutionStatus) -> tuple[Any, ...]:
        """The parameters of ``_UPDATE_STATUS`` moving ``new.id`` from ``expected`` to
        ``new`` (the one place that binds that statement)."""
        ts = self.dialect.encode_timestamp
        return (
            new.status.value,
            ts(new.started_at),
            ts(new.completed_at),
            ts(new.updated_at),
            self._json(new.result),
            new.error,
            new.error_type,
            new.id,
            expected.value,
        )

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
        payload = _payload(data, error, error_type)
        when = self._when(at)
        with self.writing():
            new, event = self._change(
                execution_id, status, stored_result, error, error_type, payload, when
            )
            self.run(_INSERT_EVENT, self._event_row(event)).close()
        return new

    def update_statuses(self, changes: Sequence[StatusChange]) -> list[Execution]:
        """See :meth:`spine.execution.ledger.Ledger.update_statuses`.

        Set-based: the executions not written last by this ledger are read in one query,
        every change is checked against the state machine in order, then one update per
        execution (:meth:`spine.db.SpineConnection.update_rows`, guarded by the status
        read) and one bulk insert of the events. When another writer moved one of them
        meanwhile (the guard matched fewer rows), the batch is undone and replayed change
        by change.
        """
        if not changes:
            return []
        if len(changes) > 1:
            try:
                with self.writing(), transaction(self.conn):
                    return self._apply_set(changes)
            except _Raced:
                for change in changes:
                    self._known.pop(change.execution_id, None)
        prepared = [
            (
                c.execution_id,
                c.status,
                None if c.result is None else json_result(c.result, c.execution_id),
                c.error,
                c.error_type,
                _payload(c.data, c.error, c.error_type),
                self._when(c.at),
            )
            for c in changes
        ]
        moved: list[Execution] = []
        events: list[ExecutionEvent] = []
        with self.writing():
            for args in prepared:
                new, event = self._change(*args)
                moved.append(new)
                events.append(event)
            self._insert_events(events)
        return moved

    def _load_many(self, ids: list[str]) -> dict[str, Execution]:
        # the states this ledger wrote last are assumed (a stale one fails the guarded
        # update, and the batch is replayed change by change)
        found: dict[str, Execution] = {i: self._known[i] for i in ids if i in self._known}
        missing = [i for i in ids if i not in found]
        for start in range(0, len(missing), _READ_CHUNK):
            chunk = missing[start : start + _READ_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for row in self.all(f"{_SELECT} WHERE id IN ({marks})", chunk):
                execution = self._execution(row)
                found[execution.id] = execution
        return found

    def _transitions(
        self, current: dict[str, Execution], changes: Sequence[StatusChange]
    ) -> tuple[list[Execution], list[ExecutionEvent]]:
        """Apply ``changes`` in order to the snapshots in ``current`` (updated in place)
        through the state machine; return each change's new snapshot and its event."""
        moved: list[Execution] = []
        events: list[ExecutionEvent] = []
        for c in changes:
            execution = current.get(c.execution_id)
            if execution is None:
                raise ExecutionNotFoundError(c.execution_id)
            result = None if c.result is None else json_result(c.result, c.execution_id)
            when = self._when(c.at)
            new = execution.transition(
                c.status, at=when, result=result, error=c.error, error_type=c.error_type
            )
            current[c.execution_id] = new
            moved.append(new)
            events.append(
                ExecutionEvent.make(
                    c.execution_id,
                    _EVENTS[new.status],
                    _payload(c.data, c.error, c.error_type),
                    when,
                )
            )
        return moved, events

    def _apply_set(self, changes: Sequence[StatusChange]) -> list[Execution]:
        ids = list(dict.fromkeys(c.execution_id for c in changes))
        current = self._load_many(ids)
        read_status = {i: e.status for i, e in current.items()}
        moved, events = self._transitions(current, changes)
        rows = [self._status_row(current[i], read_status[i]) for i in ids]
        if self.conn.update_rows(CORE_EXECUTIONS, _STATUS_SET, _STATUS_WHERE, rows) != len(rows):
            raise _Raced
        self._insert_events(events)
        for execution_id in ids:
            self._remember(current[execution_id])
        return moved

    def _insert_events(self, events: Sequence[ExecutionEvent]) -> None:
        if len(events) == 1:
            self.run(_INSERT_EVENT, self._event_row(events[0])).close()
        elif events:
            rows = [self._event_row(ev) for ev in events]
            self.conn.insert_rows(_EVENT_TABLE, _EVENT_COLUMNS, rows)

    def increment_retry(
        self, execution_id: str, data: Mapping[str, Any] | None = None
    ) -> Execution:
        """See :meth:`spine.execution.ledger.Ledger.increment_retry`."""
        payload = json_params(data, "event data") if data else {}
        when = self._clock()
        self._known.pop(execution_id, None)
        with self.writing():
            changed = self.rowcount(
                "UPDATE core_executions SET retry_count = retry_count + 1, updated_at = ? "
                "WHERE id = ?",
                (self.ts(when), execution_id),
            )
            if not changed:
                raise ExecutionNotFoundError(execution_id)
            new = self._load(execution_id)
            payload["retry_count"] = new.retry_count
            event = ExecutionEvent.make(execution_id, EventType.RETRIED, payload, when)
            self.run(_INSERT_EVENT, self._event_row(event)).close()
        return new

    def update_metadata(self, execution_id: str, values: Mapping[str, Any]) -> Execution:
        """See :meth:`spine.execution.ledger.Ledger.update_metadata`."""
        extra = json_params(values, "metadata")
        self._known.pop(execution_id, None)
        with self.writing():
            # Lock the row first (a no-op change) so concurrent merges do not lose keys.
            self.run(
                "UPDATE core_executions SET retry_count = retry_count WHERE id = ?",
                (execution_id,),
            ).close()
            current = self._load(execution_id)
            new = current.evolve(metadata={**current.metadata, **extra})
            self.run(
                "UPDATE core_executions SET metadata_json = ? WHERE id = ?",
                (self.dialect.encode_json(new.metadata), execution_id),
            ).close()
        return new

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
        with self.writing():
            if self.one("SELECT id FROM core_executions WHERE id = ?", (execution_id,)) is None:
                raise ExecutionNotFoundError(execution_id)
            self.run(_INSERT_EVENT, self._event_row(event)).close()
        return event

    # -- reads ---------------------------------------------------------------------------
    def get_execution(self, execution_id: str) -> Execution | None:
        """See :meth:`spine.execution.ledger.Ledger.get_execution`."""
        with self.reading():
            row = self.one(f"{_SELECT} WHERE id = ?", (execution_id,))
        return None if row is None else self._execution(row)

    def get_by_idempotency_key(self, idempotency_key: str) -> Execution | None:
        """See :meth:`spine.execution.ledger.Ledger.get_by_idempotency_key`."""
        page = self.dialect.limit_offset(1)
        with self.reading():
            row = self.one(
                f"{_SELECT} WHERE idempotency_key = ? ORDER BY attempt DESC {page}",
                (idempotency_key,),
            )
        return None if row is None else self._execution(row)

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
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("workflow", workflow),
            ("lane", lane),
            ("parent_execution_id", parent_execution_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if statuses is not None:
            if not statuses:
                return []
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params.extend(sorted(s.value for s in statuses))
        if since is not None:
            where.append("created_at >= ?")
            params.append(self.ts(to_utc(since)))
        if until is not None:
            where.append("created_at < ?")
            params.append(self.ts(to_utc(until)))
        if limit == 0:
            return []
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        page = self.dialect.limit_offset(limit, offset)
        with self.reading():
            rows = self.all(f"{_SELECT}{clause} ORDER BY created_at DESC, id DESC {page}", params)
        return [self._execution(r) for r in rows]

    def get_events(self, execution_id: str) -> list[ExecutionEvent]:
        """See :meth:`spine.execution.ledger.Ledger.get_events`."""
        with self.reading():
            rows = self.all(
                "SELECT id, execution_id, event_type, occurred_at, payload_json "
                "FROM core_execution_events WHERE execution_id = ? ORDER BY id",
                (execution_id,),
            )
        d = self.dialect
        out = []
        for row in rows:
            when = d.decode_timestamp(row[3])
            assert when is not None
            data = d.decode_json(row[4]) if row[4] is not None else {}
            out.append(ExecutionEvent(row[0], row[1], EventType(row[2]), when, data))
        return out

    def __repr__(self) -> str:
        return f"SqlLedger({self.dialect.name})"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "read"):  # a LOB
        return str(value.read())
    return str(value)


def _payload(
    data: Mapping[str, Any] | None, error: str | None, error_type: str | None
) -> dict[str, Any]:
    payload = json_params(data, "event data") if data else {}
    if error is not None:
        payload["error"] = error
    if error_type is not None:
        payload["error_type"] = error_type
    return payload


def _duplicate(execution: Execution) -> DuplicateExecutionError:
    key = execution.idempotency_key
    if key is None:
        return DuplicateExecutionError(f"execution {execution.id} exists already")
    return DuplicateExecutionError(
        f"execution {execution.id} exists already, or idempotency key {key!r} has an "
        f"attempt {execution.attempt} already"
    )


def _check_unique(executions: Sequence[Execution]) -> None:
    ids: set[str] = set()
    slots: set[str] = set()
    for e in executions:
        slot = idempotency_slot(e.idempotency_key, e.attempt)
        if e.id in ids or (slot is not None and slot in slots):
            raise DuplicateExecutionError(
                f"execution {e.id} (key {e.idempotency_key!r}, attempt {e.attempt}) is given "
                "twice in the batch; none was created"
            )
        ids.add(e.id)
        if slot is not None:
            slots.add(slot)


ExecutionLedger = SqlLedger
"""The spec's name: ``ExecutionLedger(conn)`` is the SQL ledger on a connection."""
