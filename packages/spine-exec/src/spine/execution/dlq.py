"""Dead-letter queue: executions that failed for good, kept for inspection and replay.

An entry is added when an execution fails and its retry policy gives up (a non-retryable
error at once, a retryable one after its retries). Operators list entries, replay them
(:meth:`DeadLetterQueue.replay` resubmits through the dispatcher as a new execution linked to
the failed one) and resolve them. A replay's outcome comes back to its entry: success
resolves it, failure records the new error on the same entry (no duplicate entries). Each
entry allows ``max_retries`` replays; ``force=True`` overrides.

:class:`DeadLetterQueue` is the store protocol; the in-memory twin is
:class:`spine.execution.testing.InMemoryDeadLetterQueue`, and :class:`DeadLetterReplay`
holds the replay logic every implementation shares.

Example:
    >>> from spine.execution import Dispatcher, RetryStrategy
    >>> from spine.execution.testing import InMemoryDeadLetterQueue
    >>> dlq = InMemoryDeadLetterQueue()
    >>> dispatcher = Dispatcher(dlq=dlq)
    >>> attempts = []
    >>> @dispatcher.registry.handler("flaky")
    ... def flaky(params):
    ...     attempts.append(1)
    ...     if len(attempts) == 1:
    ...         raise ValueError("bad input file")
    ...     return {"ok": True}
    >>> failed = dispatcher.submit("flaky", {"file": "w52.csv"})
    >>> entry = dlq.list_unresolved()[0]
    >>> entry.execution_id == failed, entry.error
    (True, 'bad input file')
    >>> replayed = dlq.replay(entry.id, dispatcher)
    >>> dispatcher.get_execution(replayed).retry_of == failed, dlq.get(entry.id).is_resolved
    (True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from spine.execution.errors import DeadLetterNotFoundError, DeadLetterStateError
from spine.types.enums import ExecutionStatus, TriggerSource

if TYPE_CHECKING:
    from spine.execution.dispatcher import Dispatcher

__all__ = ["DeadLetter", "DeadLetterQueue", "DeadLetterReplay"]

DEFAULT_MAX_REPLAYS = 3


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead-letter entry.

    Attributes:
        id: ULID.
        execution_id: The execution that failed (the latest one, after replays).
        workflow: Its handler or workflow name.
        params: Its params (JSON).
        error / error_type: The latest failure.
        retry_count: Replays done so far.
        max_retries: Replays allowed.
        created_at / last_retry_at / resolved_at: UTC timestamps.
        resolved_by: Who or what resolved it (``"replay <execution id>"`` after a replay).
        metadata: JSON annotations (attempts, category, replay execution ids...).
    """

    id: str
    execution_id: str | None
    workflow: str
    params: dict[str, Any]
    error: str
    error_type: str | None = None
    retry_count: int = 0
    max_retries: int = DEFAULT_MAX_REPLAYS
    created_at: datetime | None = None
    last_retry_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_resolved(self) -> bool:
        """Whether the entry was resolved."""
        return self.resolved_at is not None

    def can_retry(self) -> bool:
        """Unresolved, with replays left."""
        return not self.is_resolved and self.retry_count < self.max_retries


@runtime_checkable
class DeadLetterQueue(Protocol):
    """Store of dead-letter entries (in memory, or the ``core_dead_letters`` table)."""

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
        """Add an entry (``max_retries``: replays allowed, default the queue's).

        Raises:
            ValidationError: an empty workflow or error, a negative ``max_retries``.
            UnserializableParamsError: params or metadata are not JSON (use lenient forms).
        """
        ...

    def get(self, entry_id: str) -> DeadLetter | None:
        """The entry, or ``None``."""
        ...

    def list_unresolved(
        self, *, workflow: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[DeadLetter]:
        """Unresolved entries, newest first."""
        ...

    def list_all(
        self,
        *,
        workflow: str | None = None,
        include_resolved: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> list[DeadLetter]:
        """Entries, newest first."""
        ...

    def count(self, *, workflow: str | None = None, unresolved_only: bool = True) -> int:
        """How many entries (unresolved ones by default)."""
        ...

    def can_retry(self, entry_id: str) -> bool:
        """Whether the entry exists, is unresolved and has replays left."""
        ...

    def mark_retry_attempted(self, entry_id: str, *, execution_id: str | None = None) -> bool:
        """Count one replay (``execution_id``: the replay's execution); ``False`` if the
        entry is unknown or resolved."""
        ...

    def record_replay_outcome(
        self,
        entry_id: str,
        execution_id: str,
        *,
        error: str | None = None,
        error_type: str | None = None,
    ) -> bool:
        """A replay ended: without ``error`` the entry is resolved by it; with one, the
        entry keeps the new error and execution id. ``False`` if unknown or resolved."""
        ...

    def resolve(self, entry_id: str, resolved_by: str | None = None) -> bool:
        """Resolve the entry, once: ``False`` if unknown or already resolved."""
        ...

    def replay(self, entry_id: str, dispatcher: Dispatcher, *, force: bool = False) -> str:
        """Resubmit the entry's work through ``dispatcher``; return the new execution id."""
        ...

    def cleanup_resolved(self, days: float = 30) -> int:
        """Delete entries resolved more than ``days`` ago; return how many."""
        ...


class DeadLetterReplay:
    """The replay logic shared by every :class:`DeadLetterQueue` implementation (a mixin
    over ``get``, ``mark_retry_attempted`` and ``record_replay_outcome``)."""

    def get(self, entry_id: str) -> DeadLetter | None:  # pragma: no cover - provided by stores
        raise NotImplementedError

    def mark_retry_attempted(  # pragma: no cover - provided by stores
        self, entry_id: str, *, execution_id: str | None = None
    ) -> bool:
        raise NotImplementedError

    def can_retry(self, entry_id: str) -> bool:
        """Whether the entry exists, is unresolved and has replays left."""
        entry = self.get(entry_id)
        return entry is not None and entry.can_retry()

    def replay(self, entry_id: str, dispatcher: Dispatcher, *, force: bool = False) -> str:
        """Run the entry's work again through ``dispatcher``; return the new execution id.

        When the failed execution is in the dispatcher's ledger, the new execution is its
        retry (``retry_of`` it, ``attempt + 1``, same idempotency key); otherwise the work is
        submitted afresh from the entry's workflow and params. Either way it is tagged with
        this entry's id, and its outcome is reported back to the entry.

        Raises:
            DeadLetterNotFoundError: unknown entry.
            DeadLetterStateError: the entry is resolved, or its replays are used up (without
                ``force``).
        """
        from spine.execution.spec import WorkSpec

        entry = self.get(entry_id)
        if entry is None:
            raise DeadLetterNotFoundError(f"no dead-letter entry {entry_id!r}")
        if entry.is_resolved:
            raise DeadLetterStateError(
                f"dead-letter entry {entry_id} was resolved by {entry.resolved_by!r} at "
                f"{entry.resolved_at}; nothing to replay"
            )
        if entry.retry_count >= entry.max_retries and not force:
            raise DeadLetterStateError(
                f"dead-letter entry {entry_id} used {entry.retry_count} of {entry.max_retries} "
                "replays; pass force=True to replay it anyway"
            )
        tag = {"dead_letter_id": entry.id}
        # Counted before it runs: an inline executor finishes (and reports back) in submit.
        self.mark_retry_attempted(entry.id)
        original = (
            dispatcher.ledger.get_execution(entry.execution_id) if entry.execution_id else None
        )
        if original is not None and original.is_terminal:
            new_id = dispatcher.retry(
                original.id, force=original.status is ExecutionStatus.COMPLETED, metadata=tag
            )
        else:
            new_id = dispatcher.submit(
                WorkSpec(
                    entry.workflow,
                    entry.params,
                    trigger_source=TriggerSource.RETRY,
                    metadata=tag,
                )
            )
        return new_id
