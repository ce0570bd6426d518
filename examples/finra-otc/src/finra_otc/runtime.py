"""What runs the weekly workflow: the dispatcher over the SQL execution ledger and dead-letter
queue, in-process workers, and the tracked runner over the SQL run store — all in the
database the demo writes to, so ``spine runs``, ``spine executions`` and ``spine dlq`` see
the demo's work, and ``spine runs resume`` finishes a week that failed.

:func:`build_runtime` is the one place that chooses them:

* handlers: :func:`finra_otc.pipeline.register_operations` on the pipeline's connection;
  ``fail_at`` wraps one step so it fails (every attempt, in this process only): the
  injected failure a ``spine runs resume`` in another process then completes;
* executions: spine-exec's SQL stores (``sql_stores``) on the **stores connection**;
  ``workers`` > 1 runs the handlers on a pool of that many in-process worker threads,
  otherwise inline;
* runs: spine-orch's ``TrackedWorkflowRunner`` on the stores connection.

The stores get a connection of their own when the caller can open one (``stores_conn``),
so the ledger's and run store's commits never land inside a step's transaction; on one
connection everything runs on one thread, one call after another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from finra_otc.pipeline import STEPS, register_operations
from spine.db import SpineConnection
from spine.execution import (
    Dispatcher,
    HandlerRegistry,
    MemoryExecutor,
    ThreadExecutor,
    sql_stores,
)
from spine.orchestration import (
    DispatcherRunnable,
    OperationResult,
    TrackedWorkflowRunner,
    Workflow,
    loads_workflow,
)
from spine.types import ValidationError, WeekEnding

__all__ = [
    "FailAt",
    "InjectedFailureError",
    "ObservedRunnable",
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

    def __init__(self, inner: DispatcherRunnable, listener: StepListener | None) -> None:
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


@dataclass
class Runtime:
    """The parts that run the pipeline for one invocation."""

    conn: SpineConnection
    dispatcher: Dispatcher
    runner: TrackedWorkflowRunner
    workflow: Workflow
    workers: int

    def close(self) -> None:
        """Stop the worker threads."""
        self.dispatcher.shutdown(wait=True)


def build_runtime(
    conn: SpineConnection,
    listener: StepListener | None = None,
    *,
    stores_conn: SpineConnection | None = None,
    workers: int = 1,
    fail_at: FailAt | None = None,
) -> Runtime:
    """The dispatcher, ledger, run store and runner the demo uses (see the module docs).

    Args:
        conn: The pipeline's connection (its tables must exist).
        listener: Called after every step.
        stores_conn: The ledger's and run store's connection (default ``conn``).
        workers: In-process worker threads running the steps (1: inline).
        fail_at: A step to fail on purpose.
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
    runnable = ObservedRunnable(DispatcherRunnable(dispatcher), listener)
    workflow = weekly_workflow()
    runner = TrackedWorkflowRunner(
        store, runnable=runnable, workflows=[workflow], lease_seconds=LEASE_SECONDS
    )
    return Runtime(conn, dispatcher, runner, workflow, workers)


def connection_label(conn: SpineConnection) -> str:
    """The backend a connection talks to (for the report)."""
    return conn.dialect.name
