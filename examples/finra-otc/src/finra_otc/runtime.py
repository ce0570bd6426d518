"""What runs the weekly workflow: the dispatcher (execution ledger), the tracked runner (run
store), and the pipeline's handlers registered on them.

:func:`build_runtime` is the one place that chooses them. Today: spine-exec's in-memory
ledger and the tracked runner over an in-memory run store, handlers run inline. The SQL
ledger, the SQL run store and in-process workers replace them here, without touching the
pipeline or the demo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from finra_otc.pipeline import OtcPipeline
from spine.db import SpineConnection
from spine.execution import Dispatcher, HandlerRegistry
from spine.orchestration import (
    DispatcherRunnable,
    OperationResult,
    TrackedWorkflowRunner,
    Workflow,
    loads_workflow,
)
from spine.orchestration.testing import InMemoryRunStore

__all__ = ["ObservedRunnable", "Runtime", "StepListener", "build_runtime", "weekly_workflow"]

StepListener = Callable[[str, str, str, Mapping[str, Any], str | None], None]
"""``(week, step, status, output, error)`` after every step (for progress displays)."""


def weekly_workflow() -> Workflow:
    """The weekly workflow, from the ``weekly.yaml`` shipped with the package."""
    text = files("finra_otc").joinpath("weekly.yaml").read_text(encoding="utf-8")
    return loads_workflow(text, source="finra_otc/weekly.yaml")


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

    pipeline: OtcPipeline
    dispatcher: Dispatcher
    runner: TrackedWorkflowRunner
    workflow: Workflow


def build_runtime(pipeline: OtcPipeline, listener: StepListener | None = None) -> Runtime:
    """The dispatcher, ledger, run store and runner the demo uses (see the module docs)."""
    registry = HandlerRegistry()
    pipeline.register(registry)
    dispatcher = Dispatcher(registry=registry)
    runnable = ObservedRunnable(DispatcherRunnable(dispatcher), listener)
    workflow = weekly_workflow()
    runner = TrackedWorkflowRunner(InMemoryRunStore(), runnable=runnable, workflows=[workflow])
    return Runtime(pipeline, dispatcher, runner, workflow)


def connection_label(conn: SpineConnection) -> str:
    """The backend a connection talks to (for the report)."""
    return conn.dialect.name
