"""JobEngine: container (and process) jobs, tracked in the execution ledger.

::

    submit(spec)
      ├── idempotency key seen?  → the existing execution (SubmitResult.deduplicated)
      ├── create the execution   (PENDING; the *redacted* spec and its hash in metadata)
      ├── route (router) + validate (SpecValidator)   ─┐ refused: execution FAILED with the
      ├── adapter.submit(spec) → external_ref         ─┘ JobError's category; error raised
      ├── external ref stored on the execution (metadata["job"])
      └── QUEUED → SubmitResult
    status(execution_id)   runtime state → ExecutionStatus, written back (RUNNING, COMPLETED,
                           FAILED, TIMED_OUT, CANCELLED with the job's times and exit code)
    wait(execution_id)     polls status() until the execution is terminal
    cancel(execution_id)   adapter.cancel → CANCELLED (or how the job really ended)
    logs(execution_id)     adapter.logs → async iterator of lines
    cleanup(execution_id)  adapter.cleanup → event CLEANUP_COMPLETED
    reconcile()            settles executions whose job finished or vanished (worker side)
    *_sync                 the same for sync callers, on one engine-owned event loop

A job that prints an outcome line (:mod:`spine.execution.runtimes.entrypoint`) gets that
outcome's result - or its typed error - in the ledger, like a handler run in process.
Otherwise a successful job's result is ``{"exit_code": 0}``.

Example:
    >>> import asyncio
    >>> from spine.execution.runtimes import ContainerJobSpec, StubRuntimeAdapter
    >>> from spine.execution.runtimes import RuntimeAdapterRouter, SpecValidator
    >>> from spine.execution.testing import InMemoryLedger
    >>> router = RuntimeAdapterRouter()
    >>> router.register(StubRuntimeAdapter())
    >>> engine = JobEngine(router=router, ledger=InMemoryLedger(), validator=SpecValidator())
    >>> spec = ContainerJobSpec(name="hello", image="busybox", command=["sh", "-c", "echo hi"])
    >>> async def run():
    ...     result = await engine.submit(spec)
    ...     final = await engine.wait(result.execution_id)
    ...     return final.status.value, [line async for line in engine.logs(result.execution_id)]
    >>> asyncio.run(run())
    ('completed', ['hi'])
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from spine.execution._json import json_params, lenient_json
from spine.execution.errors import (
    ExecutionNotFoundError,
    InvalidTransitionError,
    TimeoutExpired,
)
from spine.execution.ledger import Ledger
from spine.execution.models import Execution
from spine.execution.outcome import Outcome, error_from_wire, error_message, error_to_wire
from spine.execution.runtimes._types import (
    ContainerJobSpec,
    JobError,
    JobErrorCategory,
    JobStatus,
    RuntimeAdapter,
    job_external_name,
    redact_spec,
)
from spine.execution.runtimes.entrypoint import EXECUTION_ID_ENV, find_outcome
from spine.execution.runtimes.router import RuntimeAdapterRouter
from spine.execution.runtimes.validator import SpecValidator
from spine.types import OperationError, SpineError
from spine.types.enums import EventType, ExecutionStatus, TriggerSource

__all__ = ["JobEngine", "JobOutcome", "ReconcileReport", "SubmitResult", "map_job_state"]

log = logging.getLogger("spine.execution.runtimes")

T = TypeVar("T")

OUTCOME_TAIL_LINES = 200
"""How many of a finished job's last log lines are searched for its outcome line."""

LABEL_EXECUTION_ID = "spine.execution_id"
"""Label put on every runtime resource the engine starts (with the adapter's own labels)."""


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What :meth:`JobEngine.submit` returns.

    Attributes:
        execution_id: The ledger execution.
        external_ref: The runtime's reference (container id, process handle).
        runtime: The adapter that runs it.
        spec_hash: :meth:`ContainerJobSpec.spec_hash`.
        deduplicated: The idempotency key was seen: this is the existing execution.
    """

    execution_id: str
    external_ref: str | None
    runtime: str
    spec_hash: str
    deduplicated: bool = False


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """How a job ended (from :meth:`JobEngine.wait_outcome`).

    Attributes:
        execution: The final ledger snapshot.
        result: The result stored on the execution (on COMPLETED).
        error: The typed error of a failed / timed out / cancelled job (the handler's own
            class when the job reported one, else the :class:`JobError`).
    """

    execution: Execution
    result: Any = None
    error: BaseException | None = None

    @property
    def succeeded(self) -> bool:
        """``execution.status == COMPLETED``."""
        return self.execution.status is ExecutionStatus.COMPLETED


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one :meth:`JobEngine.reconcile` pass did.

    Attributes:
        checked: Open executions with a runtime job that were looked at.
        settled: Execution id -> the status it was settled to.
        vanished: Executions whose job no longer exists on its runtime (settled FAILED).
        unreachable: Executions whose runtime did not answer (left as they were).
        unknown_runtime: Executions of a runtime not registered here (left as they were).
    """

    checked: int = 0
    settled: Mapping[str, ExecutionStatus] = dataclasses.field(default_factory=dict)
    vanished: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()
    unknown_runtime: tuple[str, ...] = ()


_STATE_TO_STATUS: Mapping[str, ExecutionStatus] = {
    "pending": ExecutionStatus.QUEUED,
    "pulling": ExecutionStatus.QUEUED,
    "creating": ExecutionStatus.QUEUED,
    "running": ExecutionStatus.RUNNING,
    "succeeded": ExecutionStatus.COMPLETED,
    "failed": ExecutionStatus.FAILED,
    "cancelled": ExecutionStatus.CANCELLED,
}


def map_job_state(status: JobStatus) -> ExecutionStatus | None:
    """The ExecutionStatus a runtime status means (``None`` for ``unknown``: no change).

    A failure whose error is a TIMEOUT maps to ``TIMED_OUT``.

    Example:
        >>> map_job_state(JobStatus("pulling")).value, map_job_state(JobStatus("unknown"))
        ('queued', None)
    """
    if (
        status.state == "failed"
        and status.error is not None
        and status.error.job_category is JobErrorCategory.TIMEOUT
    ):
        return ExecutionStatus.TIMED_OUT
    return _STATE_TO_STATUS.get(status.state)


def _trigger(value: str) -> TriggerSource:
    try:
        return TriggerSource(value)
    except ValueError:
        return TriggerSource.API


class _LoopThread:
    """One event loop in a daemon thread, for the sync wrappers."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    ready.set()
                    loop.run_forever()

                thread = threading.Thread(target=run, name="spine-job-engine", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        loop = self._ensure()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a JobEngine sync method was called from the engine's own loop")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


class JobEngine:
    """Submits, tracks, cancels and cleans up runtime jobs, with the ledger as the record.

    Args:
        router: The runtime adapters (see :class:`RuntimeAdapterRouter`).
        ledger: The execution ledger (default: an in-memory one).
        validator: The pre-submit gate (default: :class:`SpecValidator`).
        poll_interval: Seconds between status polls in :meth:`wait`.
    """

    def __init__(
        self,
        router: RuntimeAdapterRouter,
        ledger: Ledger | None = None,
        validator: SpecValidator | None = None,
        *,
        poll_interval: float = 0.1,
    ) -> None:
        if ledger is None:
            from spine.execution.testing import InMemoryLedger

            ledger = InMemoryLedger()
        self.router = router
        self.ledger = ledger
        self.validator = validator or SpecValidator()
        self.poll_interval = poll_interval
        self._loop = _LoopThread()
        self._errors: dict[str, BaseException] = {}
        self._settle_lock = threading.Lock()

    # -- helpers -------------------------------------------------------------------------
    def _execution(self, execution_id: str) -> Execution:
        execution = self.ledger.get_execution(execution_id)
        if execution is None:
            raise ExecutionNotFoundError(execution_id)
        return execution

    @staticmethod
    def job_info(execution: Execution) -> dict[str, Any]:
        """The runtime details stored on an execution (``{}`` for one the engine did not
        start): ``runtime``, ``external_ref``, ``external_name``, ``spec_hash``."""
        info = execution.metadata.get("job")
        return dict(info) if isinstance(info, Mapping) else {}

    def _adapter_for(self, execution: Execution) -> tuple[RuntimeAdapter, str]:
        info = self.job_info(execution)
        ref = info.get("external_ref")
        runtime = info.get("runtime")
        if not isinstance(ref, str) or not isinstance(runtime, str):
            raise JobError(
                JobErrorCategory.NOT_FOUND,
                f"execution {execution.id} has no runtime job (it was refused at submit, or "
                "not started by a JobEngine)",
            ).with_context(execution_id=execution.id)
        return self.router.require(runtime), ref

    def _refuse(self, execution: Execution, error: SpineError, reason: str) -> None:
        """Record a refused submit (FAILED) and remember the error."""
        self.ledger.update_status(
            execution.id,
            ExecutionStatus.FAILED,
            error=error_message(error),
            error_type=type(error).__name__,
            data={
                "category": error.category.value,
                "reason": reason,
                "error": error_to_wire(error),
                **(
                    {"job_category": error.job_category.value}
                    if isinstance(error, JobError)
                    else {}
                ),
            },
        )
        self._errors[execution.id] = error
        error.with_context(execution_id=execution.id, workflow=execution.workflow)

    # -- submit --------------------------------------------------------------------------
    async def submit(
        self,
        spec: ContainerJobSpec,
        *,
        workflow: str | None = None,
        params: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SubmitResult:
        """Validate, record and start ``spec`` on its runtime.

        Args:
            spec: The job.
            workflow: The execution's name in the ledger (default ``spec.name``).
            params: The execution's params (default none; the redacted spec is stored in
                its metadata either way).
            batch_id: Groups related executions (a workflow run).
            metadata: Extra JSON annotations for the execution.

        Raises:
            JobError: the spec was refused (VALIDATION, NOT_FOUND for an unknown runtime or a
                missing image, RUNTIME_UNAVAILABLE...) - the refusal is recorded as a FAILED
                execution whose id is in ``error.context.execution_id``.
            UnserializableParamsError: params or metadata are not JSON.
        """
        if not isinstance(spec, ContainerJobSpec):
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"submit needs a ContainerJobSpec, got {type(spec).__name__}",
            )
        spec_hash = spec.spec_hash()
        key = spec.idempotency_key
        attempt, retry_of = 1, None
        if key:
            existing = self.ledger.get_by_idempotency_key(key)
            if existing is not None:
                info = self.job_info(existing)
                if not info.get("submit_failed"):
                    return SubmitResult(
                        existing.id,
                        info.get("external_ref"),
                        str(info.get("runtime", "")),
                        str(info.get("spec_hash", spec_hash)),
                        deduplicated=True,
                    )
                attempt, retry_of = existing.attempt + 1, existing.id  # its runtime refused it
        clean_params = json_params(params or {})
        extra = json_params(metadata or {}, "metadata")
        execution = Execution.create(
            workflow or spec.name[:200] or "job",
            clean_params,
            lane=spec.lane if isinstance(spec.lane, str) and spec.lane else "default",
            trigger_source=_trigger(spec.trigger_source),
            parent_execution_id=spec.parent_execution_id,
            idempotency_key=key or None,
            batch_id=batch_id,
            attempt=attempt,
            retry_of=retry_of,
            metadata={
                **extra,
                "job": {"spec_hash": spec_hash, "runtime": spec.runtime},
                "job_spec": lenient_json(redact_spec(spec)),
            },
        )
        execution = self.ledger.create_execution(execution)
        try:
            adapter = self.router.route(spec)
            self.validator.validate_or_raise(spec, adapter)
        except JobError as exc:
            self._refuse(execution, exc, "refused at submit")
            self.ledger.update_metadata(
                execution.id, {"job": {"spec_hash": spec_hash, "submit_failed": True}}
            )
            raise
        runtime = adapter.runtime_name
        external_name = job_external_name(execution.id, spec.name)
        launched = dataclasses.replace(
            spec,
            env={**spec.env, EXECUTION_ID_ENV: execution.id},
            labels={**spec.labels, LABEL_EXECUTION_ID: execution.id},
            metadata={**spec.metadata, "external_name": external_name},
        )
        try:
            external_ref = await adapter.submit(launched)
        except Exception as exc:
            error = (
                exc
                if isinstance(exc, JobError)
                else JobError.unknown(
                    f"runtime {runtime!r} failed to start job {spec.name!r}: {exc}",
                    runtime=runtime,
                    cause=exc,
                )
            )
            self._refuse(execution, error, f"runtime {runtime} refused it")
            self.ledger.update_metadata(
                execution.id,
                {"job": {"spec_hash": spec_hash, "runtime": runtime, "submit_failed": True}},
            )
            if error is exc:
                raise
            raise error from exc
        job = {
            "runtime": runtime,
            "external_ref": external_ref,
            "external_name": external_name,
            "spec_hash": spec_hash,
        }
        with self.ledger.atomic():
            self.ledger.update_metadata(execution.id, {"job": job})
            self.ledger.update_status(execution.id, ExecutionStatus.QUEUED, data=job)
        log.info(
            "job %s submitted as execution %s on %s (%s)",
            spec.name,
            execution.id,
            runtime,
            external_ref,
        )
        return SubmitResult(execution.id, external_ref, runtime, spec_hash)

    # -- status --------------------------------------------------------------------------
    async def status(self, execution_id: str) -> JobStatus:
        """The job's runtime status, written back to the ledger.

        Raises:
            ExecutionNotFoundError: unknown execution.
            JobError: NOT_FOUND when the execution has no job or its job vanished from the
                runtime (see :meth:`reconcile`); RUNTIME_UNAVAILABLE...
        """
        execution = self._execution(execution_id)
        adapter, ref = self._adapter_for(execution)
        job_status = await adapter.status(ref)
        if not execution.is_terminal:
            await self._settle(execution, adapter, ref, job_status)
        return job_status

    async def _settle(
        self,
        execution: Execution,
        adapter: RuntimeAdapter,
        ref: str,
        job_status: JobStatus,
    ) -> Execution:
        target = map_job_state(job_status)
        if target is None or target is execution.status:
            return execution
        if target is ExecutionStatus.QUEUED:
            return execution  # never back from RUNNING
        result: Any = None
        error: BaseException | None = None
        if target.is_terminal:
            outcome = await self._read_outcome(adapter, ref)
            if target is ExecutionStatus.COMPLETED:
                if outcome is not None and not outcome.ok:  # exit 0 but the handler failed
                    target, error = ExecutionStatus.FAILED, outcome.error
                else:
                    result = outcome.result if outcome is not None else {"exit_code": 0}
            elif (
                outcome is not None
                and outcome.error is not None
                and target is ExecutionStatus.FAILED
            ):
                error = outcome.error
            else:
                error = job_status.error or JobError(
                    JobErrorCategory.UNKNOWN
                    if target is ExecutionStatus.FAILED
                    else JobErrorCategory.USER_CODE,
                    job_status.message or f"job {target.value}",
                    runtime=adapter.runtime_name,
                    exit_code=job_status.exit_code,
                )
        return self._write(execution, target, job_status, result, error)

    def _write(
        self,
        execution: Execution,
        target: ExecutionStatus,
        job_status: JobStatus | None,
        result: Any,
        error: BaseException | None,
        reason: str | None = None,
    ) -> Execution:
        data: dict[str, Any] = {}
        if job_status is not None:
            data["job_status"] = lenient_json(job_status.to_dict())
        if reason:
            data["reason"] = reason
        if error is not None:
            # the ledger keeps the message under "error"; the wire form (type, category,
            # retry_after...) goes beside it, so any engine can rebuild the typed error
            data["job_error"] = error_to_wire(error)
            data["category"] = data["job_error"]["category"]
            if isinstance(error, JobError):
                data["job_category"] = error.job_category.value
        started = job_status.started_at if job_status is not None else None
        finished = job_status.finished_at if job_status is not None else None
        if started is not None and finished is not None and finished < started:
            finished = started  # a runtime's clocks may disagree for very short jobs
        with self._settle_lock:
            current = self.ledger.get_execution(execution.id) or execution
            if current.is_terminal or current.status is target:
                return current
            try:
                with self.ledger.atomic():
                    # a job that started is recorded RUNNING first (COMPLETED needs it), with
                    # the runtime's own start time
                    if current.status is not ExecutionStatus.RUNNING and (
                        target is ExecutionStatus.COMPLETED
                        or (started is not None and target is not ExecutionStatus.RUNNING)
                    ):
                        current = self.ledger.update_status(
                            execution.id, ExecutionStatus.RUNNING, at=started
                        )
                    if target is ExecutionStatus.RUNNING:
                        return self.ledger.update_status(
                            execution.id, target, at=started, data=data
                        )
                    updated = self.ledger.update_status(
                        execution.id,
                        target,
                        result=result if target is ExecutionStatus.COMPLETED else None,
                        error=None if error is None else error_message(error),
                        error_type=None if error is None else type(error).__name__,
                        data=data,
                        at=finished,
                    )
            except InvalidTransitionError:  # settled meanwhile by another poller
                return self.ledger.get_execution(execution.id) or execution
        if error is not None:
            self._errors[execution.id] = error
        log.info("execution %s settled %s", execution.id, target.value)
        return updated

    async def _read_outcome(self, adapter: RuntimeAdapter, ref: str) -> Outcome | None:
        try:
            lines = [line async for line in adapter.logs(ref, tail=OUTCOME_TAIL_LINES)]
        except JobError as exc:
            log.warning("logs of %s unreadable, no outcome: %s", ref, exc)
            return None
        return find_outcome(lines)

    # -- wait ----------------------------------------------------------------------------
    async def wait(
        self, execution_id: str, timeout: float | None = None, *, poll_interval: float | None = None
    ) -> Execution:
        """Poll :meth:`status` until the execution is terminal; return its final snapshot.

        Raises:
            ExecutionNotFoundError: unknown execution.
            TimeoutExpired: still open after ``timeout`` seconds (the job keeps running).
            JobError: the job vanished (it is settled FAILED first) or its runtime is
                unreachable.
        """
        interval = self.poll_interval if poll_interval is None else poll_interval
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            execution = self._execution(execution_id)
            if execution.is_terminal:
                return execution
            try:
                await self.status(execution_id)
            except JobError as exc:
                if exc.job_category is JobErrorCategory.NOT_FOUND:
                    self._vanished(self._execution(execution_id), exc)
                    continue
                raise
            execution = self._execution(execution_id)
            if execution.is_terminal:
                return execution
            if end is not None and time.monotonic() >= end:
                raise TimeoutExpired(
                    timeout or 0.0,
                    f"execution {execution_id} still {execution.status.value} after {timeout:g}s",
                ).with_context(execution_id=execution_id)
            await self._pause(execution, interval, end)

    async def _pause(self, execution: Execution, interval: float, end: float | None) -> None:
        """Until the next poll: an adapter that can tell when its job ends (``wait``, like
        LocalProcessAdapter's) is awaited for up to a second, the others are polled."""
        try:
            adapter, ref = self._adapter_for(execution)
        except JobError:
            adapter, ref = None, ""
        waiter = getattr(adapter, "wait", None)
        if waiter is None:
            await asyncio.sleep(interval)
            return
        left = 1.0 if end is None else max(0.0, min(1.0, end - time.monotonic()))
        with contextlib.suppress(TimeoutError, JobError):
            await waiter(ref, timeout=left)

    async def wait_outcome(self, execution_id: str, timeout: float | None = None) -> JobOutcome:
        """:meth:`wait`, then the result or the typed error (see :class:`JobOutcome`)."""
        execution = await self.wait(execution_id, timeout)
        if execution.status is ExecutionStatus.COMPLETED:
            return JobOutcome(execution, execution.result)
        return JobOutcome(execution, None, self.error_of(execution_id))

    def error_of(self, execution_id: str) -> BaseException | None:
        """The typed error of a finished execution (rebuilt from the ledger after a restart).

        ``None`` for a running or completed execution.
        """
        execution = self._execution(execution_id)
        if not execution.is_terminal or execution.status is ExecutionStatus.COMPLETED:
            return None
        known = self._errors.get(execution_id)
        if known is not None:
            return known
        for event in reversed(self.ledger.get_events(execution_id)):
            wire = event.data.get("job_error")
            if isinstance(wire, dict):
                return error_from_wire(wire)
        return JobError(
            JobErrorCategory.UNKNOWN,
            f"execution {execution_id} ended {execution.status.value}: {execution.error}",
        )

    def _vanished(self, execution: Execution, error: JobError) -> Execution:
        info = self.job_info(execution)
        vanished = JobError(
            JobErrorCategory.UNKNOWN,
            f"job {info.get('external_ref')!r} of execution {execution.id} vanished from runtime "
            f"{info.get('runtime')!r} before it was seen to finish",
            runtime=info.get("runtime"),
            cause=error,
        )
        return self._write(execution, ExecutionStatus.FAILED, None, None, vanished, "vanished")

    # -- cancel, logs, cleanup -----------------------------------------------------------
    async def cancel(self, execution_id: str) -> bool:
        """Stop the job; ``True`` when the execution ends CANCELLED.

        A job that finished before the cancel reached it is settled as it really ended
        (and ``False`` is returned).

        Raises:
            ExecutionNotFoundError: unknown execution.
            JobError: the runtime could not be asked.
        """
        execution = self._execution(execution_id)
        if execution.is_terminal:
            return execution.status is ExecutionStatus.CANCELLED
        adapter, ref = self._adapter_for(execution)
        await adapter.cancel(ref)
        try:
            job_status = await adapter.status(ref)
        except JobError as exc:
            if exc.job_category is not JobErrorCategory.NOT_FOUND:
                raise
            job_status = JobStatus("cancelled", message="cancelled (job removed)")
        if job_status.state not in ("succeeded", "failed"):
            job_status = dataclasses.replace(job_status, state="cancelled")
            final = self._write(
                self._execution(execution_id),
                ExecutionStatus.CANCELLED,
                job_status,
                None,
                OperationError(f"execution {execution_id} was cancelled"),
                "cancelled",
            )
        else:
            final = await self._settle(self._execution(execution_id), adapter, ref, job_status)
        return final.status is ExecutionStatus.CANCELLED

    async def logs(
        self, execution_id: str, *, follow: bool = False, tail: int | None = None
    ) -> AsyncIterator[str]:
        """The job's output lines (``follow`` streams until it ends).

        Raises:
            ExecutionNotFoundError, JobError (NOT_FOUND once cleaned up).
        """
        adapter, ref = self._adapter_for(self._execution(execution_id))
        async for line in adapter.logs(ref, follow=follow, tail=tail):
            yield line

    async def cleanup(self, execution_id: str) -> None:
        """Remove the job's runtime resources and record ``cleanup_completed``.

        A job still running is cancelled first (and settled CANCELLED).

        Raises:
            ExecutionNotFoundError; JobError when the runtime could not remove them (no
            event is recorded then).
        """
        execution = self._execution(execution_id)
        adapter, ref = self._adapter_for(execution)
        if not execution.is_terminal:
            await self.cancel(execution_id)
        await adapter.cleanup(ref)
        self.ledger.record_event(
            execution_id,
            EventType.CLEANUP_COMPLETED,
            {"runtime": adapter.runtime_name, "external_ref": ref},
        )

    # -- reconcile -----------------------------------------------------------------------
    async def reconcile(self, *, limit: int = 1000) -> ReconcileReport:
        """Settle open executions whose job finished, or vanished, on its runtime.

        Run it on a worker (see :class:`~spine.execution.runtimes.reconciler.JobReconciler`)
        so that jobs whose submitter died still end in the ledger. An unreachable runtime or
        one not registered here leaves its executions as they are.
        """
        open_executions = self.ledger.list_executions(
            status=[ExecutionStatus.QUEUED, ExecutionStatus.RUNNING], limit=limit
        )
        settled: dict[str, ExecutionStatus] = {}
        vanished: list[str] = []
        unreachable: list[str] = []
        unknown: list[str] = []
        checked = 0
        for execution in open_executions:
            info = self.job_info(execution)
            ref, runtime = info.get("external_ref"), info.get("runtime")
            if not isinstance(ref, str) or not isinstance(runtime, str):
                continue  # not a runtime job
            checked += 1
            adapter = self.router.get(runtime)
            if adapter is None:
                unknown.append(execution.id)
                continue
            try:
                job_status = await adapter.status(ref)
            except JobError as exc:
                if exc.job_category is JobErrorCategory.NOT_FOUND:
                    final = self._vanished(execution, exc)
                    vanished.append(execution.id)
                    settled[execution.id] = final.status
                else:
                    unreachable.append(execution.id)
                continue
            final = await self._settle(execution, adapter, ref, job_status)
            if final.is_terminal:
                settled[execution.id] = final.status
        return ReconcileReport(
            checked, settled, tuple(vanished), tuple(unreachable), tuple(unknown)
        )

    # -- sync wrappers ---------------------------------------------------------------------
    def _sync(self, coro: Awaitable[T], timeout: float | None = None) -> T:
        async def run() -> T:
            return await coro

        return self._loop.run(run(), timeout)

    def submit_sync(self, spec: ContainerJobSpec, **options: Any) -> SubmitResult:
        """:meth:`submit` for sync callers."""
        return self._sync(self.submit(spec, **options))

    def status_sync(self, execution_id: str) -> JobStatus:
        """:meth:`status` for sync callers."""
        return self._sync(self.status(execution_id))

    def wait_sync(self, execution_id: str, timeout: float | None = None) -> Execution:
        """:meth:`wait` for sync callers."""
        return self._sync(self.wait(execution_id, timeout))

    def wait_outcome_sync(self, execution_id: str, timeout: float | None = None) -> JobOutcome:
        """:meth:`wait_outcome` for sync callers."""
        return self._sync(self.wait_outcome(execution_id, timeout))

    def cancel_sync(self, execution_id: str) -> bool:
        """:meth:`cancel` for sync callers."""
        return self._sync(self.cancel(execution_id))

    def logs_sync(self, execution_id: str, *, tail: int | None = None) -> list[str]:
        """The job's log lines so far (sync)."""

        async def collect() -> list[str]:
            return [line async for line in self.logs(execution_id, tail=tail)]

        return self._sync(collect())

    def cleanup_sync(self, execution_id: str) -> None:
        """:meth:`cleanup` for sync callers."""
        self._sync(self.cleanup(execution_id))

    def reconcile_sync(self, *, limit: int = 1000) -> ReconcileReport:
        """:meth:`reconcile` for sync callers."""
        return self._sync(self.reconcile(limit=limit))

    def close(self) -> None:
        """Stop the loop of the sync wrappers (jobs keep running on their runtimes)."""
        self._loop.close()

    def __enter__(self) -> JobEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JobEngine(router={self.router!r}, ledger={self.ledger!r})"
