"""In-memory twins for users' tests: :class:`InMemoryRunStore`.

The in-memory run store keeps the same contract as the SQL store (one contract suite runs
against both): the same ownership and lease rules, the same events, and values stored as JSON
(what you write is what a SQL store would give back: tuples become lists, dates ISO strings).
Use it to test workflows with :class:`~spine.orchestration.TrackedWorkflowRunner` without a
database, and pass ``clock=`` to move time (lease expiry) without sleeping.

Example:
    >>> from spine.orchestration import Step, TrackedWorkflowRunner, Workflow
    >>> store = InMemoryRunStore()
    >>> runner = TrackedWorkflowRunner(store)
    >>> wf = Workflow("demo", [Step.lambda_("a", lambda ctx, cfg: {"x": 1})])
    >>> first = runner.execute(wf, {"week": "2025-12-26"})
    >>> again = runner.execute(wf, {"week": "2025-12-26"})
    >>> first.status.value, again.skipped_run, again.run_id == first.run_id
    ('completed', True, True)
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from spine.db.encoding import canonical_json
from spine.orchestration.errors import RunClaimedError, RunNotFoundError, RunStateError
from spine.orchestration.run_store import (
    RESUMABLE_STATUSES,
    RUN_EVENTS,
    STEP_EVENTS,
    RunEvent,
    RunEventType,
    StepCheckpoint,
    WorkflowRunRecord,
)
from spine.types import RunStatus, generate_ulid, utc_now

__all__ = ["InMemoryRunStore"]


def _json(value: Any) -> Any:
    """What a SQL store gives back for ``value``."""
    if value is None:
        return None
    return json.loads(canonical_json(value))


def _ended(
    run: WorkflowRunRecord, status: RunStatus, now: datetime, **changes: Any
) -> WorkflowRunRecord:
    """``run`` in a final ``status``, released by its owner."""
    return replace(
        run,
        status=status,
        owner=None,
        lease_expires_at=None,
        finished_at=now,
        updated_at=now,
        **changes,
    )


class InMemoryRunStore:
    """A :class:`~spine.orchestration.run_store.WorkflowRunStore` in process memory.

    Thread-safe. Args:
        clock: Returns "now" (timezone-aware UTC); tests pass a controllable clock.
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: dict[str, WorkflowRunRecord] = {}
        self._steps: dict[str, dict[str, StepCheckpoint]] = {}
        self._events: dict[str, list[RunEvent]] = {}
        self._sequence = itertools.count(1)

    # -- helpers (lock held) --------------------------------------------------------------

    def _event(
        self,
        run_id: str,
        kind: RunEventType,
        now: datetime,
        step: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self._events.setdefault(run_id, []).append(
            RunEvent(generate_ulid(), run_id, kind, now, step, _json(dict(data or {})))
        )

    def _get(self, run_id: str) -> WorkflowRunRecord:
        try:
            return self._runs[run_id]
        except KeyError:
            raise RunNotFoundError(run_id) from None

    @staticmethod
    def _live(run: WorkflowRunRecord, now: datetime) -> bool:
        return (
            run.status is RunStatus.RUNNING
            and run.lease_expires_at is not None
            and run.lease_expires_at > now
        )

    def _owned(self, run_id: str, owner: str, now: datetime) -> WorkflowRunRecord:
        run = self._get(run_id)
        if run.owner != owner or not self._live(run, now):
            holder = run.owner if self._live(run, now) else None
            raise RunClaimedError(
                f"runner {owner!r} does not hold workflow run {run_id!r}"
                + (f" (held by {holder!r})" if holder else " (its lease expired or it ended)"),
                run_id=run_id,
                owner=owner,
            )
        return run

    # -- runs -----------------------------------------------------------------------------

    def create_run(
        self,
        run: WorkflowRunRecord,
        *,
        lease_seconds: float,
        steps: Sequence[StepCheckpoint] = (),
    ) -> WorkflowRunRecord:
        if run.owner is None:
            raise ValueError("a new run needs an owner")
        with self._lock:
            now = self._clock()
            if run.run_id in self._runs:
                raise RunStateError(
                    f"workflow run {run.run_id!r} already exists", run_id=run.run_id
                )
            for other in self._runs.values():
                if (
                    other.workflow_name != run.workflow_name
                    or other.partition_hash != run.partition_hash
                    or other.status is not RunStatus.RUNNING
                ):
                    continue
                if self._live(other, now):
                    raise RunClaimedError(
                        f"workflow {run.workflow_name!r} is already running for this partition "
                        f"(run {other.run_id!r}, owner {other.owner!r})",
                        run_id=other.run_id,
                        owner=other.owner,
                    )
                self._abandon(other, now)
            record = replace(
                run,
                partition=_json(dict(run.partition)),
                params=_json(dict(run.params)),
                definition=_json(run.definition),
                error=None,
                status=RunStatus.RUNNING,
                created_at=now,
                updated_at=now,
                started_at=now,
                finished_at=None,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                cancel_requested=False,
            )
            self._runs[record.run_id] = record
            self._steps[record.run_id] = {}
            for step in steps:
                self._put_step(replace(step, run_id=record.run_id))
            self._event(
                record.run_id,
                RunEventType.RUN_STARTED,
                now,
                data={
                    "owner": record.owner,
                    "parent_run_id": record.parent_run_id,
                    "rerun_from_step": record.rerun_from_step,
                    "copied_steps": [s.step_name for s in steps],
                },
            )
            return record

    def _abandon(self, run: WorkflowRunRecord, now: datetime) -> None:
        error = {
            "error_type": "RunAbandoned",
            "message": f"runner {run.owner!r} stopped renewing its lease "
            f"(expired {run.lease_expires_at.isoformat() if run.lease_expires_at else '?'})",
        }
        self._runs[run.run_id] = _ended(run, RunStatus.FAILED, now, error=error)
        self._event(run.run_id, RunEventType.RUN_ABANDONED, now, data=error)

    def get_run(self, run_id: str) -> WorkflowRunRecord:
        with self._lock:
            return self._get(run_id)

    def find_completed(self, workflow_name: str, partition_hash: str) -> WorkflowRunRecord | None:
        with self._lock:
            done = [
                r
                for r in self._runs.values()
                if r.workflow_name == workflow_name
                and r.partition_hash == partition_hash
                and r.status is RunStatus.COMPLETED
            ]
        return max(done, key=lambda r: (r.finished_at or r.created_at, r.run_id), default=None)

    def list_runs(
        self,
        *,
        workflow_name: str | None = None,
        statuses: Collection[RunStatus] | None = None,
        partition_hash: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[WorkflowRunRecord]:
        if limit < 0 or offset < 0:
            raise ValueError("limit and offset must be >= 0")
        wanted = {RunStatus(s) for s in statuses} if statuses is not None else None
        with self._lock:
            runs = [
                r
                for r in self._runs.values()
                if (workflow_name is None or r.workflow_name == workflow_name)
                and (wanted is None or r.status in wanted)
                and (partition_hash is None or r.partition_hash == partition_hash)
            ]
        runs.sort(key=lambda r: (r.created_at, r.run_id), reverse=True)
        return runs[offset : offset + limit]

    def claim_run(
        self,
        run_id: str,
        owner: str,
        *,
        lease_seconds: float,
        statuses: Collection[RunStatus] = RESUMABLE_STATUSES,
        execution_id: str | None = None,
    ) -> WorkflowRunRecord:
        with self._lock:
            now = self._clock()
            run = self._get(run_id)
            if self._live(run, now):
                raise RunClaimedError(
                    f"workflow run {run_id!r} is being run by {run.owner!r}",
                    run_id=run_id,
                    owner=run.owner,
                )
            if run.status is not RunStatus.RUNNING and run.status not in set(statuses):
                raise RunStateError(
                    f"workflow run {run_id!r} is {run.status.value}; it can be resumed only "
                    f"when {' or '.join(sorted(s.value for s in statuses))}",
                    run_id=run_id,
                    status=run.status.value,
                )
            previous = run.status
            record = replace(
                run,
                status=RunStatus.RUNNING,
                owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                attempt=run.attempt + 1,
                cancel_requested=False,
                finished_at=None,
                updated_at=now,
                execution_id=execution_id or run.execution_id,
            )
            self._runs[run_id] = record
            self._event(
                run_id,
                RunEventType.RUN_RESUMED,
                now,
                data={"owner": owner, "previous_status": previous.value, "attempt": record.attempt},
            )
            return record

    def renew_lease(self, run_id: str, owner: str, *, lease_seconds: float) -> bool:
        with self._lock:
            now = self._clock()
            run = self._owned(run_id, owner, now)
            self._runs[run_id] = replace(
                run, lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now
            )
            return run.cancel_requested

    def _put_step(self, checkpoint: StepCheckpoint) -> None:
        self._steps.setdefault(checkpoint.run_id, {})[checkpoint.step_name] = replace(
            checkpoint,
            output=_json(dict(checkpoint.output)),
            context_updates=_json(dict(checkpoint.context_updates)),
            error=_json(checkpoint.error),
            sequence=next(self._sequence),
        )

    def save_step(self, checkpoint: StepCheckpoint, owner: str, *, lease_seconds: float) -> bool:
        with self._lock:
            now = self._clock()
            run = self._owned(checkpoint.run_id, owner, now)
            self._put_step(checkpoint)
            data: dict[str, Any] = {
                "status": checkpoint.status.value,
                "attempts": checkpoint.attempts,
                "duration_ms": round(checkpoint.duration_ms, 3),
            }
            if checkpoint.error:
                data["error"] = checkpoint.error.get("message")
            if checkpoint.skip_reason:
                data["skip_reason"] = checkpoint.skip_reason
            self._event(run.run_id, STEP_EVENTS[checkpoint.status], now, checkpoint.step_name, data)
            self._runs[run.run_id] = replace(
                run, lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now
            )
            return run.cancel_requested

    def finish_run(
        self,
        run_id: str,
        owner: str,
        status: RunStatus,
        *,
        error: Mapping[str, Any] | None = None,
    ) -> WorkflowRunRecord:
        status = RunStatus(status)
        if not status.is_terminal:
            raise ValueError(f"finish_run needs a final status, got {status.value}")
        with self._lock:
            now = self._clock()
            run = self._owned(run_id, owner, now)
            record = _ended(run, status, now, error=_json(dict(error)) if error else None)
            self._runs[run_id] = record
            data = {"error": error.get("message")} if error else {}
            self._event(run_id, RUN_EVENTS[status], now, data=data)
            return record

    def request_cancel(self, run_id: str) -> WorkflowRunRecord:
        with self._lock:
            now = self._clock()
            run = self._get(run_id)
            if run.status in (RunStatus.COMPLETED, RunStatus.CANCELLED):
                raise RunStateError(
                    f"workflow run {run_id!r} is already {run.status.value}; nothing to cancel",
                    run_id=run_id,
                    status=run.status.value,
                )
            if self._live(run, now):
                record = replace(run, cancel_requested=True, updated_at=now)
                self._event(run_id, RunEventType.CANCEL_REQUESTED, now, data={"owner": run.owner})
            else:
                record = _ended(run, RunStatus.CANCELLED, now, cancel_requested=True)
                self._event(run_id, RunEventType.CANCEL_REQUESTED, now)
                self._event(run_id, RunEventType.RUN_CANCELLED, now)
            self._runs[run_id] = record
            return record

    def get_steps(self, run_id: str) -> list[StepCheckpoint]:
        with self._lock:
            self._get(run_id)
            return sorted(self._steps.get(run_id, {}).values(), key=lambda s: s.sequence)

    def get_events(self, run_id: str) -> list[RunEvent]:
        with self._lock:
            self._get(run_id)
            return list(self._events.get(run_id, []))
