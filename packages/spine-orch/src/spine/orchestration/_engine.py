"""The engine under every runner: preflight checks, step execution, scheduling (internal).

:class:`RunState` holds one run's progress (statuses, outputs, branch choices, the context);
:class:`Engine` runs steps (retries, timeouts, the semantics of each step type) and schedules
them — one at a time in plan order for a sequential workflow, through a thread pool bounded by
``max_concurrency`` for a DAG. ``WorkflowRunner``, ``TrackedWorkflowRunner``,
``RecordingRunner`` and ``WorkflowPlayground`` all drive this one engine, so they agree on what
a workflow does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from spine.orchestration._functions import resolve_arguments
from spine.orchestration._plan import Plan
from spine.orchestration.context import WorkflowContext
from spine.orchestration.errors import (
    InvalidStepResultError,
    StepExecutionError,
    StepTimeoutError,
    UnknownOperationError,
    WorkflowDefinitionError,
    WorkflowParamsError,
)
from spine.orchestration.expressions import Expression
from spine.orchestration.params import validate_params
from spine.orchestration.policy import ErrorPolicy
from spine.orchestration.result import (
    StepOutcome,
    StepResult,
    WorkflowResult,
    error_info,
)
from spine.orchestration.runnable import OperationCatalog, Runnable
from spine.orchestration.steps import (
    ChoiceStep,
    FunctionStep,
    LambdaStep,
    MapStep,
    OperationStep,
    Step,
    StepType,
    WaitStep,
)
from spine.orchestration.workflow import Workflow
from spine.types import RunStatus, SpineError, StepStatus, utc_now
from spine.types.retry import RetryStrategy

__all__ = ["DEFAULT_RETRY", "Engine", "RunObserver", "RunState", "preflight"]

_Result = dict[str, Any] | StepResult
"""What running a step gives: a plain dict is a success with that output (the fast path)."""

DEFAULT_RETRY = RetryStrategy()
"""Used by steps under a ``RETRY`` policy that name no strategy of their own."""

_KNOWN_OUTPUT_KEYS: dict[StepType, frozenset[str]] = {
    StepType.CHOICE: frozenset({"branch", "next", "condition"}),
    StepType.WAIT: frozenset({"waited_seconds"}),
}


class RunObserver(Protocol):
    """Hooks a runner calls around each step (from the scheduling thread, in order)."""

    def step_started(self, name: str, ctx: WorkflowContext) -> None:
        """``name`` is about to run with ``ctx``."""

    def step_finished(self, outcome: StepOutcome, ctx: WorkflowContext) -> None:
        """``outcome`` was recorded; ``ctx`` is the context after it."""


# -- preflight ------------------------------------------------------------------------------


def _all_steps(workflow: Workflow) -> Iterator[tuple[Step, Step]]:
    """(step, top-level step it belongs to), map inner steps included."""
    for step in workflow.steps:
        yield step, step
        inner: Step = step
        while isinstance(inner, MapStep):
            inner = inner.step
            yield inner, step


def _missing_handler(workflow: Workflow) -> WorkflowDefinitionError | None:
    for step, _ in _all_steps(workflow):
        if isinstance(step, LambdaStep) and step.fn is None:
            return WorkflowDefinitionError(
                f"workflow {workflow.name!r}: lambda step {step.name!r} has no handler",
                workflow=workflow.name,
                step=step.name,
            )
        if isinstance(step, ChoiceStep) and step.condition is None:
            return WorkflowDefinitionError(
                f"workflow {workflow.name!r}: choice step {step.name!r} has no condition",
                workflow=workflow.name,
                step=step.name,
            )
    return None


def _operation_steps(workflow: Workflow) -> list[tuple[OperationStep, Step]]:
    return [(s, top) for s, top in _all_steps(workflow) if isinstance(s, OperationStep)]


def preflight(
    workflow: Workflow, params: Mapping[str, Any] | None, runnable: Runnable | None
) -> dict[str, Any]:
    """Everything checked before a run starts; returns the validated params.

    Raises:
        WorkflowParamsError: params do not fit the schema, or a function step needs a
            parameter nothing can provide.
        WorkflowDefinitionError: a lambda step has no handler, a choice no condition.
        UnknownOperationError: the runnable knows its operations and one is missing.
    """
    checked = validate_params(workflow.params_schema, params, workflow=workflow.name)
    missing = workflow._memo("missing_handler", _missing_handler)
    if missing is not None:
        raise missing
    candidate: object = runnable
    catalog = (
        candidate if candidate is not None and isinstance(candidate, OperationCatalog) else None
    )
    operation_steps = workflow._memo("operation_steps", _operation_steps) if catalog else []
    for step, top in operation_steps:
        assert catalog is not None
        if not catalog.has_operation(step.operation_name):
            raise UnknownOperationError(
                f"workflow {workflow.name!r}: step {step.name!r} runs operation "
                f"{step.operation_name!r}, which is not registered (register a handler under "
                "that name on the runner's dispatcher, e.g. default_dispatcher().registry)",
                workflow=workflow.name,
                step=top.name,
            )
    for problem in function_param_problems(workflow, checked):
        raise WorkflowParamsError(problem, workflow=workflow.name)
    return checked


def _function_needs(workflow: Workflow) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Per function step that nothing upstream can provably feed: (step, params that only the
    run's params could still provide, upstream steps). Computed once per workflow."""
    plan = workflow._plan
    declared = {name: _declared_output_keys(step) for name, step in plan.steps.items()}
    needs: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for step, top in _all_steps(workflow):
        if not isinstance(step, FunctionStep):
            continue
        upstream = plan.upstream[top.name]
        if any(declared[name] is None for name in upstream):
            continue  # an upstream output's keys are known only at run time
        available = set(step.config) | set(upstream)
        for name in upstream:
            available |= declared[name] or frozenset()
        if step is not top:  # a map's inner step also gets the item
            assert isinstance(top, MapStep)
            available |= {top.item_param, f"{top.item_param}_index"}
        needed = tuple(p.name for p in step.spec.params if p.required and p.name not in available)
        if needed:
            needs.append((step.name, needed, upstream))
    return needs


def function_param_problems(workflow: Workflow, params: Mapping[str, Any] | None) -> list[str]:
    """Function-step parameters that provably nothing can fill (``params=None``: only names
    the schema declares count as given)."""
    given = set(params) if params is not None else set(workflow.params_schema)
    problems: list[str] = []
    for step_name, needed, upstream in workflow._memo("function_needs", _function_needs):
        missing = [name for name in needed if name not in given]
        if missing:
            problems.append(
                f"workflow {workflow.name!r}: function step {step_name!r} needs "
                f"{', '.join(repr(m) for m in missing)}, which no param, config entry or "
                f"upstream step provides (upstream: {', '.join(upstream) or 'none'})"
            )
    return problems


def _declared_output_keys(step: Step) -> frozenset[str] | None:
    if isinstance(step, FunctionStep):
        return step.spec.output_keys
    return _KNOWN_OUTPUT_KEYS.get(step.step_type)


# -- run state ------------------------------------------------------------------------------


@dataclass
class RunState:
    """Progress of one run (mutated only by the scheduling thread)."""

    workflow: Workflow
    ctx: WorkflowContext
    status: dict[str, StepStatus] = field(default_factory=dict)
    skip_reasons: dict[str, str | None] = field(default_factory=dict)
    chosen: dict[str, str | None] = field(default_factory=dict)
    outcomes: dict[str, StepOutcome] = field(default_factory=dict)
    prior_items: dict[str, Any] = field(default_factory=dict)
    """Map step -> per-item records of an earlier attempt (re-run only the failed items)."""
    stopped: bool = False
    first_error: str | None = None

    @property
    def plan(self) -> Plan:
        return self.workflow._plan

    @classmethod
    def start(
        cls,
        workflow: Workflow,
        params: Mapping[str, Any],
        *,
        run_id: str | None = None,
        partition: Mapping[str, Any] | None = None,
        started_at: datetime | None = None,
        restored: Sequence[StepOutcome] = (),
        prior_items: Mapping[str, Any] | None = None,
    ) -> RunState:
        """A new state; ``restored`` completed outcomes are applied first (resume/rerun)."""
        ctx = WorkflowContext.create(
            workflow.name, params, run_id=run_id, partition=partition, started_at=started_at
        )
        state = cls(workflow, ctx, prior_items=dict(prior_items or {}))
        by_name = {o.name: o for o in restored}
        for name in state.plan.order:
            outcome = by_name.get(name)
            if outcome is not None and outcome.status is StepStatus.COMPLETED:
                state.apply(outcome)
        return state

    def apply(self, outcome: StepOutcome, policy: ErrorPolicy = ErrorPolicy.STOP) -> None:
        """Record ``outcome``; ``policy`` is the step's final policy for a failure."""
        name = outcome.name
        self.status[name] = outcome.status
        self.outcomes[name] = outcome
        if outcome.status is StepStatus.COMPLETED:
            self.ctx = self.ctx.with_output(name, outcome.output, outcome.context_updates)
            if outcome.step_type == StepType.CHOICE:
                self.chosen[name] = outcome.output.get("next")
        elif outcome.status is StepStatus.SKIPPED:
            self.skip_reasons[name] = outcome.skip_reason
        elif outcome.status is StepStatus.FAILED:
            if self.first_error is None:
                self.first_error = outcome.error
            if policy is not ErrorPolicy.CONTINUE:
                self.stopped = True

    def unset(self, name: str) -> None:
        """Forget ``name``'s outcome (the playground's step_back)."""
        self.status.pop(name, None)
        self.skip_reasons.pop(name, None)
        self.chosen.pop(name, None)
        self.outcomes.pop(name, None)

    def decide(self, name: str) -> str | None:
        """``None`` when ``name`` should run now, else why it is skipped."""
        return self.plan.decide(name, self.status, self.skip_reasons, self.chosen)

    def skip_outcome(self, name: str, reason: str) -> StepOutcome:
        step = self.plan.steps[name]
        return StepOutcome(name, step.step_type.value, StepStatus.SKIPPED, skip_reason=reason)

    def result(self, *, cancelled: bool, finished_at: datetime | None = None) -> WorkflowResult:
        """The :class:`WorkflowResult` of the run so far."""
        steps: dict[str, StepOutcome] = {}
        any_failed = False
        for name in self.plan.order:
            outcome = self.outcomes.get(name)
            if outcome is None:
                step = self.plan.steps[name]
                outcome = StepOutcome(name, step.step_type.value, StepStatus.PENDING)
            elif outcome.status is StepStatus.FAILED:
                any_failed = True
            steps[name] = outcome
        finished = len(self.outcomes) == len(steps)
        if (cancelled and not finished) or any(
            o.status is StepStatus.CANCELLED for o in steps.values()
        ):
            status = RunStatus.CANCELLED
        elif self.stopped:
            status = RunStatus.FAILED
        elif any_failed:
            status = RunStatus.PARTIAL
        else:
            status = RunStatus.COMPLETED
        return WorkflowResult(
            workflow_name=self.workflow.name,
            run_id=self.ctx.run_id,
            status=status,
            steps=steps,
            params=dict(self.ctx.params),
            partition=dict(self.ctx.partition),
            started_at=self.ctx.started_at,
            finished_at=finished_at or utc_now(),
            error=self.first_error,
        )


# -- the engine -----------------------------------------------------------------------------


def _policies(workflow: Workflow, step: Step) -> tuple[RetryStrategy | None, ErrorPolicy]:
    """(retry strategy or None, policy once retries are done) for ``step``."""
    policy = step.on_error
    if policy is None:
        policy = ErrorPolicy.RETRY if step.retry is not None else workflow.policy
    if policy is ErrorPolicy.RETRY:
        return step.retry or DEFAULT_RETRY, step.after_retries
    return None, policy


def _all_policies(workflow: Workflow) -> dict[str, tuple[RetryStrategy | None, ErrorPolicy]]:
    return {s.name: _policies(workflow, s) for s in workflow.steps}


def _cancelled(
    step: Step,
    attempts: int,
    started_at: datetime,
    t0: float,
    output: Mapping[str, Any] | None = None,
    error: BaseException | None = None,
) -> StepOutcome:
    """The outcome of a step stopped by a cancel (while waiting, or before a retry)."""
    return StepOutcome(
        step.name,
        step.step_type,
        StepStatus.CANCELLED,
        output or {},
        error=f"cancelled while waiting to retry after: {error}" if error else None,
        error_info=error_info(error) if error else None,
        exception=error,
        attempts=attempts,
        started_at=started_at,
        finished_at=utc_now(),
        duration_ms=(time.perf_counter() - t0) * 1000.0,
    )


class _CancelledError(Exception):
    """A wait was interrupted by cancellation (internal signal)."""


class Engine:
    """Runs the steps of one workflow (shared by every runner)."""

    def __init__(
        self,
        workflow: Workflow,
        runnable_factory: Callable[[], Runnable],
        *,
        cancel_event: threading.Event | None = None,
        observer: RunObserver | None = None,
    ) -> None:
        self.workflow = workflow
        self._runnable_factory = runnable_factory
        self._runnable: Runnable | None = None
        self.cancel_event = cancel_event or threading.Event()
        self.observer = observer
        self._runners: dict[type[Step], Callable[[Any, WorkflowContext, Any], _Result]] = {
            LambdaStep: self._run_lambda,
            FunctionStep: self._run_function,
            OperationStep: self._run_operation,
            ChoiceStep: self._run_choice,
            WaitStep: self._run_wait,
            MapStep: self._run_map,
        }
        self.on_outcome: Callable[[StepOutcome], StepOutcome] | None = None
        """Called with each outcome before it is applied; returns the outcome to apply
        (the tracked runner checkpoints here)."""
        self._policies = workflow._memo("policies", _all_policies)

    @property
    def runnable(self) -> Runnable:
        if self._runnable is None:
            self._runnable = self._runnable_factory()
        return self._runnable

    # -- scheduling -----------------------------------------------------------------------

    def run(self, state: RunState) -> WorkflowResult:
        """Run every remaining step of ``state``; return the result."""
        if state.plan.is_dag and self.workflow.max_concurrency > 1:
            self._run_dag(state)
        else:
            self._run_sequential(state)
        return state.result(cancelled=self.cancel_event.is_set())

    def _run_sequential(self, state: RunState) -> None:
        plan = state.plan
        cancel = self.cancel_event
        for name in plan.order:
            if name in state.status:
                continue
            if state.stopped or cancel.is_set():
                return
            self.run_step(state, name)

    def _run_dag(self, state: RunState) -> None:
        plan = state.plan
        pending = [n for n in plan.order if n not in state.status]
        running: dict[Future[StepOutcome], str] = {}
        limit = self.workflow.max_concurrency
        observer = self.observer
        pool = ThreadPoolExecutor(
            max_workers=limit, thread_name_prefix=f"spine-wf-{self.workflow.name}"[:40]
        )
        try:
            while True:
                progressed = True
                while progressed and not state.stopped and not self.cancel_event.is_set():
                    progressed = False
                    for name in list(pending):
                        if len(running) >= limit:
                            break
                        if any(d not in state.status for d in plan.deps[name]):
                            continue
                        pending.remove(name)
                        reason = state.decide(name)
                        if reason is not None:
                            self.record(state, state.skip_outcome(name, reason))
                            progressed = True
                            continue
                        if observer is not None:
                            observer.step_started(name, state.ctx)
                        future = pool.submit(
                            self.execute,
                            plan.steps[name],
                            state.ctx,
                            state.prior_items.get(name),
                        )
                        running[future] = name
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: plan.index[running[f]]):
                    running.pop(future)
                    self.record(state, future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def run_step(self, state: RunState, name: str) -> StepOutcome:
        """Decide, run (or skip) and record step ``name`` in the calling thread."""
        plan = state.plan
        reason = state.decide(name) if plan.deps[name] or name in plan.branch_of else None
        if reason is not None:
            return self.record(state, state.skip_outcome(name, reason))
        if self.observer is not None:
            self.observer.step_started(name, state.ctx)
        outcome = self.execute(plan.steps[name], state.ctx, state.prior_items.get(name))
        return self.record(state, outcome)

    def record(self, state: RunState, outcome: StepOutcome) -> StepOutcome:
        """Checkpoint (``on_outcome``), apply to ``state``, tell the observer."""
        if self.on_outcome is not None:
            outcome = self.on_outcome(outcome)
        state.apply(outcome, self._policies[outcome.name][1])
        if self.observer is not None:
            self.observer.step_finished(outcome, state.ctx)
        return outcome

    # -- one step -------------------------------------------------------------------------

    def execute(self, step: Step, ctx: WorkflowContext, prior: Any = None) -> StepOutcome:
        """Run ``step`` with retries and timeout; never raises for a step failure."""
        policies = self._policies.get(step.name)
        strategy = policies[0] if policies is not None else _policies(self.workflow, step)[0]
        started_at = utc_now()
        t0 = time.perf_counter()
        attempts = 0
        while True:
            attempts += 1
            try:
                result = self._attempt(step, ctx, prior)
            except _CancelledError:
                return _cancelled(step, attempts, started_at, t0)
            if isinstance(result, dict):  # the common case: a successful output
                return StepOutcome(
                    step.name,
                    step.step_type,
                    StepStatus.COMPLETED,
                    result,
                    None,
                    None,
                    None,
                    attempts,
                    started_at,
                    utc_now(),
                    (time.perf_counter() - t0) * 1000.0,
                )
            if result.success or strategy is None:
                break
            error = result.exception
            assert error is not None
            decision = strategy.decide(error, attempts)
            if not decision.retry:
                break
            if self.cancel_event.wait(decision.delay):
                return _cancelled(step, attempts, started_at, t0, result.output, error)
            if isinstance(step, MapStep):
                prior = result.output
        finished_at = utc_now()
        duration = (time.perf_counter() - t0) * 1000.0
        if result.skipped:
            return StepOutcome(
                step.name,
                step.step_type,
                StepStatus.SKIPPED,
                attempts=attempts,
                started_at=started_at,
                finished_at=finished_at,
                duration_ms=duration,
                skip_reason=result.skip_reason,
            )
        if result.success:
            return StepOutcome(
                step.name,
                step.step_type,
                StepStatus.COMPLETED,
                result.output,
                attempts=attempts,
                started_at=started_at,
                finished_at=finished_at,
                duration_ms=duration,
                context_updates=result.context_updates,
                execution_id=result.execution_id,
            )
        error = result.exception
        assert error is not None
        return StepOutcome(
            step.name,
            step.step_type,
            StepStatus.FAILED,
            result.output,
            error=str(error),
            error_info=error_info(error),
            exception=error,
            attempts=attempts,
            started_at=started_at,
            finished_at=finished_at,
            duration_ms=duration,
            execution_id=error.context.execution_id if isinstance(error, SpineError) else None,
        )

    def _attempt(self, step: Step, ctx: WorkflowContext, prior: Any) -> _Result:
        """One attempt: a dict (success, its output) or a StepResult; a failure is a
        ``StepResult.fail`` holding a typed exception."""
        if step.timeout is None or isinstance(step, WaitStep):
            return self._guarded(step, ctx, prior)
        box: list[_Result] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def target() -> None:
            try:
                box.append(self._guarded(step, ctx, prior))
            except BaseException as exc:  # handed to the waiting thread
                failure.append(exc)
            finally:
                done.set()

        threading.Thread(target=target, name=f"spine-step-{step.name}", daemon=True).start()
        if not done.wait(step.timeout):
            return StepResult.fail(
                StepTimeoutError(step.name, step.timeout, workflow=self.workflow.name)
            )
        if failure:
            raise failure[0]
        return box[0]

    def _guarded(self, step: Step, ctx: WorkflowContext, prior: Any) -> _Result:
        try:
            runner = self._runners.get(step.__class__) or self._runner_for(step)
            result = runner(step, ctx, prior)
        except _CancelledError:
            raise
        except StepExecutionError as exc:
            return StepResult.fail(exc)
        except Exception as exc:
            return StepResult.fail(self._wrap(step, exc))
        if isinstance(result, dict) or result.success:
            return result
        if isinstance(result.exception, StepExecutionError):
            return result
        wrapped = StepExecutionError(
            f"step {step.name!r} failed: {result.error}",
            step=step.name,
            workflow=self.workflow.name,
            cause=result.exception,
            retryable=result.retryable,
        )
        return StepResult(
            False,
            result.output,
            error=wrapped.message,
            exception=wrapped,
            retryable=wrapped.retryable,
        )

    def _runner_for(self, step: Step) -> Callable[[Any, WorkflowContext, Any], _Result]:
        for kind, runner in self._runners.items():
            if isinstance(step, kind):
                return runner
        raise WorkflowDefinitionError(f"unknown step type {type(step).__name__}", step=step.name)

    def _wrap(self, step: Step, exc: BaseException) -> StepExecutionError:
        if isinstance(exc, StepExecutionError):
            return exc
        return StepExecutionError(
            f"step {step.name!r} raised {type(exc).__name__}: {exc}",
            step=step.name,
            workflow=self.workflow.name,
            cause=exc,
        )

    def _invalid(self, step: Step, what: str, value: object) -> StepResult:
        return StepResult.fail(
            InvalidStepResultError(
                f"{step.step_type.value} step {step.name!r} returned "
                f"{type(value).__name__}; {what}",
                step=step.name,
                workflow=self.workflow.name,
            )
        )

    def _missing(self, step: Step, what: str) -> StepExecutionError:
        return StepExecutionError(
            f"{step.step_type.value} step {step.name!r} has no {what}",
            step=step.name,
            workflow=self.workflow.name,
            retryable=False,
        )

    def _run_lambda(self, step: LambdaStep, ctx: WorkflowContext, prior: Any) -> _Result:
        if step.fn is None:
            raise self._missing(step, "handler")
        value: object = step.fn(ctx, step.config)
        if isinstance(value, dict):
            return value
        if isinstance(value, StepResult):
            return value
        if isinstance(value, Mapping):
            return dict(value)
        hint = " (did it forget to return?)" if value is None else ""
        return self._invalid(step, f"return a StepResult or a dict of outputs{hint}", value)

    def _run_function(self, step: FunctionStep, ctx: WorkflowContext, prior: Any) -> _Result:
        upstream = self.workflow._plan.upstream.get(step.name, ())
        kwargs, missing = resolve_arguments(
            step.spec, step.config, ctx.params, ctx.outputs, upstream
        )
        if missing:
            raise StepExecutionError(
                f"function step {step.name!r} needs {', '.join(repr(m) for m in missing)}: "
                "not in its config, the run params or the outputs of upstream steps "
                f"({', '.join(upstream) or 'none'})",
                step=step.name,
                workflow=self.workflow.name,
                retryable=False,
            )
        try:
            value: object = step.spec.call(**kwargs)
        except Exception as exc:
            if type(exc).__name__ == "ValidationError" and type(exc).__module__.startswith(
                "pydantic"
            ):
                raise StepExecutionError(
                    f"function step {step.name!r}: arguments do not fit the annotations of "
                    f"{getattr(step.fn, '__qualname__', step.fn)!r}: "
                    f"{_first_line(exc)}",
                    step=step.name,
                    workflow=self.workflow.name,
                    retryable=False,
                ) from exc
            raise
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        if isinstance(value, StepResult):
            return value
        if isinstance(value, Mapping):
            return dict(value)
        return self._invalid(step, "return a dict (the step's output) or None", value)

    def _run_operation(self, step: OperationStep, ctx: WorkflowContext, prior: Any) -> _Result:
        params = {**ctx.params, **step.config} if step.config else dict(ctx.params)
        result = self.runnable.submit_operation_sync(
            step.operation_name,
            params,
            parent_run_id=ctx.run_id,
            step_name=step.name,
            timeout=step.timeout,
        )
        if not result.succeeded:
            error = result.error
            if error is None:
                error = StepExecutionError(
                    f"operation {step.operation_name!r} ended {result.status.value}",
                    step=step.name,
                    workflow=self.workflow.name,
                )
            wrapped = StepExecutionError(
                f"step {step.name!r}: operation {step.operation_name!r} "
                f"{result.status.value}: {error}",
                step=step.name,
                workflow=self.workflow.name,
                cause=error,
            )
            if result.execution_id:
                wrapped.with_context(execution_id=result.execution_id)
            return StepResult.fail(wrapped)
        output: object = result.output
        if not isinstance(output, Mapping):
            return self._invalid(step, "an operation's result must be a dict", output)
        return StepResult(True, dict(result.output), execution_id=result.execution_id)

    def _run_choice(self, step: ChoiceStep, ctx: WorkflowContext, prior: Any) -> _Result:
        condition = step.condition
        if condition is None:
            raise self._missing(step, "condition")
        if isinstance(condition, Expression):
            value = condition.evaluate(ctx.params, ctx.outputs)
        else:
            value = condition(ctx)
        taken = bool(value)
        target = step.then_step if taken else step.else_step
        branch = "then" if taken else ("else" if step.else_step is not None else None)
        return {"condition": taken, "branch": branch, "next": target}

    def _run_wait(self, step: WaitStep, ctx: WorkflowContext, prior: Any) -> _Result:
        if step.until is not None:
            seconds = max(0.0, (step.until - utc_now()).total_seconds())
        else:
            assert step.seconds is not None
            seconds = step.seconds
        if self.cancel_event.wait(seconds):
            raise _CancelledError
        return {"waited_seconds": seconds}

    def _run_map(self, step: MapStep, ctx: WorkflowContext, prior: Any) -> _Result:
        source = step.items_from
        if isinstance(source, Expression):
            items = list(source.evaluate_sequence(ctx.params, ctx.outputs))
        else:
            produced = source(ctx)
            if not isinstance(produced, list | tuple):
                return self._invalid(step, "items_from must give a list", produced)
            items = list(produced)
        records: list[dict[str, Any] | None] = [None] * len(items)
        previous = prior.get("items") if isinstance(prior, Mapping) else None
        if isinstance(previous, list) and len(previous) == len(items):
            for i, old in enumerate(previous):
                if (
                    isinstance(old, Mapping)
                    and old.get("status") == StepStatus.COMPLETED.value
                    and old.get("item") == items[i]
                ):
                    records[i] = dict(old)
        todo = [i for i, r in enumerate(records) if r is None]

        def run_item(i: int) -> dict[str, Any]:
            item_ctx = ctx.with_params(**{step.item_param: items[i], f"{step.item_param}_index": i})
            outcome = self.execute(step.step, item_ctx)
            if outcome.status is StepStatus.CANCELLED:
                raise _CancelledError
            return {
                "index": i,
                "item": items[i],
                "status": outcome.status.value,
                "output": dict(outcome.output) if outcome.status is StepStatus.COMPLETED else None,
                "error": outcome.error,
                "error_info": dict(outcome.error_info) if outcome.error_info else None,
                "attempts": outcome.attempts,
            }

        if step.max_concurrency == 1 or len(todo) <= 1:
            for i in todo:
                records[i] = run_item(i)
        else:
            with ThreadPoolExecutor(
                max_workers=min(step.max_concurrency, len(todo)),
                thread_name_prefix=f"spine-map-{step.name}"[:40],
            ) as pool:
                for i, record in zip(todo, pool.map(run_item, todo), strict=True):
                    records[i] = record
        done = [r for r in records if r is not None]
        failed = [r for r in done if r["status"] == StepStatus.FAILED.value]
        output = {
            "results": [r["output"] for r in done],
            "items": done,
            "count": len(done),
            "completed": len(done) - len(failed),
            "failed": len(failed),
        }
        if not failed:
            return output
        details = "; ".join(f"[{r['index']}] {r['error']}" for r in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        retryable = any((r["error_info"] or {}).get("retryable") for r in failed)
        error = StepExecutionError(
            f"map step {step.name!r}: {len(failed)} of {len(done)} items failed: {details}{more}",
            step=step.name,
            workflow=self.workflow.name,
            retryable=retryable,
        )
        error.with_context(failed_items=[r["index"] for r in failed])
        return StepResult(False, output, error=error.message, exception=error, retryable=retryable)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines[1:3]) if len(lines) > 1 else (lines[0] if lines else repr(exc))
