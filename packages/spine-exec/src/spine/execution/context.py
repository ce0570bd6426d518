"""Tracked execution: run a block of your own code as a recorded, locked, dead-lettered
execution - the spec's 7-step lifecycle.

::

    1. idempotency: a COMPLETED execution with this key exists -> skip (ctx.skipped)
    2. create the execution in the ledger          ┐
    3. acquire the concurrency lock                 ├ one unit of work (one commit on SQL)
    4. mark it RUNNING                              ┘
    5. yield ctx - your code runs (ctx.set_result(...))
    6a. success: COMPLETED with the result          ┐ one unit of work
    6b. failure: FAILED (TIMED_OUT for a deadline)  │
        + a dead-letter entry, and the error is     │
        re-raised                                   │
    7. release the lock - always                    ┘

A lock held by another owner records the attempt as CANCELLED and raises
:class:`~spine.execution.errors.LockNotAcquiredError` (retryable). A ``KeyboardInterrupt`` or
task cancellation marks the execution CANCELLED (not dead-lettered) and propagates. An
earlier FAILED attempt with the same idempotency key is run again as the next attempt
(``attempt + 1``, ``retry_of`` the failed one).

Python cannot skip a ``with`` body from ``__enter__``: when step 1 finds the work done, the
body still runs with ``ctx.skipped`` true - check it.

Example:
    >>> from spine.execution.testing import in_memory_stores
    >>> stores = in_memory_stores()
    >>> for _ in range(2):
    ...     with tracked_execution(
    ...         stores,
    ...         workflow="finra.otc.ingest",
    ...         params={"week_ending": "2025-12-26"},
    ...         idempotency_key="otc:2025-12-26",
    ...     ) as ctx:
    ...         if ctx.skipped:
    ...             print("already done:", ctx.result)
    ...             continue
    ...         ctx.set_result({"rows": 960})
    already done: {'rows': 960}
    >>> [e.status.value for e in stores.ledger.list_executions()]
    ['completed']
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from spine.execution._json import json_params, json_result
from spine.execution.dlq import DeadLetterQueue
from spine.execution.errors import DuplicateExecutionError, LockNotAcquiredError
from spine.execution.ledger import Ledger
from spine.execution.locks import DEFAULT_TTL, LockGuard, check_lock_args
from spine.execution.models import Execution
from spine.execution.outcome import _CURRENT, RunningExecution, error_message, failure_status
from spine.execution.stores import ExecutionStores, resolve_stores
from spine.types.enums import EventType, ExecutionStatus, TriggerSource

__all__ = ["TrackedContext", "TrackedExecution", "tracked_execution"]


@dataclass
class TrackedContext:
    """What the body of a tracked execution sees.

    Attributes:
        execution: The execution's snapshot at start (the completed one when skipped).
        skipped: The work was already COMPLETED under this idempotency key; do nothing.
        ledger: The ledger (for your own events).
    """

    execution: Execution
    ledger: Ledger
    skipped: bool = False
    _result: Any = field(default=None, repr=False)
    _has_result: bool = field(default=False, repr=False)

    @property
    def id(self) -> str:
        """The execution id (for the ``execution_id`` columns of spine-ops)."""
        return self.execution.id

    @property
    def workflow(self) -> str:
        """The workflow name."""
        return self.execution.workflow

    @property
    def params(self) -> dict[str, Any]:
        """The params (JSON form)."""
        return self.execution.params

    @property
    def attempt(self) -> int:
        """1 for the first attempt of this idempotency key, then 2, 3..."""
        return self.execution.attempt

    @property
    def result(self) -> Any:
        """What :meth:`set_result` stored (the earlier result when skipped)."""
        return self._result if self._has_result else self.execution.result

    def set_result(self, result: Any) -> None:
        """Store the result recorded on COMPLETED (checked as JSON now).

        Raises:
            InvalidResultError: ``result`` is not JSON.
        """
        self._result = json_result(result, self.execution.workflow)
        self._has_result = True

    def log_progress(self, message: str, **data: Any) -> None:
        """Append a ``progress`` event (committed on its own)."""
        self.ledger.record_event(self.id, EventType.PROGRESS, {"message": message, **data})


class TrackedExecution:
    """The tracked-execution lifecycle as a context manager, sync (``with``) and async
    (``async with``). See the module docstring for the steps.

    Args:
        stores: An :class:`~spine.execution.stores.ExecutionStores` bundle, a database
            connection (the SQL ledger, locks and dead letters on it), or pass
            ``ledger=`` (required), ``guard=`` and ``dlq=`` (optional) instead.
        workflow: What runs (an operation or workflow name).
        params: JSON-ready params, recorded with the execution.
        idempotency_key: The same key means the same logical work (step 1).
        lock_key: What to lock (default: the idempotency key, else the workflow name);
            ``lock=False`` runs without a lock even when a guard is given.
        lock_ttl: Seconds before a lock whose holder died is taken over.
        lock_owner: Owner of the lock (default: the execution id).
        dead_letter: Park failures in the dead-letter queue (when one is given).

    Example:
        >>> import asyncio
        >>> from spine.execution.testing import InMemoryLedger, InMemoryLockGuard
        >>> async def main():
        ...     async with TrackedExecution(
        ...         ledger=InMemoryLedger(), guard=InMemoryLockGuard(), workflow="sec.filings",
        ...         params={"date": "2024-01-01"},
        ...     ) as ctx:
        ...         ctx.set_result({"filings": 12})
        ...     return ctx.execution.workflow, ctx.result
        >>> asyncio.run(main())
        ('sec.filings', {'filings': 12})
    """

    def __init__(
        self,
        stores: ExecutionStores | Any = None,
        *,
        ledger: Ledger | None = None,
        guard: LockGuard | None = None,
        dlq: DeadLetterQueue | None = None,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        lock_key: str | None = None,
        lock: bool = True,
        lock_ttl: float = DEFAULT_TTL,
        lock_owner: str | None = None,
        lane: str = "default",
        trigger_source: TriggerSource | str = TriggerSource.MANUAL,
        parent_execution_id: str | None = None,
        batch_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        dead_letter: bool = True,
    ) -> None:
        self.stores = resolve_stores(stores, ledger=ledger, guard=guard, dlq=dlq)
        # Validate everything before anything is written.
        self._template = Execution.create(
            workflow,
            json_params(params),
            lane=lane,
            trigger_source=trigger_source,
            parent_execution_id=parent_execution_id,
            idempotency_key=idempotency_key,
            batch_id=batch_id,
            metadata=json_params(metadata, "metadata"),
        )
        self._use_lock = lock and self.stores.guard is not None
        self.lock_key = lock_key or idempotency_key or workflow
        self.lock_ttl = check_lock_args(self.lock_key, "owner", lock_ttl)
        self._lock_owner = lock_owner
        if lock_owner is not None:
            check_lock_args(self.lock_key, lock_owner)
        self.dead_letter = dead_letter
        self.context: TrackedContext | None = None
        self._owner: str | None = None
        self._token: Any = None

    # -- steps 1-4 -----------------------------------------------------------------------
    def _begin(self) -> TrackedContext:
        stores = self.stores
        ledger = stores.ledger
        template = self._template
        key = template.idempotency_key
        attempt, retry_of = 1, None
        if key is not None:
            previous = ledger.get_by_idempotency_key(key)
            if previous is not None:
                if previous.status is ExecutionStatus.COMPLETED:
                    self.context = TrackedContext(previous, ledger, skipped=True)
                    return self.context
                attempt, retry_of = previous.attempt + 1, previous.id
        execution = Execution.create(
            template.workflow,
            template.params,
            lane=template.lane,
            trigger_source=template.trigger_source,
            parent_execution_id=template.parent_execution_id,
            idempotency_key=key,
            batch_id=template.batch_id,
            attempt=attempt,
            retry_of=retry_of,
            metadata=template.metadata,
        )
        owner = self._lock_owner or execution.id
        refused: LockNotAcquiredError | None = None
        with stores.atomic():
            try:
                ledger.create_execution(execution)
            except DuplicateExecutionError as exc:
                raise LockNotAcquiredError(
                    f"attempt {attempt} of {key!r} was started by another runner at the same time",
                    cause=exc,
                ).with_context(workflow=execution.workflow) from exc
            if self._use_lock:
                assert stores.guard is not None
                if stores.guard.acquire(
                    self.lock_key, owner, ttl=self.lock_ttl, execution_id=execution.id
                ):
                    self._owner = owner
                else:
                    holder = stores.guard.get(self.lock_key)
                    detail = f" by {holder.owner}" if holder is not None else ""
                    refused = LockNotAcquiredError(
                        f"lock {self.lock_key!r} is held{detail}; {execution.workflow} not run"
                    ).with_context(execution_id=execution.id, workflow=execution.workflow)
                    ledger.update_status(
                        execution.id,
                        ExecutionStatus.CANCELLED,
                        error=str(refused),
                        error_type=type(refused).__name__,
                        data={"lock_key": self.lock_key},
                    )
            if refused is None:
                running = ledger.update_status(execution.id, ExecutionStatus.RUNNING)
        if refused is not None:
            raise refused
        self.context = TrackedContext(running, ledger)
        self._token = _CURRENT.set(RunningExecution(running.id, running.workflow, attempt))
        return self.context

    # -- steps 6-7 -----------------------------------------------------------------------
    def _end(self, error: BaseException | None) -> None:
        ctx = self.context
        if ctx is None or ctx.skipped:
            return
        if self._token is not None:
            _CURRENT.reset(self._token)
            self._token = None
        stores = self.stores
        ledger = stores.ledger
        execution_id = ctx.id
        try:
            with stores.atomic():
                if error is None:
                    ledger.update_status(execution_id, ExecutionStatus.COMPLETED, result=ctx.result)
                else:
                    self._fail(ctx, error)
                owner, self._owner = self._owner, None
                if owner is not None and stores.guard is not None:
                    stores.guard.release(self.lock_key, owner)
        finally:
            self._release()  # step 7 even when recording failed (the unit was rolled back)

    def _fail(self, ctx: TrackedContext, error: BaseException) -> None:
        from spine.types import categorize_error, is_retryable

        ledger = self.stores.ledger
        category = categorize_error(error).value
        ledger.update_status(
            ctx.id,
            failure_status(error),
            error=error_message(error),
            error_type=type(error).__name__,
            data={"category": category, "retryable": is_retryable(error)},
        )
        dlq = self.stores.dlq
        if self.dead_letter and dlq is not None and isinstance(error, Exception):
            entry = dlq.add(
                execution_id=ctx.id,
                workflow=ctx.workflow,
                params=ctx.params,
                error=error_message(error),
                error_type=type(error).__name__,
                metadata={"attempts": ctx.attempt, "category": category},
            )
            ledger.record_event(ctx.id, EventType.DEAD_LETTERED, {"dead_letter_id": entry.id})

    def _release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None and self.stores.guard is not None:
            with contextlib.suppress(Exception):  # best effort: the store just failed
                self.stores.guard.release(self.lock_key, owner)

    # -- context manager protocols --------------------------------------------------------
    def __enter__(self) -> TrackedContext:
        return self._begin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc)

    async def __aenter__(self) -> TrackedContext:
        return self._begin()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc)


def tracked_execution(
    stores: ExecutionStores | Any = None,
    /,
    *,
    workflow: str,
    params: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
    lock_key: str | None = None,
    **options: Any,
) -> TrackedExecution:
    """A tracked execution of the block (``with tracked_execution(stores, workflow=...)``).

    Takes the same options as :class:`TrackedExecution`; see the module docstring.

    Raises (on entry):
        LockNotAcquiredError: the lock is held by another owner (recorded as CANCELLED).
        ValidationError / UnserializableParamsError: bad arguments (nothing recorded).
    """
    return TrackedExecution(
        stores,
        workflow=workflow,
        params=params,
        idempotency_key=idempotency_key,
        lock_key=lock_key,
        **options,
    )
