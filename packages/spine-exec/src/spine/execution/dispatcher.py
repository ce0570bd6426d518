"""``Dispatcher``: submit work by name, track it in the ledger, retry it, dead-letter it.

::

    submit(spec) ──► idempotency key seen? ──yes──► the existing execution's id
                        │ no
                        ▼
                 validate (name, params JSON, timeout...) ──bad──► FAILED in the ledger,
                        │                                          typed error raised
                        ▼
                 ledger: PENDING ─► QUEUED ─► executor runs the job ─► RUNNING
                        ▼
                 COMPLETED, or on failure the retry policy decides:
                   retryable and budget left ─► retried event, QUEUED, run again after the delay
                   otherwise ─► FAILED / TIMED_OUT + dead-letter entry

The policy is the spec's ``retry``, else the handler's, else the dispatcher's default
(``RetryStrategy.none()``): nothing is retried unless asked. A retry inside the dispatcher
re-queues the *same* execution (``retry_count + 1``); :meth:`Dispatcher.retry` of a finished
execution creates a *new* one linked to it (``retry_of``, ``attempt + 1``).

Example:
    >>> from spine.execution import Dispatcher, WorkSpec
    >>> dispatcher = Dispatcher()   # inline executor, in-memory ledger
    >>> @dispatcher.registry.handler("otc.ingest")
    ... def ingest(params):
    ...     return {"rows": 960}
    >>> spec = WorkSpec("otc.ingest", {"week": "2025-12-26"}, idempotency_key="w52")
    >>> first = dispatcher.submit(spec)
    >>> dispatcher.status(first)
    <ExecutionStatus.COMPLETED: 'completed'>
    >>> dispatcher.submit("otc.ingest", {"week": "2025-12-26"}, idempotency_key="w52") == first
    True
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from spine.execution._json import json_params, lenient_json
from spine.execution._memory_ledger import InMemoryLedger
from spine.execution.dlq import DeadLetterQueue
from spine.execution.errors import (
    DuplicateExecutionError,
    ExecutionNotFoundError,
    HandlerError,
    InvalidTransitionError,
    TimeoutExpired,
)
from spine.execution.executors.base import Executor, Job
from spine.execution.executors.memory import MemoryExecutor
from spine.execution.ledger import Ledger
from spine.execution.models import MAX_LANE, MAX_WORKFLOW, Execution, checked_pending
from spine.execution.outcome import Outcome, error_message, failure_status
from spine.execution.registry import HandlerInfo, HandlerRegistry
from spine.execution.spec import WorkSpec
from spine.types import (
    OperationError,
    SpineError,
    ValidationError,
    categorize_error,
    is_retryable,
)
from spine.types.enums import EventType, ExecutionStatus, TriggerSource
from spine.types.retry import RetryStrategy
from spine.types.timestamps import utc_now

__all__ = ["Dispatcher"]

log = logging.getLogger("spine.execution")

_ERRORS_KEPT = 1024
_ACTIVE = (ExecutionStatus.PENDING, ExecutionStatus.QUEUED, ExecutionStatus.RUNNING)


def _spec_metadata(spec: WorkSpec, handler: HandlerInfo) -> dict[str, Any]:
    """What the ledger keeps of a spec beyond its columns (only what differs from the
    defaults), so a retry from anywhere (another process, the dead-letter queue) rebuilds
    the same spec."""
    run: dict[str, Any] = {}
    if spec.kind != "task":
        run["kind"] = spec.kind
    if spec.priority:
        run["priority"] = spec.priority
    if spec.timeout is not None:
        run["timeout"] = float(spec.timeout)
    if spec.retry is not None:
        run["retry"] = spec.retry.to_dict()
    return {"spec": run} if run else {}


def _safe_text(value: object, max_len: int, fallback: str) -> str:
    if isinstance(value, str) and value:
        return value[:max_len]
    return fallback


class Dispatcher:
    """The one entry point to run work: by name or :class:`WorkSpec`, tracked in a ledger.

    Args:
        executor: Where jobs run (default :class:`MemoryExecutor`, inline).
        registry: Handler names (default: a new :class:`HandlerRegistry`).
        ledger: Where executions are recorded (default: an in-memory ledger).
        dlq: Dead-letter queue for executions that failed for good (default: none).
        retry: Default retry policy when neither spec nor handler has one
            (default ``RetryStrategy.none()``).

    Thread-safe: jobs finishing on pool threads record through one lock, so a ledger over a
    single database connection is never used by two threads at once.
    """

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        registry: HandlerRegistry | None = None,
        ledger: Ledger | None = None,
        dlq: DeadLetterQueue | None = None,
        retry: RetryStrategy | None = None,
    ) -> None:
        self.executor: Executor = executor if executor is not None else MemoryExecutor()
        self.registry = registry if registry is not None else HandlerRegistry()
        self.ledger: Ledger = ledger if ledger is not None else InMemoryLedger()
        # The in-memory ledger is written through its unchecked core: the dispatcher has
        # checked and copied everything it records, and never reads what a write returns.
        # (Exactly that class: a subclass may override the public methods.)
        self._memory = self.ledger if type(self.ledger) is InMemoryLedger else None
        self.dlq = dlq
        self.default_retry = retry if retry is not None else RetryStrategy.none()
        self._inline = bool(getattr(self.executor, "inline", False))
        self._lock = threading.RLock()
        self._jobs: dict[str, tuple[Job, RetryStrategy]] = {}
        self._waiters: dict[str, threading.Event] = {}
        self._errors: OrderedDict[str, BaseException] = OrderedDict()

    # -- submission ----------------------------------------------------------------------
    def submit(
        self, spec: WorkSpec | str, params: Mapping[str, Any] | None = None, **options: Any
    ) -> str:
        """Submit work; return its execution id.

        ``submit(WorkSpec(...))`` or ``submit("name", {...}, lane=..., timeout=...)`` (any
        :class:`WorkSpec` field as a keyword). A repeated ``idempotency_key`` returns the
        existing execution (the latest attempt) without running anything.

        Raises:
            HandlerNotFoundError: no handler has this name.
            UnserializableParamsError: params or metadata are not JSON.
            InvalidSpecError: a malformed spec (negative timeout, unknown option...).

            Each of these is recorded first: the ledger holds a FAILED execution whose id is
            in the error's context (``err.context.execution_id``).
        """
        if isinstance(spec, WorkSpec):
            if params is not None or options:
                return self._reject_raw(
                    spec, "pass params and options inside the WorkSpec, not beside it"
                )
        else:
            name = spec
            try:
                spec = WorkSpec.build(name, params, **options)
            except SpineError as exc:
                return self._reject(WorkSpec(name, params or {}), exc)
        key = spec.idempotency_key
        if key is not None and isinstance(key, str):
            existing = self.ledger.get_by_idempotency_key(key)
            if existing is not None:
                return existing.id
        try:
            spec.validate()
            handler = self.registry.get(spec.name)
            clean = json_params(spec.params)
            metadata = json_params(spec.metadata, "metadata") if spec.metadata else {}
        except SpineError as exc:
            return self._reject(spec, exc)
        run = _spec_metadata(spec, handler)
        if run:
            metadata.update(run)
        # The spec is checked with the limits Execution.create applies: build it directly.
        # (Ledgers store serialised copies: the handler may mutate ``clean`` afterwards.)
        execution = checked_pending(
            spec.name,
            clean,
            lane=spec.lane,
            trigger_source=spec.trigger,
            parent_execution_id=spec.parent_execution_id,
            idempotency_key=key,
            batch_id=spec.batch_id,
            metadata=metadata,
        )
        return self._start(execution, spec, handler, clean)

    def _start(
        self, execution: Execution, spec: WorkSpec, handler: HandlerInfo, params: dict[str, Any]
    ) -> str:
        """Record ``execution`` and hand its job to the executor.

        ``execution`` holds checked JSON params and metadata; ``params`` is what the
        handler gets (ledgers keep their own copies, so it may be the same dict).
        """
        memory = self._memory
        try:
            if memory is not None:
                memory._insert(execution)
            else:
                with self._lock:
                    self.ledger.create_execution(execution)
        except DuplicateExecutionError:
            if execution.idempotency_key is None:
                raise
            # Another submit with the same key won the race: it is "the existing execution".
            existing = self.ledger.get_by_idempotency_key(execution.idempotency_key)
            if existing is None:
                raise
            return existing.id
        timeout = spec.timeout if spec.timeout is not None else handler.timeout
        policy = spec.retry or handler.retry or self.default_retry
        job = Job(execution.id, handler, params, self, timeout=timeout, lane=spec.lane)
        replaying = execution.metadata.get("dead_letter_id")
        if isinstance(replaying, str):
            job.dead_letter_id = replaying
        if not self._inline:
            with self._lock:
                self._jobs[execution.id] = (job, policy)
                self.ledger.update_status(
                    execution.id, ExecutionStatus.QUEUED, data={"executor": self.executor.name}
                )
        else:
            self._jobs[execution.id] = (job, policy)
        try:
            job.ref = self.executor.submit(job)
        except Exception as exc:
            error = (
                exc
                if isinstance(exc, SpineError)
                else OperationError(
                    f"executor {self.executor.name!r} refused the job: {exc}", cause=exc
                )
            )
            self._finish(job, ExecutionStatus.FAILED, error, {"reason": "executor refused"})
            raise error.with_context(execution_id=execution.id, workflow=handler.name) from exc
        return execution.id

    def _reject_raw(self, spec: WorkSpec, message: str) -> str:
        from spine.execution.errors import InvalidSpecError

        return self._reject(spec, InvalidSpecError(message))

    def _reject(self, spec: WorkSpec, error: SpineError) -> str:
        """Record a refused submission as a FAILED execution, then raise ``error``."""
        key = spec.idempotency_key
        metadata: dict[str, Any] = {"rejected": True}
        if isinstance(key, str):
            metadata["idempotency_key"] = key[:255]  # not the key column: a fixed resubmit runs
        params = spec.params if isinstance(spec.params, Mapping) else {"params": spec.params}
        lane = spec.lane if isinstance(spec.lane, str) and 0 < len(spec.lane) <= MAX_LANE else None
        execution = Execution.create(
            _safe_text(spec.name, MAX_WORKFLOW, "<invalid name>"),
            lenient_json(dict(params)),
            lane=lane or "default",
            metadata=metadata,
        )
        with self._lock, self.ledger.atomic():
            self.ledger.create_execution(execution)
            self.ledger.update_status(
                execution.id,
                ExecutionStatus.FAILED,
                error=error_message(error),
                error_type=type(error).__name__,
                data={"category": error.category.value, "reason": "rejected at submit"},
            )
        self._remember_error(execution.id, error)
        raise error.with_context(execution_id=execution.id, workflow=execution.workflow)

    # -- JobSink: what executors report ---------------------------------------------------
    def job_started(self, job: Job, at: datetime) -> bool:
        """Record RUNNING (see :class:`~spine.execution.executors.base.JobSink`)."""
        if job.cancelled:
            return False
        data = {"attempt": job.run_number} if job.run_number > 1 else None
        memory = self._memory
        with self._lock:
            try:
                if memory is not None:
                    memory._advance(
                        job.execution_id, ExecutionStatus.RUNNING, at, None, None, None, data or {}
                    )
                else:
                    self.ledger.update_status(
                        job.execution_id, ExecutionStatus.RUNNING, at=at, data=data
                    )
            except InvalidTransitionError:  # cancelled or timed out meanwhile
                return False
        return True

    def job_finished(self, job: Job, outcome: Outcome) -> None:
        """Record the outcome; retry or dead-letter a failure (see ``JobSink``)."""
        error = outcome.error
        if error is None:
            self._finish(
                job,
                ExecutionStatus.COMPLETED,
                None,
                None,
                result=outcome.result,
                at=outcome.finished_at,
            )
            return
        entry = self._jobs.get(job.execution_id)
        policy = entry[1] if entry is not None else self.default_retry
        decision = policy.decide(error, job.run_number)
        details: dict[str, Any] = {
            "category": categorize_error(error).value,
            "retryable": is_retryable(error),
            "attempt": job.run_number,
            "reason": decision.reason,
        }
        if decision.retry and not job.cancelled and isinstance(error, Exception):
            run_after = utc_now() + timedelta(seconds=decision.delay)
            # One critical section from "retried" to the executor holding the new run, so a
            # cancel() sees either the old run or the new one's reference, never a gap.
            with self._lock:
                try:
                    self.ledger.increment_retry(
                        job.execution_id,
                        {
                            **details,
                            "delay": decision.delay,
                            "error": error_message(error)[:2000],
                            "error_type": type(error).__name__,
                        },
                    )
                    self.ledger.update_status(
                        job.execution_id,
                        ExecutionStatus.QUEUED,
                        error=error_message(error),
                        error_type=type(error).__name__,
                        data={"run_after": run_after.isoformat(), "attempt": job.run_number + 1},
                    )
                except InvalidTransitionError:
                    return  # cancelled meanwhile
                job.run_number += 1
                try:
                    job.ref = self.executor.submit(job, decision.delay)
                    return
                except Exception as exc:  # executor shut down under a pending retry
                    closed: Exception = exc
            self._finish(job, ExecutionStatus.CANCELLED, closed, {"reason": "executor closed"})
            return
        if outcome.traceback:
            details["traceback"] = outcome.traceback
        self._finish(
            job,
            failure_status(error),
            error,
            details,
            at=outcome.finished_at,
            dead_letter=isinstance(error, Exception),
        )

    def _finish(
        self,
        job: Job,
        status: ExecutionStatus,
        error: BaseException | None,
        details: dict[str, Any] | None,
        *,
        result: Any = None,
        at: datetime | None = None,
        dead_letter: bool = False,
    ) -> None:
        execution_id = job.execution_id
        memory = self._memory
        with self._lock:
            try:
                if memory is not None and error is None and details is None:
                    # A success (its result checked by run_handler or Job.report: see
                    # JobSink.job_finished) or a plain cancel: nothing left to check.
                    memory._advance(execution_id, status, at, result, None, None, {})
                else:
                    self.ledger.update_status(
                        execution_id,
                        status,
                        result=result,
                        error=None if error is None else error_message(error),
                        error_type=None if error is None else type(error).__name__,
                        data=details,
                        at=at,
                    )
            except InvalidTransitionError:  # already finished (cancelled, timed out)
                log.info("late outcome of %s ignored: %s", execution_id, status.value)
                dead_letter = False
            if job.dead_letter_id is not None and self.dlq is not None:
                # A replay: its outcome goes back to its entry, never into a new one.
                if status is ExecutionStatus.COMPLETED:
                    self.dlq.record_replay_outcome(job.dead_letter_id, execution_id)
                elif dead_letter and error is not None:
                    self.dlq.record_replay_outcome(
                        job.dead_letter_id,
                        execution_id,
                        error=error_message(error),
                        error_type=type(error).__name__,
                    )
            elif dead_letter and self.dlq is not None and error is not None:
                entry = self.dlq.add(
                    execution_id=execution_id,
                    workflow=job.name,
                    params=job.params,
                    error=error_message(error),
                    error_type=type(error).__name__,
                    metadata={
                        "attempts": job.run_number,
                        **{
                            k: v
                            for k, v in (details or {}).items()
                            if k in ("category", "retryable")
                        },
                    },
                )
                self.ledger.record_event(
                    execution_id, EventType.DEAD_LETTERED, {"dead_letter_id": entry.id}
                )
            self._jobs.pop(execution_id, None)
            if error is not None:
                self._remember_error(execution_id, error)
            waiter = self._waiters.pop(execution_id, None)
        if waiter is not None:
            waiter.set()

    def _remember_error(self, execution_id: str, error: BaseException) -> None:
        with self._lock:
            self._errors[execution_id] = error
            while len(self._errors) > _ERRORS_KEPT:
                self._errors.popitem(last=False)

    # -- control -------------------------------------------------------------------------
    def retry(
        self,
        execution_id: str,
        *,
        force: bool = False,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Run a finished execution again as a new execution linked to it.

        The new one has ``retry_of=execution_id``, ``attempt + 1``, the same name, params,
        lane, idempotency key and spec options, and trigger source ``retry``; the original
        gets a ``retried`` event naming it. ``metadata`` is merged into the new one's.

        Raises:
            ExecutionNotFoundError: unknown id.
            ValidationError: the execution is still active, or COMPLETED (pass
                ``force=True`` to run a completed one again).
            HandlerNotFoundError: its handler is no longer registered (recorded, like any
                refused submission).
        """
        original = self.ledger.get_execution(execution_id)
        if original is None:
            raise ExecutionNotFoundError(execution_id)
        if not original.is_terminal:
            raise ValidationError(
                f"execution {execution_id} is {original.status.value}; only a finished "
                "execution can be retried"
            ).with_context(execution_id=execution_id)
        if original.status is ExecutionStatus.COMPLETED and not force:
            raise ValidationError(
                f"execution {execution_id} completed; pass force=True to run it again"
            ).with_context(execution_id=execution_id)
        run = dict(original.metadata.get("spec") or {})
        retry = run.get("retry")
        spec = WorkSpec(
            original.workflow,
            original.params,
            kind=run.get("kind", "task"),
            idempotency_key=original.idempotency_key,
            lane=original.lane,
            priority=run.get("priority", 0),
            trigger_source=TriggerSource.RETRY,
            parent_execution_id=original.parent_execution_id,
            batch_id=original.batch_id,
            timeout=run.get("timeout"),
            retry=None if retry is None else RetryStrategy.from_dict(retry),
        )
        try:
            handler = self.registry.get(original.workflow)
        except SpineError as exc:
            return self._reject(spec, exc)
        execution = Execution.create(
            original.workflow,
            original.params,
            lane=original.lane,
            trigger_source=TriggerSource.RETRY,
            parent_execution_id=original.parent_execution_id,
            idempotency_key=original.idempotency_key,
            batch_id=original.batch_id,
            attempt=original.attempt + 1,
            retry_of=original.id,
            metadata={
                **{k: v for k, v in original.metadata.items() if k != "rejected"},
                **json_params(metadata, "metadata"),
            },
        )
        with self._lock:
            self.ledger.record_event(
                original.id, EventType.RETRIED, {"new_execution_id": execution.id}
            )
        return self._start(execution, spec, handler, execution.params)

    def cancel(self, execution_id: str) -> bool:
        """Cancel an execution that has not started (or is waiting for a retry).

        Returns ``True`` when it is now CANCELLED; ``False`` when it already finished, is
        running (a running handler is not interrupted), or is unknown.
        """
        with self._lock:
            entry = self._jobs.get(execution_id)
            execution = self.ledger.get_execution(execution_id)
            if execution is None or execution.status not in _ACTIVE:
                return False
            if execution.status is ExecutionStatus.RUNNING:
                return False
            if entry is not None:
                job = entry[0]
                if job.ref is not None and not self.executor.cancel(job.ref):
                    return False
                job.cancelled = True
        if entry is None:
            job = Job(execution_id, HandlerInfo(execution.workflow, _never), {}, self)
        self._finish(job, ExecutionStatus.CANCELLED, None, {"reason": "cancelled"})
        return True

    # -- queries -------------------------------------------------------------------------
    def get_execution(self, execution_id: str) -> Execution | None:
        """The execution's current snapshot (``None`` if unknown)."""
        self._poll(execution_id)
        return self.ledger.get_execution(execution_id)

    def status(self, execution_id: str) -> ExecutionStatus | None:
        """The execution's status (``None`` if unknown)."""
        execution = self.get_execution(execution_id)
        return None if execution is None else execution.status

    def get_status(self, execution_id: str) -> ExecutionStatus | None:
        """Alias of :meth:`status` (spine-types' ``DispatcherProtocol``)."""
        return self.status(execution_id)

    def _poll(self, execution_id: str) -> None:
        entry = self._jobs.get(execution_id)
        if entry is not None and entry[0].ref is not None and not self._inline:
            self.executor.poll(entry[0].ref)

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        """Block until the execution finishes; return its final snapshot.

        Raises:
            ExecutionNotFoundError: unknown id.
            TimeoutExpired: still not finished after ``timeout`` seconds.
        """
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                execution = self.get_execution(execution_id)
                if execution is None:
                    raise ExecutionNotFoundError(execution_id)
                if execution.is_terminal:
                    return execution
                waiter = self._waiters.setdefault(execution_id, threading.Event())
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutExpired(
                    timeout or 0.0,
                    f"execution {execution_id} still {execution.status.value} after {timeout:g}s",
                ).with_context(execution_id=execution_id)
            # Pull-based executors (Celery) learn outcomes by polling: wake up regularly.
            waiter.wait(0.05 if left is None else min(left, 0.05))

    def result(self, execution_id: str, timeout: float | None = None) -> Any:
        """Wait for the execution and return its result, or raise its error.

        Raises:
            the handler's error (its own class when known here, else ``HandlerError``);
            ExecutionNotFoundError; TimeoutExpired (still running after ``timeout``).
        """
        execution = self.wait(execution_id, timeout)
        if execution.status is ExecutionStatus.COMPLETED:
            return execution.result
        error = self._errors.get(execution_id)
        if error is None:
            error = HandlerError(
                f"execution {execution_id} {execution.status.value}: {execution.error}",
                remote_type=execution.error_type,
            ).with_context(execution_id=execution_id)
        raise error

    # -- lifecycle -----------------------------------------------------------------------
    def shutdown(self, wait: bool = True) -> None:
        """Shut the executor down; executions an in-process executor will no longer run are
        CANCELLED. (A remote executor's jobs - Celery's - keep running on its workers.)"""
        self.executor.shutdown(wait=wait)
        if getattr(self.executor, "remote", False):
            return
        with self._lock:
            left = [job for job, _ in self._jobs.values()]
        for job in left:
            job.cancelled = True
            self._finish(job, ExecutionStatus.CANCELLED, None, {"reason": "executor shut down"})

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"Dispatcher(executor={self.executor!r}, ledger={self.ledger!r})"


def _never(params: dict[str, Any]) -> None:  # pragma: no cover - placeholder, never runs
    raise AssertionError("cancelled job ran")
