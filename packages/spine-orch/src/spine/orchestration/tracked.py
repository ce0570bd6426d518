"""TrackedWorkflowRunner: runs that checkpoint every step, resume, rerun and cancel.

Each finished step is written to the run store (status, JSON output, ``context_updates``,
error, attempts) before the next step sees it, so the store always holds everything a run
has done. From there:

* :meth:`TrackedWorkflowRunner.resume` restarts a failed (or crashed) run at its failed step:
  completed steps are not run again, their outputs and ``context_updates`` are restored; a
  failed map step re-runs only its failed items.
* :meth:`TrackedWorkflowRunner.execute` skips the work when a completed run of the same
  workflow and partition exists (its result is returned, ``skipped_run=True``) unless
  ``force=True``; a second runner starting the same partition while it runs gets
  :class:`~spine.orchestration.errors.RunClaimedError`.
* :meth:`TrackedWorkflowRunner.rerun_from` starts a new run, linked to the old one
  (``parent_run_id``), from any step — also of a cancelled or completed run: the steps before
  it keep their outputs, the step and everything after it run again.
* :meth:`TrackedWorkflowRunner.cancel` stops a running run at its next checkpoint (a waiting
  step stops waiting) or cancels a failed one so it is not resumed.

Ownership: the runner driving a run holds a lease on it, renewed by each checkpoint and by a
heartbeat thread while a long step runs. Two runners can never drive one run; if a runner
dies, its lease lapses and :meth:`resume` takes the run over.

Outputs must be JSON data (dicts, lists, strings, numbers, booleans, None; dates and decimals
are stored as strings): a step whose output cannot be stored fails, naming the step. Steps
after it see the stored form, so a resumed run behaves exactly like an uninterrupted one.

Example:
    >>> from spine.orchestration import Step, StepResult, Workflow
    >>> from spine.orchestration.testing import InMemoryRunStore
    >>> calls = []
    >>> def flaky(ctx, cfg):
    ...     calls.append("load")
    ...     if calls.count("load") == 1:
    ...         return StepResult.fail("database away")
    ...     return {"loaded": ctx.outputs["extract"]["rows"]}
    >>> wf = Workflow("etl", [
    ...     Step.lambda_("extract", lambda ctx, cfg: calls.append("extract") or {"rows": 3}),
    ...     Step.lambda_("load", flaky),
    ... ])
    >>> runner = TrackedWorkflowRunner(InMemoryRunStore())
    >>> failed = runner.execute(wf, {"week": "2025-12-26"})
    >>> failed.status.value
    'failed'
    >>> resumed = runner.resume(failed.run_id)
    >>> resumed.status.value, resumed.output("load"), calls
    ('completed', {'loaded': 3}, ['extract', 'load', 'load'])
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from spine.db import SpineConnection
from spine.db.encoding import canonical_json, encode_partition_key
from spine.orchestration._engine import Engine, RunState
from spine.orchestration.errors import (
    RunClaimedError,
    RunStateError,
    StepExecutionError,
    WorkflowDefinitionError,
)
from spine.orchestration.result import StepOutcome, WorkflowResult, error_info
from spine.orchestration.run_store import (
    RESUMABLE_STATUSES,
    StepCheckpoint,
    WorkflowRunRecord,
    WorkflowRunStore,
)
from spine.orchestration.runnable import Runnable
from spine.orchestration.runner import WorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.types import RunStatus, StepStatus, ValidationError, generate_ulid, utc_now

if TYPE_CHECKING:
    from spine.execution.ledger import Ledger
    from spine.execution.models import Execution
    from spine.ops import AnomalyRecorder

__all__ = ["TrackedWorkflowRunner"]

DEFAULT_LEASE_SECONDS = 60.0


def _to_json(value: Any) -> Any:
    return json.loads(canonical_json(value))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{generate_ulid()[-8:]}"


class _Tracker:
    """Engine hooks of one tracked run: checkpoint each outcome, heartbeat, cancellation."""

    def __init__(
        self,
        store: WorkflowRunStore,
        run_id: str,
        owner: str,
        lease_seconds: float,
        cancel_event: threading.Event,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.cancel_event = cancel_event
        self.lost: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def checkpoint(self, outcome: StepOutcome) -> StepOutcome:
        """Store ``outcome``; return it as later steps must see it (the stored JSON form)."""
        try:
            output = _to_json(dict(outcome.output))
            updates = _to_json(dict(outcome.context_updates))
        except ValidationError as exc:
            error = StepExecutionError(
                f"step {outcome.name!r}: its output cannot be checkpointed ({exc.message}); "
                "return JSON data (or references such as file paths)",
                step=outcome.name,
                retryable=False,
            )
            outcome = outcome._replace(
                status=StepStatus.FAILED,
                output={},
                context_updates={},
                error=error.message,
                error_info=error_info(error),
                exception=error,
            )
            output, updates = {}, {}
        else:
            outcome = outcome._replace(output=output, context_updates=updates)
        checkpoint = StepCheckpoint(
            run_id=self.run_id,
            step_name=outcome.name,
            step_type=outcome.step_type,
            status=outcome.status,
            output=output,
            context_updates=updates,
            error=_to_json(dict(outcome.error_info)) if outcome.error_info else None,
            attempts=outcome.attempts,
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
            duration_ms=outcome.duration_ms,
            skip_reason=outcome.skip_reason,
            execution_id=outcome.execution_id,
        )
        if self.store.save_step(checkpoint, self.owner, lease_seconds=self.lease_seconds):
            self.cancel_event.set()
        return outcome

    def start_heartbeat(self) -> None:
        interval = max(self.lease_seconds / 3.0, 0.05)

        def beat() -> None:
            while not self._stop.wait(interval):
                try:
                    if self.store.renew_lease(
                        self.run_id, self.owner, lease_seconds=self.lease_seconds
                    ):
                        self.cancel_event.set()
                except RunClaimedError as exc:
                    self.lost = exc
                    self.cancel_event.set()
                    return
                except Exception:  # a transient store error: the next beat tries again
                    continue

        self._thread = threading.Thread(
            target=beat, name=f"spine-wf-heartbeat-{self.run_id[-6:]}", daemon=True
        )
        self._thread.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class TrackedWorkflowRunner:
    """Runs workflows with a durable record in a run store (see the module docs).

    Args:
        store: A database connection (:class:`~spine.db.SpineConnection` or a raw DB-API
            connection: the runs go to the :class:`~spine.orchestration.SqlRunStore` on it,
            in spine-orch's tables) or any
            :class:`~spine.orchestration.run_store.WorkflowRunStore` (such as the in-memory
            twin from :mod:`spine.orchestration.testing`).
        runnable: Runs operation steps (default: spine-exec's dispatcher).
        owner: Name of this runner in the store (default ``host:pid:random``).
        lease_seconds: How long the run stays ours without a checkpoint or heartbeat; a
            crashed runner's run can be resumed by another once it lapses.
        workflows: Workflows :meth:`resume` / :meth:`rerun_from` may look up by name (also
            :meth:`register`); otherwise they rebuild the workflow from the stored definition.
        ledger: A spine-exec :class:`~spine.execution.Ledger` (such as
            ``SqlLedger(conn)``): each attempt of a run is recorded there as one execution
            (workflow name, params, ``batch_id`` = the run id, ``metadata.workflow_run_id``)
            that ends with the run, and the run row links to it (``execution_id``); a resume
            or a ``rerun_from`` records a new execution whose ``parent_execution_id`` is the
            previous one. Operation steps link their own executions on their checkpoints.
        anomalies: A spine-ops :class:`~spine.ops.AnomalyRecorder`: a run that ends failed
            or partial records a ``workflow_failure`` anomaly (workflow, partition, run
            execution, ``batch_id`` = the run id, the failed steps).
    """

    def __init__(
        self,
        store: WorkflowRunStore | SpineConnection,
        *,
        runnable: Runnable | None = None,
        owner: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        workflows: Sequence[Workflow] = (),
        ledger: Ledger | None = None,
        anomalies: AnomalyRecorder | None = None,
    ) -> None:
        if not isinstance(store, WorkflowRunStore):
            from spine.orchestration.sql_store import open_run_store

            try:
                store = open_run_store(store)
            except TypeError:
                raise TypeError(
                    "store must be a WorkflowRunStore or a database connection, got "
                    f"{type(store).__name__}"
                ) from None
        if not lease_seconds > 0:
            raise ValueError(f"lease_seconds must be > 0, got {lease_seconds!r}")
        self.store: WorkflowRunStore = store
        self._runner = WorkflowRunner(runnable)
        self.owner = owner or _default_owner()
        self.lease_seconds = float(lease_seconds)
        self._workflows: dict[str, Workflow] = {}
        self._active: dict[str, threading.Event] = {}
        self._active_lock = threading.Lock()
        self.ledger = ledger
        self.anomalies = anomalies
        for wf in workflows:
            self.register(wf)

    @property
    def runnable(self) -> Runnable:
        """The runnable operation steps go through."""
        return self._runner.runnable

    def register(self, workflow: Workflow) -> Workflow:
        """Make ``workflow`` available to :meth:`resume` and :meth:`rerun_from` by name."""
        self._workflows[workflow.name] = workflow
        return workflow

    # -- public operations ----------------------------------------------------------------

    def execute(
        self,
        workflow: Workflow,
        params: Mapping[str, Any] | None = None,
        *,
        partition: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> WorkflowResult:
        """Run ``workflow`` as a new tracked run.

        Args:
            workflow: What to run (also registered for later resumes).
            params: Run parameters (validated against the schema).
            partition: The partition this run produces (a dict of scalars, such as
                ``{"week_ending": "2025-12-26"}``); by default the params themselves.
            force: Run even if a completed run of this workflow and partition exists.

        Raises:
            WorkflowParamsError, WorkflowDefinitionError, UnknownOperationError: before
                anything is written.
            RunClaimedError: the workflow is already running for this partition.
        """
        self.register(workflow)
        checked = self._runner.check(workflow, params)
        json_params = self._params_json(workflow, checked)
        part, part_hash = self._partition(partition, json_params)
        if not force:
            done = self.store.find_completed(workflow.name, part_hash)
            if done is not None:
                return replace(self.result(done.run_id, workflow), skipped_run=True)
        return self._start_run(workflow, checked, json_params, part, part_hash)

    def resume(self, run_id: str, workflow: Workflow | None = None) -> WorkflowResult:
        """Continue a failed, partial or crashed run from where it stopped.

        Completed steps are restored from their checkpoints (outputs and ``context_updates``)
        and not run again; a failed map step re-runs only its failed items.

        Raises:
            RunNotFoundError: no such run.
            RunStateError: the run completed or was cancelled (use :meth:`rerun_from`).
            RunClaimedError: another runner is driving it.
            WorkflowDefinitionError: the workflow cannot be found, or no longer has a step
                the run completed.
        """
        record = self.store.get_run(run_id)
        if record.status in (RunStatus.COMPLETED, RunStatus.CANCELLED):
            raise RunStateError(
                f"workflow run {run_id!r} is {record.status.value}; only a failed, partial or "
                "interrupted run resumes — use rerun_from() to run it again",
                run_id=run_id,
                status=record.status.value,
            )
        workflow = self._workflow_for(record, workflow)
        checked = self._runner.check(workflow, record.params)
        checkpoints = self.store.get_steps(run_id)
        self._check_steps_exist(workflow, record, checkpoints)
        execution = self._new_execution(workflow, record, record.execution_id)
        record = self.store.claim_run(
            run_id,
            self.owner,
            lease_seconds=self.lease_seconds,
            statuses=RESUMABLE_STATUSES,
            execution_id=execution.id if execution is not None else None,
        )
        self._start_execution(execution)
        checkpoints = self.store.get_steps(run_id)
        restored = [self._restored(c) for c in checkpoints if c.status is StepStatus.COMPLETED]
        prior = {
            c.step_name: c.output
            for c in checkpoints
            if c.status is StepStatus.FAILED and c.step_type == "map"
        }
        state = RunState.start(
            workflow,
            checked,
            run_id=run_id,
            partition=record.partition,
            started_at=record.started_at,
            restored=restored,
            prior_items=prior,
        )
        return self._drive(workflow, state, record)

    def rerun_from(
        self, run_id: str, step: str, workflow: Workflow | None = None
    ) -> WorkflowResult:
        """Start a new run linked to ``run_id`` that restarts at ``step``.

        Steps that are not ``step`` or after it keep the outputs they had in ``run_id`` (if
        they completed there; others run). Works for failed, partial, completed and
        cancelled runs.

        Raises:
            RunNotFoundError: no such run.
            RunClaimedError: ``run_id`` (or another run of its partition) is running.
            WorkflowDefinitionError: ``step`` is not in the workflow.
        """
        source = self.store.get_run(run_id)
        workflow = self._workflow_for(source, workflow)
        if step not in workflow:
            from spine.orchestration._plan import did_you_mean

            raise WorkflowDefinitionError(
                f"workflow {workflow.name!r} has no step {step!r} to rerun from"
                f"{did_you_mean(step, workflow.step_names())}",
                workflow=workflow.name,
                step=step,
            )
        checked = self._runner.check(workflow, source.params)
        rerun = set(workflow._plan.downstream(step))
        new_id = generate_ulid()
        copied = [
            replace(c, run_id=new_id)
            for c in self.store.get_steps(run_id)
            if c.status is StepStatus.COMPLETED
            and c.step_name in workflow
            and c.step_name not in rerun
        ]
        result = self._start_run(
            workflow,
            checked,
            source.params,
            source.partition,
            source.partition_hash,
            run_id=new_id,
            parent_run_id=source.run_id,
            rerun_from_step=step,
            copied=copied,
            parent_execution_id=source.execution_id,
        )
        return replace(result, parent_run_id=source.run_id)

    def cancel(self, run_id: str) -> WorkflowRunRecord:
        """Cancel ``run_id`` (see :meth:`WorkflowRunStore.request_cancel`); a run this runner
        is driving stops at once where it can (waits are interrupted)."""
        record = self.store.request_cancel(run_id)
        with self._active_lock:
            event = self._active.get(run_id)
        if event is not None:
            event.set()
        return record

    def get_run(self, run_id: str) -> WorkflowRunRecord:
        """The stored run."""
        return self.store.get_run(run_id)

    def result(self, run_id: str, workflow: Workflow | None = None) -> WorkflowResult:
        """The :class:`WorkflowResult` of a stored run, rebuilt from its checkpoints."""
        record = self.store.get_run(run_id)
        checkpoints = {c.step_name: c for c in self.store.get_steps(run_id)}
        try:
            wf: Workflow | None = self._workflow_for(record, workflow)
        except WorkflowDefinitionError:
            wf = None
        names = wf.topological_order() if wf is not None else list(checkpoints)
        steps: dict[str, StepOutcome] = {}
        for name in names:
            c = checkpoints.get(name)
            if c is not None:
                steps[name] = self._restored(c)
            elif wf is not None:
                step_type = wf.get_step(name).step_type.value
                steps[name] = StepOutcome(name, step_type, StepStatus.PENDING)
        error = record.error.get("message") if record.error else None
        return WorkflowResult(
            workflow_name=record.workflow_name,
            run_id=record.run_id,
            status=record.status,
            steps=steps,
            params=dict(record.params),
            partition=dict(record.partition),
            started_at=record.started_at or record.created_at,
            finished_at=record.finished_at or record.updated_at,
            error=error,
            parent_run_id=record.parent_run_id,
        )

    # -- internals ------------------------------------------------------------------------

    def _start_run(
        self,
        workflow: Workflow,
        params: Mapping[str, Any],
        params_json: Mapping[str, Any],
        partition: Mapping[str, Any],
        partition_hash: str,
        *,
        run_id: str | None = None,
        parent_run_id: str | None = None,
        rerun_from_step: str | None = None,
        copied: Sequence[StepCheckpoint] = (),
        parent_execution_id: str | None = None,
    ) -> WorkflowResult:
        """Create a run (with ``copied`` checkpoints restored) and drive it."""
        definition, definition_hash = self._definition(workflow)
        now = utc_now()
        run_id = run_id or generate_ulid()
        execution = self._new_execution(
            workflow,
            WorkflowRunRecord(
                run_id,
                workflow.name,
                partition,
                partition_hash,
                params_json,
                RunStatus.RUNNING,
                now,
                now,
            ),
            parent_execution_id,
        )
        record = WorkflowRunRecord(
            run_id=run_id,
            workflow_name=workflow.name,
            partition=partition,
            partition_hash=partition_hash,
            params=params_json,
            status=RunStatus.RUNNING,
            created_at=now,
            updated_at=now,
            owner=self.owner,
            parent_run_id=parent_run_id,
            rerun_from_step=rerun_from_step,
            definition=definition,
            definition_hash=definition_hash,
            execution_id=execution.id if execution is not None else None,
        )
        record = self.store.create_run(record, lease_seconds=self.lease_seconds, steps=copied)
        self._start_execution(execution)
        state = RunState.start(
            workflow,
            params,
            run_id=record.run_id,
            partition=record.partition,
            started_at=record.started_at,
            restored=[self._restored(c) for c in copied],
        )
        return self._drive(workflow, state, record)

    def _drive(
        self, workflow: Workflow, state: RunState, record: WorkflowRunRecord
    ) -> WorkflowResult:
        cancel_event = threading.Event()
        tracker = _Tracker(self.store, record.run_id, self.owner, self.lease_seconds, cancel_event)
        engine = Engine(workflow, lambda: self.runnable, cancel_event=cancel_event)
        engine.on_outcome = tracker.checkpoint
        with self._active_lock:
            self._active[record.run_id] = cancel_event
        tracker.start_heartbeat()
        try:
            try:
                if self.store.get_run(record.run_id).cancel_requested:  # before we listened
                    cancel_event.set()
                result = engine.run(state)
            except BaseException as exc:
                tracker.stop_heartbeat()
                if not isinstance(exc, RunClaimedError):
                    self._finish_quietly(record, exc)
                raise
            tracker.stop_heartbeat()
            if tracker.lost is not None:
                raise tracker.lost
            error = None
            if result.error is not None:
                first = next((o for o in result.steps.values() if o.failed), None)
                info = first.error_info if first is not None else None
                error = _to_json(dict(info)) if info else {"message": result.error}
            self.store.finish_run(record.run_id, self.owner, result.status, error=error)
            self._end_execution(record, result.status, error, result)
            return result
        finally:
            tracker.stop_heartbeat()
            with self._active_lock:
                self._active.pop(record.run_id, None)

    def _new_execution(
        self, workflow: Workflow, record: WorkflowRunRecord, parent: str | None
    ) -> Execution | None:
        """The ledger execution of the next attempt of ``record`` (not stored yet)."""
        if self.ledger is None:
            return None
        from spine.execution.models import Execution

        return Execution.create(
            workflow.name,
            record.params,
            trigger_source="workflow",
            parent_execution_id=parent,
            batch_id=record.run_id,
            metadata={"workflow_run_id": record.run_id, "partition": dict(record.partition)},
        )

    def _start_execution(self, execution: Execution | None) -> None:
        if self.ledger is None or execution is None:
            return
        from spine.types.enums import ExecutionStatus

        with self.ledger.atomic():
            self.ledger.create_execution(execution)
            self.ledger.update_status(execution.id, ExecutionStatus.RUNNING)

    def _end_execution(
        self,
        record: WorkflowRunRecord,
        status: RunStatus,
        error: Mapping[str, Any] | None,
        result: WorkflowResult | None = None,
    ) -> None:
        """End the attempt's ledger execution and record a failure anomaly (when configured)."""
        failed = [n for n, o in result.steps.items() if o.failed] if result is not None else []
        message = str(error.get("message")) if error else None
        if self.ledger is not None and record.execution_id is not None:
            from spine.types.enums import ExecutionStatus

            final = {
                RunStatus.COMPLETED: ExecutionStatus.COMPLETED,
                RunStatus.CANCELLED: ExecutionStatus.CANCELLED,
            }.get(status, ExecutionStatus.FAILED)
            self.ledger.update_status(
                record.execution_id,
                final,
                result={"run_id": record.run_id, "status": status.value, "failed_steps": failed},
                error=message if final is ExecutionStatus.FAILED else None,
                error_type=str(error.get("error_type") or "WorkflowFailed") if error else None,
            )
        if self.anomalies is not None and status in (RunStatus.FAILED, RunStatus.PARTIAL):
            try:
                encode_partition_key(record.partition)
                partition: Mapping[str, Any] | None = record.partition
            except ValidationError:
                partition = None
            self.anomalies.record(
                severity="error",
                category="workflow_failure",
                message=f"workflow {record.workflow_name!r} run {record.run_id} ended "
                f"{status.value}: {message or 'see its steps'}",
                partition_key=partition,
                metadata={"run_id": record.run_id, "failed_steps": failed},
                workflow=record.workflow_name,
                execution_id=record.execution_id,
                batch_id=record.run_id,
            )

    def _finish_quietly(self, record: WorkflowRunRecord, exc: BaseException) -> None:
        """Record the run FAILED after an unexpected error (best effort: if the store is
        unreachable the lease lapses and the run can be resumed)."""
        error = _to_json(error_info(exc))
        with contextlib.suppress(Exception):  # the original error matters more
            self.store.finish_run(record.run_id, self.owner, RunStatus.FAILED, error=error)
        with contextlib.suppress(Exception):
            self._end_execution(record, RunStatus.FAILED, error)

    def _params_json(self, workflow: Workflow, params: Mapping[str, Any]) -> dict[str, Any]:
        try:
            value: dict[str, Any] = _to_json(dict(params))
        except ValidationError as exc:
            raise ValidationError(
                f"workflow {workflow.name!r}: params of a tracked run must be JSON data: "
                f"{exc.message}"
            ) from None
        return value

    @staticmethod
    def _partition(
        partition: Mapping[str, Any] | None, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any], str]:
        if partition is not None:
            text, digest = encode_partition_key(partition)
            return json.loads(text), digest
        return dict(params), _sha256(canonical_json(params))

    @staticmethod
    def _definition(workflow: Workflow) -> tuple[dict[str, Any] | None, str]:
        try:
            data = workflow.to_dict()
        except WorkflowDefinitionError:
            return None, _sha256(
                canonical_json({"name": workflow.name, "steps": workflow.step_names()})
            )
        try:
            return _to_json(data), _sha256(canonical_json(data))
        except ValidationError:
            return None, _sha256(
                canonical_json({"name": workflow.name, "steps": workflow.step_names()})
            )

    def _workflow_for(self, record: WorkflowRunRecord, workflow: Workflow | None) -> Workflow:
        if workflow is not None:
            if workflow.name != record.workflow_name:
                raise WorkflowDefinitionError(
                    f"run {record.run_id!r} belongs to workflow {record.workflow_name!r}, "
                    f"not {workflow.name!r}",
                    workflow=workflow.name,
                )
            return workflow
        known = self._workflows.get(record.workflow_name)
        if known is not None:
            return known
        if record.definition is not None:
            return Workflow.from_dict(record.definition)
        raise WorkflowDefinitionError(
            f"workflow {record.workflow_name!r} of run {record.run_id!r} holds inline callables, "
            "so it was not stored: pass it (resume(run_id, workflow)) or register() it",
            workflow=record.workflow_name,
        )

    @staticmethod
    def _check_steps_exist(
        workflow: Workflow, record: WorkflowRunRecord, checkpoints: Sequence[StepCheckpoint]
    ) -> None:
        gone = [
            c.step_name
            for c in checkpoints
            if c.status is StepStatus.COMPLETED and c.step_name not in workflow
        ]
        if gone:
            raise WorkflowDefinitionError(
                f"run {record.run_id!r} completed step(s) {', '.join(map(repr, gone))} that "
                f"workflow {workflow.name!r} no longer has; start a new run instead "
                "(execute(..., force=True))",
                workflow=workflow.name,
            )

    @staticmethod
    def _restored(c: StepCheckpoint) -> StepOutcome:
        return StepOutcome(
            name=c.step_name,
            step_type=c.step_type,
            status=c.status,
            output=c.output,
            error=(c.error or {}).get("message") if c.error else None,
            error_info=c.error,
            attempts=c.attempts,
            started_at=c.started_at,
            finished_at=c.finished_at,
            duration_ms=c.duration_ms,
            skip_reason=c.skip_reason,
            context_updates=c.context_updates,
            execution_id=c.execution_id,
            restored=True,
        )
