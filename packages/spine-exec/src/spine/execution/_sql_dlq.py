"""The SQL dead-letter queue over ``core_dead_letters``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from spine.execution._json import json_params
from spine.execution._memory_dlq import check_max_retries
from spine.execution._sql_base import SqlStore
from spine.execution._sql_ledger import _text
from spine.execution.dlq import DEFAULT_MAX_REPLAYS, DeadLetter, DeadLetterReplay
from spine.execution.ledger import check_page
from spine.execution.models import MAX_WORKFLOW
from spine.types import ValidationError
from spine.types.timestamps import utc_now
from spine.types.ulid import generate_ulid

__all__ = ["DLQManager", "SqlDeadLetterQueue"]

_COLUMNS = (
    "id, execution_id, workflow, params_json, error, error_type, retry_count, max_retries, "
    "created_at, last_retry_at, resolved_at, resolved_by, metadata_json"
)
_SELECT = f"SELECT {_COLUMNS} FROM core_dead_letters"  # noqa: S608 - constant identifiers, bound values


class SqlDeadLetterQueue(DeadLetterReplay, SqlStore):
    """Dead letters in ``core_dead_letters`` (``DLQManager(conn)``).

    Implements :class:`spine.execution.dlq.DeadLetterQueue` (same contract suite as the
    in-memory twin); replays go through a dispatcher and are linked to their entry.
    "Resolve once" holds across processes: the resolving ``UPDATE`` only matches an
    unresolved entry.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (joins the ledger's unit of work on the
            same connection).
        max_retries: Default replays allowed per entry.
        clock: Source of "now" (UTC).

    Example:
        >>> from spine.db import connect, install_schema
        >>> conn = connect("memory")
        >>> _ = install_schema(conn, ["spine-exec"])
        >>> dlq = SqlDeadLetterQueue(conn)
        >>> entry = dlq.add(execution_id=None, workflow="sec.filings", params={"d": 1},
        ...                 error="bad file")
        >>> dlq.count(), dlq.resolve(entry.id, "ops"), dlq.resolve(entry.id, "ops")
        (1, True, False)
    """

    def __init__(
        self,
        conn: Any,
        *,
        max_retries: int = DEFAULT_MAX_REPLAYS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        SqlStore.__init__(self, conn, clock=clock)
        self.max_retries = check_max_retries(max_retries)

    def _entry(self, row: tuple[Any, ...]) -> DeadLetter:
        d = self.dialect
        ts = d.decode_timestamp
        return DeadLetter(
            id=row[0],
            execution_id=row[1],
            workflow=row[2],
            params=d.decode_json(row[3]) if row[3] is not None else {},
            error=_text(row[4]) or "",
            error_type=row[5],
            retry_count=int(row[6]),
            max_retries=int(row[7]),
            created_at=ts(row[8]),
            last_retry_at=ts(row[9]),
            resolved_at=ts(row[10]),
            resolved_by=row[11],
            metadata=d.decode_json(row[12]) if row[12] is not None else {},
        )

    def add(
        self,
        *,
        execution_id: str | None,
        workflow: str,
        params: Mapping[str, Any] | None,
        error: str,
        error_type: str | None = None,
        max_retries: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> DeadLetter:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.add`."""
        if not isinstance(workflow, str) or not workflow or len(workflow) > MAX_WORKFLOW:
            raise ValidationError(
                f"workflow must be a str of 1..{MAX_WORKFLOW} chars, got {workflow!r}"
            )
        if not isinstance(error, str) or not error:
            raise ValidationError(f"error must be a non-empty str, got {error!r}")
        entry = DeadLetter(
            id=generate_ulid(),
            execution_id=execution_id,
            workflow=workflow,
            params=json_params(params),
            error=error,
            error_type=(error_type or "")[:200] or None,
            max_retries=self.max_retries if max_retries is None else check_max_retries(max_retries),
            created_at=self._clock(),
            metadata=json_params(metadata, "metadata"),
        )
        enc = self.dialect.encode_json
        with self.writing():
            self.run(
                f"INSERT INTO core_dead_letters ({_COLUMNS}) "  # noqa: S608 - constant identifiers, bound values
                "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, NULL, NULL, ?)",
                (
                    entry.id,
                    entry.execution_id,
                    entry.workflow,
                    enc(entry.params),
                    entry.error,
                    entry.error_type,
                    entry.max_retries,
                    self.ts(entry.created_at),
                    enc(entry.metadata) if entry.metadata else None,
                ),
            ).close()
        return entry

    def get(self, entry_id: str) -> DeadLetter | None:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.get`."""
        with self.reading():
            row = self.one(f"{_SELECT} WHERE id = ?", (entry_id,))
        return None if row is None else self._entry(row)

    def _where(self, workflow: str | None, unresolved_only: bool) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if workflow is not None:
            where.append("workflow = ?")
            params.append(workflow)
        if unresolved_only:
            where.append("resolved_at IS NULL")
        return (f" WHERE {' AND '.join(where)}" if where else ""), params

    def _list(
        self, workflow: str | None, unresolved_only: bool, limit: int, offset: int
    ) -> list[DeadLetter]:
        limit, offset = check_page(limit, offset)
        if limit == 0:
            return []
        clause, params = self._where(workflow, unresolved_only)
        page = self.dialect.limit_offset(limit, offset)
        with self.reading():
            rows = self.all(f"{_SELECT}{clause} ORDER BY created_at DESC, id DESC {page}", params)
        return [self._entry(r) for r in rows]

    def list_unresolved(
        self, *, workflow: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[DeadLetter]:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.list_unresolved`."""
        return self._list(workflow, True, limit, offset)

    def list_all(
        self,
        *,
        workflow: str | None = None,
        include_resolved: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> list[DeadLetter]:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.list_all`."""
        return self._list(workflow, not include_resolved, limit, offset)

    def count(self, *, workflow: str | None = None, unresolved_only: bool = True) -> int:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.count`."""
        clause, params = self._where(workflow, unresolved_only)
        with self.reading():
            row = self.one(f"SELECT COUNT(*) FROM core_dead_letters{clause}", params)  # noqa: S608 - constant identifiers, bound values
        return int(row[0]) if row else 0

    def _locked_unresolved(self, entry_id: str) -> DeadLetter | None:
        """The entry with its row locked (a no-op change), when it is unresolved."""
        if not self.rowcount(
            "UPDATE core_dead_letters SET retry_count = retry_count + 0 "
            "WHERE id = ? AND resolved_at IS NULL",
            (entry_id,),
        ):
            # MySQL counts changed rows only: confirm with a read.
            row = self.one(f"{_SELECT} WHERE id = ? AND resolved_at IS NULL", (entry_id,))
            return None if row is None else self._entry(row)
        row = self.one(f"{_SELECT} WHERE id = ?", (entry_id,))
        return None if row is None else self._entry(row)

    def mark_retry_attempted(self, entry_id: str, *, execution_id: str | None = None) -> bool:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.mark_retry_attempted`."""
        with self.writing():
            entry = self._locked_unresolved(entry_id)
            if entry is None:
                return False
            metadata = dict(entry.metadata)
            if execution_id is not None:
                metadata["replays"] = [*metadata.get("replays", []), execution_id]
            self.run(
                "UPDATE core_dead_letters SET retry_count = retry_count + 1, last_retry_at = ?, "
                "metadata_json = ? WHERE id = ?",
                (self.ts(self._clock()), self.dialect.encode_json(metadata), entry_id),
            ).close()
        return True

    def record_replay_outcome(
        self,
        entry_id: str,
        execution_id: str,
        *,
        error: str | None = None,
        error_type: str | None = None,
    ) -> bool:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.record_replay_outcome`."""
        with self.writing():
            entry = self._locked_unresolved(entry_id)
            if entry is None:
                return False
            metadata = {
                **entry.metadata,
                "replays": [*entry.metadata.get("replays", []), execution_id],
            }
            enc = self.dialect.encode_json(metadata)
            if error is None:
                self.run(
                    "UPDATE core_dead_letters SET resolved_at = ?, resolved_by = ?, "
                    "metadata_json = ? WHERE id = ?",
                    (self.ts(self._clock()), f"replay {execution_id}"[:255], enc, entry_id),
                ).close()
            else:
                self.run(
                    "UPDATE core_dead_letters SET execution_id = ?, error = ?, error_type = ?, "
                    "metadata_json = ? WHERE id = ?",
                    (execution_id, error, (error_type or "")[:200] or None, enc, entry_id),
                ).close()
        return True

    def resolve(self, entry_id: str, resolved_by: str | None = None) -> bool:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.resolve`."""
        with self.writing():
            return bool(
                self.rowcount(
                    "UPDATE core_dead_letters SET resolved_at = ?, resolved_by = ? "
                    "WHERE id = ? AND resolved_at IS NULL",
                    (self.ts(self._clock()), resolved_by, entry_id),
                )
            )

    def cleanup_resolved(self, days: float = 30) -> int:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.cleanup_resolved`."""
        if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
            raise ValidationError(f"days must be a number >= 0, got {days!r}")
        cutoff = self._clock() - timedelta(days=days)
        with self.writing():
            return self.rowcount(
                "DELETE FROM core_dead_letters WHERE resolved_at IS NOT NULL AND resolved_at < ?",
                (self.ts(cutoff),),
            )

    def __repr__(self) -> str:
        return f"SqlDeadLetterQueue({self.dialect.name})"


DLQManager = SqlDeadLetterQueue
"""The spec's name: ``DLQManager(conn)`` is the SQL dead-letter queue on a connection."""
