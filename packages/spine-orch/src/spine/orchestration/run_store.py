"""The run store: where a tracked workflow run keeps its state (interface and records).

A :class:`WorkflowRunStore` holds three kinds of rows:

* a **run** (:class:`WorkflowRunRecord`): workflow, partition, params, status, the runner
  that owns it (``owner`` + ``lease_expires_at``), cancellation flag, lineage
  (``parent_run_id`` / ``rerun_from_step`` for a ``rerun_from``), the workflow definition;
* a **step checkpoint** per step (:class:`StepCheckpoint`): status, JSON output,
  ``context_updates``, error, attempts, timings — written once when the step finishes;
* an append-only **event** log (:class:`RunEvent`).

Every write that changes a run is atomic and guarded by ownership: a runner writes only while
it holds the run's lease (``owner`` matches and the lease has not expired), so two runners can
never both drive one run, and a runner that lost its lease (paused, partitioned) cannot
overwrite the work of the one that took over. A run whose owner stopped renewing its lease
(the process died) can be claimed again by :meth:`WorkflowRunStore.claim_run` — that is how a
crashed run is resumed.

Values are JSON data (dicts, lists, str, numbers, bools, None): the runner encodes before it
writes. spine-orch ships two stores with one contract test suite: an in-memory twin
(:class:`spine.orchestration.testing.InMemoryRunStore`) and the SQL store over the core tables
``core_workflow_runs`` / ``core_workflow_steps`` / ``core_workflow_events``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from spine.types import RunStatus, StepStatus

__all__ = [
    "RESUMABLE_STATUSES",
    "RunEvent",
    "RunEventType",
    "StepCheckpoint",
    "WorkflowRunRecord",
    "WorkflowRunStore",
]

RESUMABLE_STATUSES: frozenset[RunStatus] = frozenset({RunStatus.FAILED, RunStatus.PARTIAL})
"""Statuses a run can be resumed from (plus ``RUNNING`` once its owner's lease expired)."""


class RunEventType(StrEnum):
    """Entries of a run's event log."""

    RUN_STARTED = "run_started"
    RUN_RESUMED = "run_resumed"
    STEP_COMPLETED = "step_completed"
    STEP_FAILED = "step_failed"
    STEP_SKIPPED = "step_skipped"
    STEP_CANCELLED = "step_cancelled"
    CANCEL_REQUESTED = "cancel_requested"
    RUN_COMPLETED = "run_completed"
    RUN_PARTIAL = "run_partial"
    RUN_FAILED = "run_failed"
    RUN_CANCELLED = "run_cancelled"
    RUN_ABANDONED = "run_abandoned"
    """A running run whose owner's lease expired was marked failed (it stays resumable)."""


STEP_EVENTS: Mapping[StepStatus, RunEventType] = {
    StepStatus.COMPLETED: RunEventType.STEP_COMPLETED,
    StepStatus.FAILED: RunEventType.STEP_FAILED,
    StepStatus.SKIPPED: RunEventType.STEP_SKIPPED,
    StepStatus.CANCELLED: RunEventType.STEP_CANCELLED,
}

RUN_EVENTS: Mapping[RunStatus, RunEventType] = {
    RunStatus.COMPLETED: RunEventType.RUN_COMPLETED,
    RunStatus.PARTIAL: RunEventType.RUN_PARTIAL,
    RunStatus.FAILED: RunEventType.RUN_FAILED,
    RunStatus.CANCELLED: RunEventType.RUN_CANCELLED,
}


@dataclass(frozen=True, slots=True)
class WorkflowRunRecord:
    """One tracked run.

    Attributes:
        run_id: ULID.
        workflow_name: The workflow.
        partition: The partition key (JSON object); runs are deduplicated per
            ``(workflow_name, partition_hash)``.
        partition_hash: sha256 hex of the partition's canonical JSON.
        params: The run's params as JSON.
        status: :class:`~spine.types.RunStatus` (stored lower-case).
        owner: Runner holding the run while it runs (``None`` otherwise).
        lease_expires_at: When the owner's claim lapses unless renewed.
        cancel_requested: Set by a cancel; the owner stops at its next checkpoint.
        attempt: 1, plus one per resume.
        parent_run_id: For a ``rerun_from`` run, the run it was made from.
        rerun_from_step: The step that run restarted from.
        definition: The workflow as data (``Workflow.to_dict()``) when it serialises, so a run
            can be resumed without the code that built it.
        definition_hash: sha256 of that definition (or of the step names when it does not
            serialise).
        error: First failure (``error_info`` form) of the latest attempt.
        execution_id: The ledger execution recording this run, when linked.
        created_at / started_at / finished_at / updated_at: UTC timestamps.
    """

    run_id: str
    workflow_name: str
    partition: Mapping[str, Any]
    partition_hash: str
    params: Mapping[str, Any]
    status: RunStatus
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    owner: str | None = None
    lease_expires_at: datetime | None = None
    cancel_requested: bool = False
    attempt: int = 1
    parent_run_id: str | None = None
    rerun_from_step: str | None = None
    definition: Mapping[str, Any] | None = None
    definition_hash: str | None = None
    error: Mapping[str, Any] | None = None
    execution_id: str | None = None


@dataclass(frozen=True, slots=True)
class StepCheckpoint:
    """A finished step of a run (the row a resume restores from).

    Attributes:
        run_id / step_name / step_type: Which step.
        status: :class:`~spine.types.StepStatus` (stored lower-case).
        output: JSON output (for a failed map step: its per-item results).
        context_updates: What the step merged into the params.
        error: ``error_info`` of a failure.
        attempts: Attempts made (retries included).
        started_at / finished_at / duration_ms: Timings.
        skip_reason: Why a skipped step was skipped.
        execution_id: Ledger execution of an operation step.
        sequence: Order in which the steps of the run finished (set by the store).
    """

    run_id: str
    step_name: str
    step_type: str
    status: StepStatus
    output: Mapping[str, Any] = field(default_factory=dict)
    context_updates: Mapping[str, Any] = field(default_factory=dict)
    error: Mapping[str, Any] | None = None
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: float = 0.0
    skip_reason: str | None = None
    execution_id: str | None = None
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One entry of a run's append-only event log."""

    event_id: str
    run_id: str
    event_type: RunEventType
    created_at: datetime
    step_name: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class WorkflowRunStore(Protocol):
    """Storage of tracked workflow runs (see the module docs for the guarantees).

    Every method that takes ``owner`` raises :class:`~spine.orchestration.errors.RunClaimedError`
    when ``owner`` does not hold the run's lease (never held it, it expired, or another
    runner took over), and changes nothing.
    """

    def create_run(
        self,
        run: WorkflowRunRecord,
        *,
        lease_seconds: float,
        steps: Sequence[StepCheckpoint] = (),
    ) -> WorkflowRunRecord:
        """Insert ``run`` as ``RUNNING``, owned by ``run.owner`` (with ``steps`` copied in).

        A ``RUNNING`` run of the same workflow and partition whose lease has expired is
        marked ``FAILED`` (event ``run_abandoned``; still resumable) in the same transaction.

        Raises:
            RunClaimedError: a run of the same workflow and partition is running under a live
                lease (nothing is written).
        """
        ...

    def get_run(self, run_id: str) -> WorkflowRunRecord:
        """The run (``RunNotFoundError`` if there is none)."""
        ...

    def find_completed(self, workflow_name: str, partition_hash: str) -> WorkflowRunRecord | None:
        """The most recent ``COMPLETED`` run of the workflow and partition, if any."""
        ...

    def list_runs(
        self,
        *,
        workflow_name: str | None = None,
        statuses: Collection[RunStatus] | None = None,
        partition_hash: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[WorkflowRunRecord]:
        """Runs, newest first, filtered."""
        ...

    def claim_run(
        self,
        run_id: str,
        owner: str,
        *,
        lease_seconds: float,
        statuses: Collection[RunStatus] = RESUMABLE_STATUSES,
        execution_id: str | None = None,
    ) -> WorkflowRunRecord:
        """Take the run to drive it again: status ``RUNNING``, ``attempt`` + 1, event
        ``run_resumed``; ``execution_id`` (when given) becomes the run's ledger execution.

        Allowed when the run's status is in ``statuses``, or it is ``RUNNING`` and its owner's
        lease has expired (a crashed runner).

        Raises:
            RunNotFoundError: no such run.
            RunClaimedError: another runner holds a live lease on it.
            RunStateError: its status does not allow it (completed, cancelled...).
        """
        ...

    def renew_lease(self, run_id: str, owner: str, *, lease_seconds: float) -> bool:
        """Extend the owner's lease; returns whether a cancel was requested."""
        ...

    def save_step(self, checkpoint: StepCheckpoint, owner: str, *, lease_seconds: float) -> bool:
        """Write a finished step (replacing an earlier checkpoint of the same step), append its
        event and renew the lease, atomically. Returns whether a cancel was requested."""
        ...

    def finish_run(
        self,
        run_id: str,
        owner: str,
        status: RunStatus,
        *,
        error: Mapping[str, Any] | None = None,
    ) -> WorkflowRunRecord:
        """Set the final status, release the lease and append the run's final event."""
        ...

    def request_cancel(self, run_id: str) -> WorkflowRunRecord:
        """Cancel a run: a running run is flagged (its owner stops at the next checkpoint; a
        run whose lease expired is cancelled at once); a failed, partial or pending run becomes
        ``CANCELLED`` (it is not resumed, but ``rerun_from`` still works).

        Raises:
            RunNotFoundError: no such run.
            RunStateError: the run already completed or was cancelled.
        """
        ...

    def get_steps(self, run_id: str) -> list[StepCheckpoint]:
        """The run's step checkpoints, in the order they were written."""
        ...

    def get_events(self, run_id: str) -> list[RunEvent]:
        """The run's events, oldest first."""
        ...
