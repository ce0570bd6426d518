"""Errors raised by spine-orch, all part of the spine error taxonomy.

Two families:

* **Definition errors** (:class:`WorkflowDefinitionError`, a
  :class:`~spine.types.WorkflowError` and a ``ValueError``): the workflow itself is wrong —
  duplicate step names, a dependency on an unknown step, a cycle, a malformed expression, a
  workflow file that does not validate. Raised when the workflow is built or loaded, before
  anything runs.
* **Run errors**: a step failed (:class:`StepExecutionError`, naming the step and keeping the
  original error as its cause, with the cause's ``retryable`` flag and category), a run id is
  unknown (:class:`RunNotFoundError`), a run is held by another runner
  (:class:`RunClaimedError`) or is in a state that does not allow the request
  (:class:`RunStateError`).

Example:
    >>> err = WorkflowCycleError(("a", "b", "a"), workflow="etl")
    >>> str(err)
    "workflow 'etl' has a dependency cycle: a -> b -> a"
    >>> err.cycle, isinstance(err, ValueError)
    (('a', 'b', 'a'), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spine.types import (
    SpineError,
    ValidationError,
    WorkflowError,
    categorize_error,
    is_retryable,
)

__all__ = [
    "DuplicateStepError",
    "ExpressionError",
    "ExpressionEvaluationError",
    "InvalidStepResultError",
    "RunClaimedError",
    "RunNotFoundError",
    "RunStateError",
    "StepExecutionError",
    "StepTimeoutError",
    "UnknownOperationError",
    "UnknownStepError",
    "WorkflowCycleError",
    "WorkflowDefinitionError",
    "WorkflowFileError",
    "WorkflowParamsError",
]


class WorkflowDefinitionError(WorkflowError, ValidationError):
    """The workflow definition is invalid (raised at construction or load, before any run).

    Also a :class:`~spine.types.ValidationError` and a ``ValueError``. ``context.step`` names
    the step at fault and ``context.metadata["field"]`` the step field, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        workflow: str | None = None,
        step: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        if workflow is not None or step is not None:
            self.with_context(workflow=workflow, step=step)
        if field is not None:
            self.with_context(field=field)

    @property
    def step(self) -> str | None:
        """The step the problem is about, when there is one."""
        return self.context.step


class DuplicateStepError(WorkflowDefinitionError):
    """Two steps share a name."""


class UnknownStepError(WorkflowDefinitionError):
    """A step refers to a step that does not exist (``depends_on``, a choice branch...)."""


class WorkflowCycleError(WorkflowDefinitionError):
    """The dependencies form a cycle; ``cycle`` lists it, first step repeated at the end."""

    cycle: tuple[str, ...]

    def __init__(self, cycle: Sequence[str], *, workflow: str | None = None) -> None:
        self.cycle = tuple(cycle)
        where = f"workflow {workflow!r}" if workflow else "the workflow"
        super().__init__(
            f"{where} has a dependency cycle: {' -> '.join(self.cycle)}",
            workflow=workflow,
            step=self.cycle[0] if self.cycle else None,
            field="depends_on",
        )
        self.with_context(cycle=list(self.cycle))


class ExpressionError(WorkflowDefinitionError):
    """A condition or ``items_from`` expression is malformed or uses something not allowed."""

    expression: str

    def __init__(self, message: str, expression: str, *, step: str | None = None) -> None:
        self.expression = expression
        super().__init__(f"{message} in expression {expression!r}", step=step)


class ExpressionEvaluationError(WorkflowError):
    """An expression could not be evaluated against the run's params and outputs (a missing
    key, types that do not fit); the step that evaluated it fails."""

    expression: str

    def __init__(self, message: str, expression: str) -> None:
        super().__init__(f"{message} (in {expression!r})")
        self.expression = expression


class UnknownOperationError(WorkflowDefinitionError):
    """An operation step names an operation the runnable does not know (checked before a run)."""


class WorkflowParamsError(WorkflowDefinitionError):
    """Run parameters do not fit the workflow: missing, unknown, or of the wrong type.

    Also raised before a run when a function step needs a parameter nothing can provide.
    """


class WorkflowFileError(WorkflowDefinitionError):
    """A workflow file does not parse or validate.

    ``str(err)`` reads ``path:line: field: problem``; the parts are kept on ``path``,
    ``line`` (1-based, ``None`` when unknown) and ``field`` (dotted path such as
    ``steps[2].depends_on``).
    """

    path: str
    line: int | None
    field: str | None
    problem: str

    def __init__(
        self,
        problem: str,
        *,
        path: str,
        line: int | None = None,
        field: str | None = None,
        step: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        where = path if line is None else f"{path}:{line}"
        text = f"{where}: {field}: {problem}" if field else f"{where}: {problem}"
        super().__init__(text, step=step)
        self.with_context(file=path, line=line, field=field)


class StepExecutionError(WorkflowError):
    """A step failed while running; names the step and keeps the original error as the cause.

    ``retryable``, ``retry_after`` and ``category`` are taken from the cause (so a retry policy
    decides on the real error, not on this wrapper); without a cause the step's failure is
    not retryable unless said so.
    """

    def __init__(
        self,
        message: str,
        *,
        step: str,
        workflow: str | None = None,
        cause: BaseException | None = None,
        retryable: bool | None = None,
        retry_after: int | None = None,
    ) -> None:
        category = categorize_error(cause) if cause is not None else None
        if retryable is None and cause is not None:
            retryable = is_retryable(cause)
        if retry_after is None and isinstance(cause, SpineError):
            retry_after = cause.retry_after
        super().__init__(
            message,
            category=category,
            retryable=retryable,
            retry_after=retry_after,
            cause=cause,
        )
        self.with_context(step=step, workflow=workflow)

    @property
    def step(self) -> str:
        """Name of the failed step."""
        return self.context.step or ""


class InvalidStepResultError(StepExecutionError):
    """A step returned something other than what its type allows (e.g. a str from a lambda)."""


class StepTimeoutError(StepExecutionError):
    """A step did not finish within its ``timeout``; retryable, like any timeout."""

    def __init__(self, step: str, timeout: float, *, workflow: str | None = None) -> None:
        super().__init__(
            f"step {step!r} did not finish within its timeout of {timeout:g}s",
            step=step,
            workflow=workflow,
            retryable=True,
        )
        self.timeout = timeout


class RunNotFoundError(WorkflowError, ValidationError):
    """No workflow run has the given id."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no workflow run with id {run_id!r}")
        self.with_context(run_id=run_id)


class RunClaimedError(WorkflowError):
    """Another runner holds the run (or an active run of the same workflow and partition).

    Retryable: the holder's lease expires if it dies, and the run can then be taken over.
    """

    default_retryable = True

    def __init__(self, message: str, *, run_id: str | None = None, owner: str | None = None):
        super().__init__(message)
        self.with_context(run_id=run_id, owner=owner)


class RunStateError(WorkflowError, ValidationError):
    """The run's status does not allow the request (resume a completed run, cancel twice...)."""

    def __init__(self, message: str, *, run_id: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.with_context(run_id=run_id, **context)
