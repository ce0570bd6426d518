"""WorkflowRunner: run a workflow in memory and get a WorkflowResult.

The runner checks everything it can before the first step (params against the schema,
handlers present, operations registered, function-step parameters resolvable), then runs the
steps — in list order for a sequential workflow, as a DAG through a thread pool bounded by
``max_concurrency`` otherwise — applying each step's error policy, retries and timeout.
Step failures never raise out of :meth:`WorkflowRunner.execute`: they are in the result,
each a typed error naming its step.

Operation steps go through the runner's :class:`~spine.orchestration.runnable.Runnable`
(spine-exec's dispatcher by default).

Example:
    >>> from spine.orchestration import Step, StepResult, Workflow
    >>> wf = Workflow("demo", [
    ...     Step.lambda_("count", lambda ctx, cfg: {"n": len(ctx.params["rows"])}),
    ...     Step.choice("route", "outputs.count.n > 0", "publish", "skip_week"),
    ...     Step.lambda_("publish", lambda ctx, cfg: StepResult.ok({"published": True})),
    ...     Step.lambda_("skip_week", lambda ctx, cfg: {"published": False}),
    ... ])
    >>> result = WorkflowRunner().execute(wf, {"rows": [1, 2]})
    >>> result.status.value, result.output("publish"), result.steps["skip_week"].status.value
    ('completed', {'published': True}, 'skipped')
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from spine.orchestration._engine import Engine, RunObserver, RunState, preflight
from spine.orchestration.result import WorkflowResult
from spine.orchestration.runnable import Runnable
from spine.orchestration.steps import MapStep, OperationStep, Step
from spine.orchestration.workflow import Workflow

__all__ = ["RunObserver", "WorkflowRunner", "default_runnable"]


def default_runnable() -> Runnable:
    """The runnable used when none is given: spine-exec's dispatcher over its default registry."""
    from spine.orchestration.dispatcher_runnable import DispatcherRunnable

    return DispatcherRunnable()


def _has_operation(step: Step) -> bool:
    if isinstance(step, OperationStep):
        return True
    return isinstance(step, MapStep) and _has_operation(step.step)


def _runs_operations(workflow: Workflow) -> bool:
    return workflow._memo("runs_operations", lambda wf: any(map(_has_operation, wf.steps)))


class WorkflowRunner:
    """Runs workflows in memory.

    Args:
        runnable: Runs operation steps (default: spine-exec's dispatcher, created on first
            use).
        observer: Optional :class:`RunObserver` called before and after every step.
    """

    def __init__(
        self, runnable: Runnable | None = None, *, observer: RunObserver | None = None
    ) -> None:
        if runnable is not None and not isinstance(runnable, Runnable):
            raise TypeError(
                f"runnable must implement submit_operation_sync(), got {type(runnable).__name__}"
            )
        self._runnable = runnable
        self.observer = observer

    @property
    def runnable(self) -> Runnable:
        """The runnable operation steps go through."""
        if self._runnable is None:
            self._runnable = default_runnable()
        return self._runnable

    def check(self, workflow: Workflow, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run the pre-run checks only; returns the validated params.

        Raises:
            WorkflowParamsError, WorkflowDefinitionError, UnknownOperationError.
        """
        runnable = self.runnable if _runs_operations(workflow) else None
        return preflight(workflow, params, runnable)

    def execute(
        self,
        workflow: Workflow,
        params: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        partition: Mapping[str, Any] | None = None,
        cancel_event: threading.Event | None = None,
    ) -> WorkflowResult:
        """Run ``workflow`` with ``params``; return its :class:`WorkflowResult`.

        Args:
            workflow: What to run.
            params: Run parameters (validated against ``workflow.params_schema``).
            run_id: Id of the run (a new ULID by default).
            partition: Partition key carried in the context.
            cancel_event: Set it (from another thread) to cancel: no new step starts, a
                waiting step stops waiting, the run ends ``CANCELLED``.

        Raises:
            WorkflowParamsError, WorkflowDefinitionError, UnknownOperationError: before the
                first step runs (nothing has happened).
        """
        if not isinstance(workflow, Workflow):
            raise TypeError(f"expected a Workflow, got {type(workflow).__name__}")
        checked = self.check(workflow, params)
        state = RunState.start(workflow, checked, run_id=run_id, partition=partition)
        engine = Engine(
            workflow, lambda: self.runnable, cancel_event=cancel_event, observer=self.observer
        )
        return engine.run(state)
