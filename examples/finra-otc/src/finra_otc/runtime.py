"""What runs the weekly workflow: the dispatcher over the SQL execution ledger and dead-letter
queue, in-process workers, and the tracked runner over the SQL run store — all in the
database the demo writes to, so ``spine runs``, ``spine executions`` and ``spine dlq`` see
the demo's work, and ``spine runs resume`` finishes a week that failed.

:func:`build_runtime` is the one place that chooses them:

* handlers: :func:`finra_otc.pipeline.register_operations` on the pipeline's connection;
  ``fail_at`` wraps one step so it fails (every attempt, in this process only): the
  injected failure a ``spine runs resume`` in another process then completes;
* executions: spine-exec's SQL stores (``sql_stores``) on the **stores connection**;
  inline through the dispatcher, or with ``workers`` > 1 through the work queue
  (:class:`QueueRunnable`: that many in-process ``WorkerLoop`` workers; without a way to
  open connections, a pool of threads);
* runs: spine-orch's ``TrackedWorkflowRunner`` on the stores connection.

The stores get a connection of their own when the caller can open one (``stores_conn``),
so the ledger's and run store's commits never land inside a step's transaction; on one
connection everything runs on one thread, one call after another.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from finra_otc.pipeline import STEPS, register_operations
from spine.db import SpineConnection
from spine.execution import (
    Dispatcher,
    ExecutionStatus,
    HandlerRegistry,
    Ledger,
    MemoryExecutor,
    RetryStrategy,
    ThreadExecutor,
    sql_stores,
)
from spine.execution.queue import NewWork, SqlWorkQueue, WorkerLoop
from spine.orchestration import (
    DispatcherRunnable,
    OperationResult,
    TrackedWorkflowRunner,
    Workflow,
    loads_workflow,
)
from spine.types import SpineError, ValidationError, WeekEnding

__all__ = [
    "FailAt",
    "InjectedFailureError",
    "ObservedRunnable",
    "QueueRunnable",
    "Runtime",
    "StepListener",
    "build_runtime",
    "weekly_workflow",
]

StepListener = Callable[[str, str, str, Mapping[str, Any], str | None], None]
"""``(week, step, status, output, error)`` after every step (for progress displays)."""

LEASE_SECONDS = 3600.0
"""How long a week's run stays claimed without a checkpoint: longer than any step, so no
heartbeat writes while a step holds a transaction."""


def weekly_workflow() -> Workflow:
    """The weekly workflow, from the ``weekly.yaml`` shipped with the package."""
    text = files("finra_otc").joinpath("weekly.yaml").read_text(encoding="utf-8")
    return loads_workflow(text, source="finra_otc/weekly.yaml")


class InjectedFailureError(RuntimeError):
    """The failure ``--fail-at`` injects into a step."""


@dataclass(frozen=True)
class FailAt:
    """Inject a failure into ``step`` of ``week`` (``None``: the first week that runs it).

    Example:
        >>> FailAt.parse("normalize:2025-10-17")
        FailAt(step='normalize', week='2025-10-17')
    """

    step: str
    week: str | None = None

    @classmethod
    def parse(cls, text: str) -> FailAt:
        """``STEP`` or ``STEP:WEEK``.

        Raises:
            ValidationError: an unknown step or a date that is not a week ending.
        """
        step, _, week = text.strip().partition(":")
        if step not in STEPS:
            raise ValidationError(
                f"--fail-at {text!r}: unknown step {step!r}; the steps are {', '.join(STEPS)}"
            )
        if not week:
            return cls(step)
        try:
            return cls(step, str(WeekEnding(week)))
        except Exception as exc:
            raise ValidationError(f"--fail-at {text!r}: {week!r} is not a week ending") from exc


def _inject(registry: HandlerRegistry, fail_at: FailAt) -> None:
    name = f"finra.otc.{fail_at.step}"
    info = registry.get(name)
    inner = info.fn
    first: list[str] = []

    def failing(params: dict[str, Any]) -> Any:
        week = str(params.get("week_ending"))
        if fail_at.week is None and not first:
            first.append(week)
        if week == (fail_at.week or first[0]):
            raise InjectedFailureError(
                f"injected failure in {fail_at.step} of week {week} (--fail-at); "
                "`spine runs resume RUN_ID` finishes the week"
            )
        return inner(params)

    registry.register(name, failing, kind="operation", description=info.description, replace=True)


class ObservedRunnable:
    """A runnable that reports every operation step to a listener, then returns its result."""

    def __init__(
        self, inner: DispatcherRunnable | QueueRunnable, listener: StepListener | None
    ) -> None:
        self.inner = inner
        self.listener = listener

    def has_operation(self, operation_name: str) -> bool:
        return self.inner.has_operation(operation_name)

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        result = self.inner.submit_operation_sync(
            operation_name,
            params,
            parent_run_id=parent_run_id,
            step_name=step_name,
            timeout=timeout,
        )
        if self.listener is not None:
            status = "skipped" if result.output.get("skipped") else result.status.value
            error = str(result.error) if result.error is not None else None
            self.listener(
                str(params.get("week_ending")),
                step_name or operation_name,
                status,
                dict(result.output),
                error,
            )
        return result


_TERMINAL = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED,
     ExecutionStatus.TIMED_OUT}
)  # fmt: skip


class QueueRunnable:
    """Operation steps through spine-exec's crash-safe work queue: each step is enqueued
    (``core_work_items``) and run by in-process :class:`~spine.execution.queue.WorkerLoop`
    workers, which record it in the ledger under the item's id; the runnable waits for
    that execution to finish.

    Args:
        queue: The work queue (on the stores' connection).
        ledger: The ledger the workers record in (the same database).
        registry: The handlers the workers run.
        connect: Opens a connection for a worker.
        workers: Worker loops (threads), each running one handler at a time.
    """

    def __init__(
        self,
        queue: SqlWorkQueue,
        ledger: Ledger,
        registry: HandlerRegistry,
        connect: Callable[[], SpineConnection],
        workers: int,
    ) -> None:
        self.queue = queue
        self.ledger = ledger
        self.registry = registry
        self.loops = [
            WorkerLoop(
                connect,
                registry,
                concurrency=1,
                retry=RetryStrategy.none(),
                poll_interval=0.05,
                listen=False,
            )
            for _ in range(workers)
        ]
        self.threads = [
            threading.Thread(
                target=loop.run,
                kwargs={"handle_signals": False},
                name=f"finra-worker-{i}",
                daemon=True,
            )
            for i, loop in enumerate(self.loops)
        ]
        for thread in self.threads:
            thread.start()

    def has_operation(self, operation_name: str) -> bool:
        return operation_name in self.registry

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        data = json.loads(json.dumps(dict(params), default=str))  # week endings as ISO text
        item = self.queue.enqueue(NewWork(operation_name, data, max_attempts=1))
        while True:
            execution = self.ledger.get_execution(item.id)
            if execution is not None and execution.status in _TERMINAL:
                break
            time.sleep(0.02)
        if execution.status is ExecutionStatus.COMPLETED:
            output: Any = {} if execution.result is None else execution.result
            return OperationResult.completed(output, execution_id=item.id)
        message = execution.error or f"execution {item.id} ended {execution.status.value}"
        return OperationResult.failed(SpineError(message), execution_id=item.id)

    def close(self) -> None:
        """Stop the workers (in-flight work finishes first)."""
        for loop in self.loops:
            loop.stop()
        for thread in self.threads:
            thread.join()


@dataclass
class Runtime:
    """The parts that run the pipeline for one invocation."""

    conn: SpineConnection
    dispatcher: Dispatcher
    runner: TrackedWorkflowRunner
    workflow: Workflow
    workers: int
    queue: QueueRunnable | None = None

    @property
    def ledger(self) -> Ledger:
        """Where this runtime's executions are recorded."""
        return self.dispatcher.ledger

    def close(self) -> None:
        """Stop the worker threads."""
        if self.queue is not None:
            self.queue.close()
        self.dispatcher.shutdown(wait=True)


def build_runtime(
    conn: SpineConnection,
    listener: StepListener | None = None,
    *,
    stores_conn: SpineConnection | None = None,
    workers: int = 1,
    fail_at: FailAt | None = None,
    connect: Callable[[], SpineConnection] | None = None,
) -> Runtime:
    """The dispatcher, ledger, run store and runner the demo uses (see the module docs).

    Args:
        conn: The pipeline's connection (its tables must exist).
        listener: Called after every step.
        stores_conn: The ledger's and run store's connection (default ``conn``).
        workers: In-process worker threads running the steps (1: inline).
        fail_at: A step to fail on purpose.
        connect: Opens connections to the same database: with it, ``workers`` > 1 run the
            steps through the work queue by :class:`QueueRunnable`'s worker loops (without
            it, on a pool of threads).
    """
    if workers < 1:
        raise ValidationError(f"workers must be >= 1, got {workers}")
    registry = HandlerRegistry()
    register_operations(registry, lambda: conn)
    if fail_at is not None:
        _inject(registry, fail_at)
    store = stores_conn if stores_conn is not None else conn
    stores = sql_stores(store)
    executor = (
        ThreadExecutor(max_workers=workers, thread_name_prefix="finra-worker")
        if workers > 1
        else MemoryExecutor()
    )
    dispatcher = Dispatcher(executor, registry=registry, ledger=stores.ledger, dlq=stores.dlq)
    queue = None
    inner: Any = DispatcherRunnable(dispatcher)
    if workers > 1 and connect is not None:
        queue = QueueRunnable(SqlWorkQueue(store), stores.ledger, registry, connect, workers)
        inner = queue
    runnable = ObservedRunnable(inner, listener)
    workflow = weekly_workflow()
    runner = TrackedWorkflowRunner(
        store, runnable=runnable, workflows=[workflow], lease_seconds=LEASE_SECONDS
    )
    return Runtime(conn, dispatcher, runner, workflow, workers, queue)


def connection_label(conn: SpineConnection) -> str:
    """The backend a connection talks to (for the report)."""
    return conn.dialect.name
