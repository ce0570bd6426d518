"""What steps return and what a run reports.

* :class:`StepResult` — what a lambda step returns: :meth:`StepResult.ok`,
  :meth:`StepResult.fail` or :meth:`StepResult.skip`. (A plain ``dict`` is accepted as the
  output of a successful step.)
* :class:`StepOutcome` — what the runner recorded for one step of a run: status, output,
  error, attempts, start/finish times and duration.
* :class:`WorkflowResult` — the run: status (``COMPLETED``, ``FAILED``, ``PARTIAL``,
  ``CANCELLED``) and one :class:`StepOutcome` per step, in plan order.

Example:
    >>> StepResult.ok({"rows": 10}).output
    {'rows': 10}
    >>> r = StepResult.fail("source empty", retryable=True)
    >>> r.success, r.error, r.retryable
    (False, 'source empty', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from spine.types import RunStatus, SpineError, StepStatus, categorize_error, is_retryable

__all__ = ["SkipReason", "StepOutcome", "StepResult", "WorkflowResult", "error_info"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class SkipReason(StrEnum):
    """Why a step was skipped (``StepOutcome.skip_reason``)."""

    BRANCH_NOT_TAKEN = "branch_not_taken"
    """A choice chose the other branch (or no branch reached this step)."""
    UPSTREAM_FAILED = "upstream_failed"
    """A step this one depends on failed (``CONTINUE`` policy)."""
    UPSTREAM_SKIPPED = "upstream_skipped"
    """Every step this one depends on was skipped (e.g. returned :meth:`StepResult.skip`)."""
    REQUESTED = "requested"
    """The step returned :meth:`StepResult.skip`."""


@dataclass(frozen=True, slots=True)
class StepResult:
    """The result a step hands back to the runner.

    Attributes:
        success: Whether the step succeeded (a skipped step counts as successful).
        output: The step's output, stored under the step's name in ``ctx.outputs``.
        error: Failure message (``None`` on success).
        exception: The exception behind a failure, when there is one.
        retryable: Whether a retry may succeed (``RETRY`` policy retries only these).
        context_updates: Merged into ``ctx.params`` for the steps that follow.
        skipped: The step chose not to run (:meth:`skip`).
        skip_reason: Why, for a skipped step.
        execution_id: The ledger execution behind an operation step, when there is one.
    """

    success: bool
    output: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    exception: BaseException | None = field(default=None, compare=False, repr=False)
    retryable: bool = False
    context_updates: Mapping[str, Any] = field(default_factory=dict)
    skipped: bool = False
    skip_reason: str | None = None
    execution_id: str | None = field(default=None, compare=False)

    @classmethod
    def ok(
        cls,
        output: Mapping[str, Any] | None = None,
        *,
        context_updates: Mapping[str, Any] | None = None,
    ) -> StepResult:
        """A successful result carrying ``output`` (and ``context_updates`` for later steps)."""
        return cls(True, dict(output or {}), context_updates=dict(context_updates or {}))

    @classmethod
    def fail(
        cls,
        error: str | BaseException,
        *,
        output: Mapping[str, Any] | None = None,
        retryable: bool | None = None,
    ) -> StepResult:
        """A failed result.

        ``error`` is a message or the exception itself. ``retryable`` defaults to the
        taxonomy's answer for an exception (``spine.types.is_retryable``) and to ``False``
        for a message: a ``RETRY`` policy retries only retryable failures.
        """
        if isinstance(error, BaseException):
            return cls(
                False,
                dict(output or {}),
                error=str(error) or type(error).__name__,
                exception=error,
                retryable=is_retryable(error) if retryable is None else retryable,
            )
        return cls(False, dict(output or {}), error=str(error), retryable=bool(retryable))

    @classmethod
    def skip(cls, reason: str = "requested") -> StepResult:
        """The step decided not to run (recorded as ``SKIPPED`` with ``reason``)."""
        return cls(True, skipped=True, skip_reason=reason)


def error_info(error: BaseException) -> dict[str, Any]:
    """JSON-ready description of an error: type, message, category, retryable, context."""
    if isinstance(error, SpineError):
        info = error.to_dict()
        cause = error.cause
        if cause is not None:
            info["cause"] = {"error_type": type(cause).__name__, "message": str(cause)}
        return info
    return {
        "error_type": type(error).__name__,
        "message": str(error),
        "category": categorize_error(error).value,
        "retryable": is_retryable(error),
    }


class StepOutcome(NamedTuple):
    """What happened to one step of a run (an immutable record; ``_replace`` makes a copy).

    Attributes:
        name: Step name.
        step_type: ``"operation"``, ``"lambda"``, ``"function"``, ``"choice"``, ``"wait"``
            or ``"map"``.
        status: ``COMPLETED``, ``FAILED``, ``SKIPPED``, ``CANCELLED`` or ``PENDING`` (never
            reached).
        output: The output (also on a failed map step: its per-item results).
        error: Failure message.
        error_info: Failure details (:func:`error_info`): type, category, retryable, context.
        exception: The error itself (in-process only; not stored).
        attempts: How many times the step ran (retries included).
        started_at: When the first attempt started (``None`` if it never ran).
        finished_at: When it finished.
        duration_ms: Wall time over all attempts.
        skip_reason: For skipped steps, see :class:`SkipReason`.
        context_updates: What the step merged into the params.
        execution_id: Ledger execution of an operation step, when the runnable reports one.
        restored: The outcome was restored from a checkpoint (resume / rerun), not re-run.
    """

    name: str
    step_type: str
    status: StepStatus
    output: Mapping[str, Any] = _EMPTY
    error: str | None = None
    error_info: Mapping[str, Any] | None = None
    exception: BaseException | None = None
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: float = 0.0
    skip_reason: str | None = None
    context_updates: Mapping[str, Any] = _EMPTY
    execution_id: str | None = None
    restored: bool = False

    @property
    def succeeded(self) -> bool:
        """``COMPLETED``."""
        return self.status is StepStatus.COMPLETED

    @property
    def failed(self) -> bool:
        """``FAILED``."""
        return self.status is StepStatus.FAILED

    @property
    def skipped(self) -> bool:
        """``SKIPPED``."""
        return self.status is StepStatus.SKIPPED


@dataclass(frozen=True, slots=True)
class WorkflowResult:
    """The outcome of a workflow run.

    Attributes:
        workflow_name: The workflow.
        run_id: The run's id.
        status: ``COMPLETED`` (nothing failed), ``FAILED`` (a step failed under ``STOP``),
            ``PARTIAL`` (steps failed under ``CONTINUE``, the rest ran), ``CANCELLED``.
        steps: One outcome per step, in plan order.
        params: Final params (run params with every ``context_updates`` merged).
        partition: The run's partition key.
        started_at / finished_at: Run boundaries (UTC).
        error: Message of the first failure (``None`` when nothing failed).
        skipped_run: ``True`` when a tracked runner did not run anything because a completed
            run of the same workflow and partition exists (that run's result is returned).
        parent_run_id: For a ``rerun_from`` run, the run it was made from.
    """

    workflow_name: str
    run_id: str
    status: RunStatus
    steps: Mapping[str, StepOutcome]
    params: Mapping[str, Any]
    partition: Mapping[str, Any]
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    skipped_run: bool = False
    parent_run_id: str | None = None

    @property
    def succeeded(self) -> bool:
        """``status == COMPLETED``."""
        return self.status is RunStatus.COMPLETED

    @property
    def duration_ms(self) -> float:
        """Wall time of the run."""
        return (self.finished_at - self.started_at).total_seconds() * 1000.0

    @property
    def outputs(self) -> dict[str, Mapping[str, Any]]:
        """Outputs of completed steps, keyed by step name."""
        return {n: o.output for n, o in self.steps.items() if o.status is StepStatus.COMPLETED}

    def output(self, step_name: str) -> Mapping[str, Any]:
        """Output of one step (``KeyError`` naming the step when it is not in the workflow)."""
        try:
            return self.steps[step_name].output
        except KeyError:
            raise KeyError(f"workflow {self.workflow_name!r} has no step {step_name!r}") from None

    def _names(self, status: StepStatus) -> list[str]:
        return [n for n, o in self.steps.items() if o.status is status]

    @property
    def completed_steps(self) -> list[str]:
        """Names of completed steps, in plan order."""
        return self._names(StepStatus.COMPLETED)

    @property
    def failed_steps(self) -> list[str]:
        """Names of failed steps, in plan order."""
        return self._names(StepStatus.FAILED)

    @property
    def skipped_steps(self) -> list[str]:
        """Names of skipped steps, in plan order."""
        return self._names(StepStatus.SKIPPED)

    def __repr__(self) -> str:
        return (
            f"WorkflowResult(workflow={self.workflow_name!r}, run_id={self.run_id!r}, "
            f"status={self.status.value}, steps={len(self.steps)}, error={self.error!r})"
        )
