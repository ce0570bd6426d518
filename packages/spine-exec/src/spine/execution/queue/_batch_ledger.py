"""The worker's SQL ledger: :class:`~spine.execution.SqlLedger` whose ``update_statuses``
is set-based (one read, one ``executemany`` update, one ``executemany`` of events per
batch, instead of a read and an update per change).

Same contract: the state machine is checked per change, in order; a concurrent change of
one of the executions (the optimistic ``WHERE status = <status read>`` matched fewer rows)
undoes the batch and replays it change by change through the base class.
"""

from __future__ import annotations

from collections.abc import Sequence

from spine.db.transaction import transaction
from spine.execution._json import json_result
from spine.execution._sql_ledger import (
    _EVENTS,
    _INSERT_EVENT,
    _SELECT,
    _UPDATE_STATUS,
    SqlLedger,
    _payload,
)
from spine.execution.errors import ExecutionNotFoundError
from spine.execution.ledger import StatusChange
from spine.execution.models import Execution, ExecutionEvent

__all__ = ["BatchSqlLedger"]

_CHUNK = 500


class _Raced(Exception):  # noqa: N818 - internal signal, never escapes
    """Another writer moved one of the executions meanwhile."""


class BatchSqlLedger(SqlLedger):
    """:class:`~spine.execution.SqlLedger` with a set-based ``update_statuses``."""

    def _load_many(self, ids: list[str]) -> dict[str, Execution]:
        # the states this ledger wrote last are assumed (a stale one fails the optimistic
        # update below, and the batch is replayed through the base class)
        found: dict[str, Execution] = {i: self._known[i] for i in ids if i in self._known}
        missing = [i for i in ids if i not in found]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for row in self.all(f"{_SELECT} WHERE id IN ({marks})", chunk):
                execution = self._execution(row)
                found[execution.id] = execution
        return found

    def update_statuses(self, changes: Sequence[StatusChange]) -> list[Execution]:
        """See :meth:`spine.execution.ledger.Ledger.update_statuses` (set-based)."""
        if len(changes) < 2:
            return super().update_statuses(changes)
        try:
            with self.writing(), transaction(self.conn):
                return self._apply(changes)
        except _Raced:
            for change in changes:
                self._known.pop(change.execution_id, None)
            return super().update_statuses(changes)

    def _apply(self, changes: Sequence[StatusChange]) -> list[Execution]:
        ids = list(dict.fromkeys(c.execution_id for c in changes))
        current = self._load_many(ids)
        read_status = {i: e.status for i, e in current.items()}
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
        rows = [self._status_row(current[i], read_status[i]) for i in ids]
        cur = self.conn.executemany(self.sql(_UPDATE_STATUS), rows)
        try:
            changed = cur.rowcount
        finally:
            cur.close()
        if changed != len(rows):
            raise _Raced
        self.run_many(_INSERT_EVENT, [self._event_row(ev) for ev in events])
        for execution_id in ids:
            self._remember(current[execution_id])
        return moved
