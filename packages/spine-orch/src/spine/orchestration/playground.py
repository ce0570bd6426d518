"""WorkflowPlayground: run a workflow one step at a time, look around, rewind, change params.

::

    WorkflowPlayground
    ├── load(workflow, params)  → sets up the step queue
    ├── step()                  → runs the next step, returns a StepSnapshot
    ├── step_back()             → rewinds to the context before the last step
    ├── peek()                  → the next step, without running it
    ├── run_to(step_name)       → runs until step_name is next
    ├── run_all()               → runs the remaining steps
    ├── set_param(k, v)         → changes the params for the steps still to run
    ├── context                 → the current WorkflowContext
    ├── history                 → StepSnapshots of the steps run so far
    └── reset()                 → back to the start

Steps run with the same semantics as in :class:`~spine.orchestration.WorkflowRunner` (error
policies, retries, branch skips), one at a time in plan order — also for a DAG. A branch
not taken shows up as a snapshot with status ``SKIPPED``. After a failure under ``STOP`` the
playground refuses to go on until you ``step_back()`` (and fix a param) or ``reset()``.

Example:
    >>> from spine.orchestration import Step, StepResult, Workflow
    >>> def validate(ctx, config):
    ...     return StepResult.ok({"valid": ctx.params.get("override", False)})
    >>> wf = Workflow("debug.workflow", [
    ...     Step.lambda_("fetch", lambda ctx, cfg: {"rows": 3}),
    ...     Step.lambda_("validate", validate),
    ... ])
    >>> pg = WorkflowPlayground()
    >>> pg.load(wf, params={"date": "2026-01-15"})
    >>> pg.step().output
    {'rows': 3}
    >>> pg.set_param("override", True)
    >>> pg.step().output
    {'valid': True}
    >>> pg.step_back().step_name
    'validate'
    >>> pg.peek().name, pg.step().output
    ('validate', {'valid': True})
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spine.orchestration._engine import Engine, RunState
from spine.orchestration.context import WorkflowContext
from spine.orchestration.params import validate_params
from spine.orchestration.result import StepOutcome, WorkflowResult
from spine.orchestration.runnable import Runnable
from spine.orchestration.runner import default_runnable
from spine.orchestration.steps import Step
from spine.orchestration.workflow import Workflow
from spine.types import StepStatus, WorkflowError

__all__ = ["StepSnapshot", "WorkflowPlayground"]


@dataclass(frozen=True, slots=True)
class StepSnapshot:
    """One step run in the playground.

    Attributes:
        index: Position in the history (0-based).
        step_name / step_type: The step.
        result: The :class:`~spine.orchestration.result.StepOutcome` (status, output, error).
        context_before / context_after: The context the step saw, and the one after it.
    """

    index: int
    step_name: str
    step_type: str
    result: StepOutcome
    context_before: WorkflowContext
    context_after: WorkflowContext

    @property
    def status(self) -> StepStatus:
        """The step's status."""
        return self.result.status

    @property
    def output(self) -> Mapping[str, Any]:
        """The step's output."""
        return self.result.output

    @property
    def error(self) -> str | None:
        """The failure message, if the step failed."""
        return self.result.error

    @property
    def duration_ms(self) -> float:
        """How long the step took."""
        return self.result.duration_ms


class WorkflowPlayground:
    """An interactive, step-by-step runner (see the module docs).

    Args:
        runnable: Runs operation steps (default: spine-exec's dispatcher).
    """

    def __init__(self, runnable: Runnable | None = None) -> None:
        self._runnable = runnable
        self._workflow: Workflow | None = None
        self._params: dict[str, Any] = {}
        self._state: RunState | None = None
        self._engine: Engine | None = None
        self._history: list[StepSnapshot] = []
        self._saved: list[RunState] = []

    def _runnable_or_default(self) -> Runnable:
        if self._runnable is None:
            self._runnable = default_runnable()
        return self._runnable

    # -- set up ---------------------------------------------------------------------------

    def load(self, workflow: Workflow, params: Mapping[str, Any] | None = None) -> None:
        """Load ``workflow`` with ``params`` (validated against its schema) and rewind.

        Raises:
            WorkflowParamsError: the params do not fit the workflow's schema.
        """
        if not isinstance(workflow, Workflow):
            raise TypeError(f"expected a Workflow, got {type(workflow).__name__}")
        self._workflow = workflow
        self._params = validate_params(workflow.params_schema, params, workflow=workflow.name)
        self.reset()

    def reset(self) -> None:
        """Back to the start: no step run, the params as loaded."""
        workflow = self._require()
        self._state = RunState.start(workflow, self._params)
        self._engine = Engine(workflow, self._runnable_or_default)
        self._history = []
        self._saved = []

    def _require(self) -> Workflow:
        if self._workflow is None:
            raise WorkflowError("no workflow loaded: call load(workflow, params) first")
        return self._workflow

    def _state_or_fail(self) -> RunState:
        self._require()
        assert self._state is not None
        return self._state

    # -- looking --------------------------------------------------------------------------

    @property
    def workflow(self) -> Workflow:
        """The loaded workflow."""
        return self._require()

    @property
    def context(self) -> WorkflowContext:
        """The current context (params and the outputs so far)."""
        return self._state_or_fail().ctx

    @property
    def history(self) -> list[StepSnapshot]:
        """Snapshots of the steps run so far, oldest first."""
        return list(self._history)

    @property
    def is_complete(self) -> bool:
        """Every step has run (or been skipped)."""
        state = self._state_or_fail()
        return len(state.status) == len(state.plan.order)

    @property
    def is_stopped(self) -> bool:
        """A step failed under ``STOP``: nothing more runs until step_back() or reset()."""
        return self._state_or_fail().stopped

    def _next_name(self) -> str | None:
        state = self._state_or_fail()
        return next((n for n in state.plan.order if n not in state.status), None)

    def peek(self) -> Step | None:
        """The step :meth:`step` would run next (``None`` when complete or stopped)."""
        name = self._next_name()
        if name is None or self._state_or_fail().stopped:
            return None
        return self._state_or_fail().plan.steps[name]

    def result(self) -> WorkflowResult:
        """The run so far as a :class:`WorkflowResult` (steps not run yet are ``PENDING``)."""
        return self._state_or_fail().result(cancelled=False)

    # -- moving ---------------------------------------------------------------------------

    def set_param(self, key: str, value: Any) -> None:
        """Set ``params[key]`` for the steps still to run."""
        state = self._state_or_fail()
        state.ctx = state.ctx.with_params(**{key: value})

    def step(self) -> StepSnapshot:
        """Run the next step and return its snapshot.

        Raises:
            WorkflowError: nothing is left to run, or the run stopped at a failed step.
        """
        state = self._state_or_fail()
        engine = self._engine
        assert engine is not None
        if state.stopped:
            failed = next(n for n, o in state.outcomes.items() if o.failed)
            raise WorkflowError(
                f"the run stopped at failed step {failed!r}: step_back() to run it again "
                "(after set_param, say) or reset()"
            )
        name = self._next_name()
        if name is None:
            raise WorkflowError("every step has run: reset() to start again")
        self._saved.append(_copy_state(state))
        before = state.ctx
        outcome = engine.run_step(state, name)
        snapshot = StepSnapshot(
            len(self._history), name, outcome.step_type, outcome, before, state.ctx
        )
        self._history.append(snapshot)
        return snapshot

    def step_back(self) -> StepSnapshot:
        """Undo the last step: the context is what it was before it ran.

        Returns the snapshot that was undone.

        Raises:
            WorkflowError: no step has run.
        """
        self._state_or_fail()
        if not self._history:
            raise WorkflowError("no step to go back from")
        self._state = self._saved.pop()
        return self._history.pop()

    def run_to(self, step_name: str, *, inclusive: bool = False) -> list[StepSnapshot]:
        """Run steps until ``step_name`` is next (``inclusive``: until it has run).

        Stops early at a failure under ``STOP``.

        Raises:
            KeyError: no such step.
            WorkflowError: ``step_name`` has already run.
        """
        state = self._state_or_fail()
        if step_name not in state.plan.steps:
            raise KeyError(f"workflow {state.workflow.name!r} has no step {step_name!r}")
        if step_name in state.status:
            raise WorkflowError(f"step {step_name!r} has already run: step_back() or reset()")
        snaps: list[StepSnapshot] = []
        while not state.stopped and self._next_name() is not None:
            if self._next_name() == step_name and not inclusive:
                break
            snaps.append(self.step())
            state = self._state_or_fail()
            if step_name in state.status:
                break
        return snaps

    def run_all(self) -> list[StepSnapshot]:
        """Run every remaining step (stops at a failure under ``STOP``)."""
        snaps: list[StepSnapshot] = []
        while not self._state_or_fail().stopped and self._next_name() is not None:
            snaps.append(self.step())
        return snaps


def _copy_state(state: RunState) -> RunState:
    copied = copy.copy(state)
    copied.status = dict(state.status)
    copied.skip_reasons = dict(state.skip_reasons)
    copied.chosen = dict(state.chosen)
    copied.outcomes = dict(state.outcomes)
    copied.prior_items = dict(state.prior_items)
    return copied
