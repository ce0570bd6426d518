"""In-memory dead-letter queue: the :class:`~spine.execution.dlq.DeadLetterQueue` twin."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from spine.execution._json import copy_json, json_params
from spine.execution.dlq import DEFAULT_MAX_REPLAYS, DeadLetter, DeadLetterReplay
from spine.execution.ledger import check_page
from spine.execution.models import MAX_WORKFLOW
from spine.types import ValidationError
from spine.types.timestamps import utc_now
from spine.types.ulid import generate_ulid

__all__ = ["InMemoryDeadLetterQueue"]


def _snapshot(entry: DeadLetter) -> DeadLetter:
    return replace(entry, params=copy_json(entry.params), metadata=copy_json(entry.metadata))


def check_max_retries(value: object) -> int:
    """Validate a replay budget."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"max_retries must be an int >= 0, got {value!r}")
    return value


class InMemoryDeadLetterQueue(DeadLetterReplay):
    """A thread-safe dead-letter queue in process memory.

    Args:
        max_retries: Default replays allowed per entry.
        clock: Source of "now" (UTC), e.g. a fake clock in tests.
    """

    def __init__(
        self,
        *,
        max_retries: int = DEFAULT_MAX_REPLAYS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.max_retries = check_max_retries(max_retries)
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, DeadLetter] = {}

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
            error_type=error_type,
            max_retries=self.max_retries if max_retries is None else check_max_retries(max_retries),
            created_at=self._clock(),
            metadata=json_params(metadata, "metadata"),
        )
        with self._lock:
            self._entries[entry.id] = entry
        return _snapshot(entry)

    def get(self, entry_id: str) -> DeadLetter | None:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.get`."""
        entry = self._entries.get(entry_id)
        return None if entry is None else _snapshot(entry)

    def _select(self, workflow: str | None, unresolved_only: bool) -> list[DeadLetter]:
        with self._lock:
            rows = [
                e
                for e in self._entries.values()
                if (workflow is None or e.workflow == workflow)
                and not (unresolved_only and e.is_resolved)
            ]
        rows.sort(key=lambda e: (e.created_at or datetime.min, e.id), reverse=True)
        return rows

    def list_unresolved(
        self, *, workflow: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[DeadLetter]:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.list_unresolved`."""
        limit, offset = check_page(limit, offset)
        return [_snapshot(e) for e in self._select(workflow, True)[offset : offset + limit]]

    def list_all(
        self,
        *,
        workflow: str | None = None,
        include_resolved: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> list[DeadLetter]:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.list_all`."""
        limit, offset = check_page(limit, offset)
        rows = self._select(workflow, not include_resolved)
        return [_snapshot(e) for e in rows[offset : offset + limit]]

    def count(self, *, workflow: str | None = None, unresolved_only: bool = True) -> int:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.count`."""
        return len(self._select(workflow, unresolved_only))

    def mark_retry_attempted(self, entry_id: str, *, execution_id: str | None = None) -> bool:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.mark_retry_attempted`."""
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or entry.is_resolved:
                return False
            metadata = dict(entry.metadata)
            if execution_id is not None:
                metadata["replays"] = [*metadata.get("replays", []), execution_id]
            self._entries[entry_id] = replace(
                entry,
                retry_count=entry.retry_count + 1,
                last_retry_at=self._clock(),
                metadata=metadata,
            )
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
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or entry.is_resolved:
                return False
            metadata = {
                **entry.metadata,
                "replays": [*entry.metadata.get("replays", []), execution_id],
            }
            if error is None:
                new = replace(
                    entry,
                    resolved_at=self._clock(),
                    resolved_by=f"replay {execution_id}",
                    metadata=metadata,
                )
            else:
                new = replace(
                    entry,
                    execution_id=execution_id,
                    error=error,
                    error_type=error_type,
                    metadata=metadata,
                )
            self._entries[entry_id] = new
        return True

    def resolve(self, entry_id: str, resolved_by: str | None = None) -> bool:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.resolve`."""
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or entry.is_resolved:
                return False
            self._entries[entry_id] = replace(
                entry, resolved_at=self._clock(), resolved_by=resolved_by
            )
        return True

    def cleanup_resolved(self, days: float = 30) -> int:
        """See :meth:`spine.execution.dlq.DeadLetterQueue.cleanup_resolved`."""
        if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
            raise ValidationError(f"days must be a number >= 0, got {days!r}")
        cutoff = self._clock() - timedelta(days=days)
        with self._lock:
            old = [
                k
                for k, e in self._entries.items()
                if e.resolved_at is not None and e.resolved_at < cutoff
            ]
            for key in old:
                del self._entries[key]
        return len(old)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"InMemoryDeadLetterQueue({self.count()} unresolved)"
