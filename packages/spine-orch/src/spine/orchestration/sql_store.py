"""The SQL run store: tracked workflow runs in ``core_workflow_runs`` / ``_steps`` / ``_events``.

:class:`SqlRunStore` implements :class:`~spine.orchestration.run_store.WorkflowRunStore` over
a spine-db connection, on every backend spine-db supports (the SQL comes from the
connection's dialect; nothing here knows a backend). The tables are spine-orch's schema
component (:mod:`spine.orchestration.schema`): create them with
:func:`spine.db.schema.install_schema` (``spine db init``).

How the guarantees are kept with plain SQL:

* **Ownership** - every write of the run's owner is a conditional ``UPDATE ... WHERE id = ?
  AND owner = ? AND status = 'running' AND lease_expires_at > now``: one statement, atomic on
  every backend, so a runner whose lease lapsed (or was taken over) changes nothing and gets
  :class:`~spine.orchestration.errors.RunClaimedError`.
* **One live run per workflow and partition** - a unique index on ``active_key``, which holds
  a digest of (workflow, partition) while the run is running and the run's own id otherwise.
* **Claims** - :meth:`SqlRunStore.claim_run` is one conditional ``UPDATE`` (the status allows
  it, or the owner's lease expired): of many concurrent claimers exactly one updates the row.
* **One commit per step** - :meth:`SqlRunStore.save_step` renews the lease (learning about a
  cancel request in the same statement), writes the checkpoint (an upsert) and appends the
  event in one transaction: three statements and one commit.

Time: leases are compared with the store's ``clock`` (UTC, default :func:`~spine.types.utc_now`),
so runners on several machines need roughly synchronised clocks (well within a lease).

Threads: one store serialises its calls on its connection (the runner's heartbeat thread and
its checkpoints share it). A lease renewal never commits work a step left open on the same
connection: while the connection is inside a transaction the heartbeat skips its beat.

Example:
    >>> from spine.db import connect
    >>> from spine.db.schema import install_schema
    >>> from spine.orchestration import Step, TrackedWorkflowRunner, Workflow
    >>> conn = connect("memory")
    >>> _ = install_schema(conn)
    >>> runner = TrackedWorkflowRunner(conn)  # the SQL store on this connection
    >>> wf = Workflow("demo", [Step.lambda_("a", lambda ctx, cfg: {"x": 1})])
    >>> result = runner.execute(wf, {"week": "2025-12-26"})
    >>> [(c.step_name, c.status.value) for c in runner.store.get_steps(result.run_id)]
    [('a', 'completed')]
    >>> conn.close()
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from spine.db import SpineConnection
from spine.db.connection import as_spine_connection
from spine.db.dialects import Dialect
from spine.db.repository import BaseRepository
from spine.db.transaction import reading, write
from spine.orchestration.errors import RunClaimedError, RunNotFoundError, RunStateError
from spine.orchestration.run_store import (
    RESUMABLE_STATUSES,
    RUN_EVENTS,
    STEP_EVENTS,
    RunEvent,
    RunEventType,
    StepCheckpoint,
    WorkflowRunRecord,
    WorkflowRunStore,
)
from spine.orchestration.schema import CORE_WORKFLOW_STEPS
from spine.types import IntegrityError, RunStatus, StepStatus, generate_ulid, utc_now

__all__ = ["SqlRunStore", "active_key", "open_run_store"]

RUNS = "core_workflow_runs"
STEPS = "core_workflow_steps"
EVENTS = "core_workflow_events"

_RUN_COLS = (
    "id",
    "workflow",
    "partition_json",
    "partition_hash",
    "params_json",
    "status",
    "owner",
    "lease_expires_at",
    "cancel_requested",
    "attempt",
    "parent_run_id",
    "rerun_from_step",
    "definition_json",
    "definition_hash",
    "error_json",
    "execution_id",
    "created_at",
    "started_at",
    "finished_at",
    "updated_at",
)
_STEP_COLS = (
    "run_id",
    "step_name",
    "step_type",
    "status",
    "output_json",
    "updates_json",
    "error_json",
    "attempts",
    "started_at",
    "finished_at",
    "duration_ms",
    "skip_reason",
    "execution_id",
    "write_id",
)
_EVENT_COLS = ("id", "run_id", "step_name", "event_type", "occurred_at", "payload_json")

_RUNNING = RunStatus.RUNNING.value
_DONE = (RunStatus.COMPLETED, RunStatus.CANCELLED)


def upsert_step_sql(dialect: Dialect) -> str:
    """The statement that writes (or replaces) a step checkpoint, for ``dialect``."""
    types = {c.name: c.type for c in CORE_WORKFLOW_STEPS.columns}
    return dialect.upsert(STEPS, _STEP_COLS, ("run_id", "step_name"), column_types=types)


def active_key(workflow_name: str, partition_hash: str) -> str:
    """The ``active_key`` of a running run: at most one per workflow and partition."""
    return hashlib.sha256(f"{workflow_name}\x00{partition_hash}".encode()).hexdigest()


class SqlRunStore:
    """A :class:`~spine.orchestration.run_store.WorkflowRunStore` in the database.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (or a raw DB-API connection) whose
            database holds spine-orch's tables (:func:`spine.db.schema.install_schema`).
            Writes commit on an idle connection; inside the caller's open transaction they
            join it (spine-db's rule) and the caller commits.
        clock: "Now" as timezone-aware UTC (tests pass a movable clock).
    """

    def __init__(self, conn: Any, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.conn: SpineConnection = as_spine_connection(conn)
        self._repo = BaseRepository(self.conn)
        self._d = self.conn.dialect
        self._clock = clock
        self._lock = threading.RLock()
        d = self._d
        ph = d.placeholder
        self._true = d.encode_bool(True)
        self._false = d.encode_bool(False)
        # The statements of the per-step path, rendered once.
        owned = (
            f"id = {ph(2)} AND owner = {ph(3)} AND status = '{_RUNNING}' "
            f"AND lease_expires_at > {ph(4)}"
        )
        self._renew_sql = (
            f"UPDATE {RUNS} SET lease_expires_at = {ph(0)}, updated_at = {ph(1)} WHERE {owned}"  # noqa: S608 - constant identifiers, bound values
        )
        self._renew_uncancelled_sql = f"{self._renew_sql} AND cancel_requested = {ph(5)}"
        self._upsert_step_sql = upsert_step_sql(d)
        self._insert_event_sql = d.insert_sql(EVENTS, _EVENT_COLS)
        self._insert_step_sql = d.insert_sql(STEPS, _STEP_COLS)
        self._select_run_sql = f"SELECT {', '.join(_RUN_COLS)} FROM {RUNS} WHERE id = {ph(0)}"  # noqa: S608 - constant identifiers, bound values

    def __repr__(self) -> str:
        return f"SqlRunStore({self.conn!r})"

    # -- helpers --------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[SpineConnection]:
        with self._lock, write(self.conn) as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[SpineConnection]:
        with self._lock, reading(self.conn) as conn:
            yield conn

    def _ts(self, dt: datetime | None) -> Any:
        return self._d.encode_timestamp(dt) if dt is not None else None

    def _json(self, value: Any) -> str | None:
        return None if value is None else self._d.encode_json(value)

    def _rowcount(self, sql: str, params: Sequence[Any]) -> int:
        return self._repo.execute_rowcount(sql, tuple(params))

    def _event(
        self,
        run_id: str,
        kind: RunEventType,
        now: datetime,
        step: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.conn.execute(
            self._insert_event_sql,
            (
                generate_ulid(),
                run_id,
                step,
                kind.value,
                self._ts(now),
                self._d.encode_json(dict(data or {})),
            ),
        ).close()

    def _load(self, run_id: str) -> WorkflowRunRecord | None:
        row = self._repo.query_one(self._select_run_sql, (run_id,))
        return self._record(row) if row is not None else None

    def _get(self, run_id: str) -> WorkflowRunRecord:
        record = self._load(run_id)
        if record is None:
            raise RunNotFoundError(run_id)
        return record

    def _record(self, r: Mapping[str, Any]) -> WorkflowRunRecord:
        d = self._d
        ts = d.decode_timestamp
        return WorkflowRunRecord(
            run_id=str(r["id"]),
            workflow_name=str(r["workflow"]),
            partition=d.decode_json(r["partition_json"]) or {},
            partition_hash=str(r["partition_hash"]),
            params=d.decode_json(r["params_json"]) or {},
            status=RunStatus(r["status"]),
            created_at=_aware(ts(r["created_at"])),
            updated_at=_aware(ts(r["updated_at"])),
            started_at=ts(r["started_at"]),
            finished_at=ts(r["finished_at"]),
            owner=r["owner"],
            lease_expires_at=ts(r["lease_expires_at"]),
            cancel_requested=bool(d.decode_bool(r["cancel_requested"])),
            attempt=int(r["attempt"]),
            parent_run_id=r["parent_run_id"],
            rerun_from_step=r["rerun_from_step"],
            definition=d.decode_json(r["definition_json"]),
            definition_hash=r["definition_hash"],
            error=d.decode_json(r["error_json"]),
            execution_id=r["execution_id"],
        )

    def _step_row(self, c: StepCheckpoint, run_id: str | None = None) -> tuple[Any, ...]:
        return (
            run_id or c.run_id,
            c.step_name,
            c.step_type,
            StepStatus(c.status).value,
            self._d.encode_json(dict(c.output)),
            self._d.encode_json(dict(c.context_updates)),
            self._json(c.error),
            int(c.attempts),
            self._ts(c.started_at),
            self._ts(c.finished_at),
            float(c.duration_ms),
            c.skip_reason,
            c.execution_id,
            generate_ulid(),
        )

    @staticmethod
    def _live(run: WorkflowRunRecord, now: datetime) -> bool:
        return (
            run.status is RunStatus.RUNNING
            and run.lease_expires_at is not None
            and run.lease_expires_at > now
        )

    def _not_owner(self, run_id: str, owner: str, now: datetime) -> RunClaimedError | None:
        """Why ``owner`` cannot write ``run_id`` (``None`` if it can); reads the row."""
        run = self._get(run_id)
        if run.owner == owner and self._live(run, now):
            return None
        holder = run.owner if self._live(run, now) else None
        return RunClaimedError(
            f"runner {owner!r} does not hold workflow run {run_id!r}"
            + (f" (held by {holder!r})" if holder else " (its lease expired or it ended)"),
            run_id=run_id,
            owner=owner,
        )

    # -- runs -----------------------------------------------------------------------------

    def create_run(
        self,
        run: WorkflowRunRecord,
        *,
        lease_seconds: float,
        steps: Sequence[StepCheckpoint] = (),
    ) -> WorkflowRunRecord:
        """See :meth:`WorkflowRunStore.create_run
        <spine.orchestration.run_store.WorkflowRunStore.create_run>`."""
        if run.owner is None:
            raise ValueError("a new run needs an owner")
        key = active_key(run.workflow_name, run.partition_hash)
        ph = self._d.placeholder
        try:
            with self._writing():
                now = self._clock()
                ts_now = self._ts(now)
                row = self._repo.query_one(
                    f"SELECT id, owner, lease_expires_at FROM {RUNS} "  # noqa: S608 - constant identifiers, bound values
                    f"WHERE active_key = {ph(0)}",
                    (key,),
                )
                if row is not None:
                    self._abandon_or_refuse(run, row, now)
                self.conn.execute(
                    self._d.insert_sql(RUNS, (*_RUN_COLS, "active_key")),
                    (
                        run.run_id,
                        run.workflow_name,
                        self._d.encode_json(dict(run.partition)),
                        run.partition_hash,
                        self._d.encode_json(dict(run.params)),
                        _RUNNING,
                        run.owner,
                        self._ts(now + timedelta(seconds=lease_seconds)),
                        self._false,
                        int(run.attempt),
                        run.parent_run_id,
                        run.rerun_from_step,
                        self._json(run.definition),
                        run.definition_hash,
                        None,
                        run.execution_id,
                        ts_now,
                        ts_now,
                        None,
                        ts_now,
                        key,
                    ),
                ).close()
                if steps:
                    self.conn.executemany(
                        self._insert_step_sql, [self._step_row(s, run.run_id) for s in steps]
                    ).close()
                self._event(
                    run.run_id,
                    RunEventType.RUN_STARTED,
                    now,
                    data={
                        "owner": run.owner,
                        "parent_run_id": run.parent_run_id,
                        "rerun_from_step": run.rerun_from_step,
                        "copied_steps": [s.step_name for s in steps],
                    },
                )
                return self._get(run.run_id)
        except IntegrityError:
            raise self._create_conflict(run, key) from None

    def _abandon_or_refuse(
        self, run: WorkflowRunRecord, row: Mapping[str, Any], now: datetime
    ) -> None:
        """A run of the same partition is running: refuse if its lease is live, else mark it
        failed (``run_abandoned``) so the new run can take the partition."""
        other_id, other_owner = str(row["id"]), row["owner"]
        expires = self._d.decode_timestamp(row["lease_expires_at"])
        if expires is not None and expires > now:
            raise RunClaimedError(
                f"workflow {run.workflow_name!r} is already running for this partition "
                f"(run {other_id!r}, owner {other_owner!r})",
                run_id=other_id,
                owner=other_owner,
            )
        error = {
            "error_type": "RunAbandoned",
            "message": f"runner {other_owner!r} stopped renewing its lease "
            f"(expired {expires.isoformat() if expires else '?'})",
        }
        ph = self._d.placeholder
        n = self._rowcount(
            f"UPDATE {RUNS} SET status = {ph(0)}, owner = NULL, lease_expires_at = NULL, "  # noqa: S608 - constant identifiers, bound values
            f"finished_at = {ph(1)}, updated_at = {ph(2)}, error_json = {ph(3)}, "
            f"active_key = id WHERE id = {ph(4)} AND status = '{_RUNNING}' "
            f"AND lease_expires_at <= {ph(5)}",
            (
                RunStatus.FAILED.value,
                self._ts(now),
                self._ts(now),
                self._d.encode_json(error),
                other_id,
                self._ts(now),
            ),
        )
        if n != 1:  # its owner renewed meanwhile
            raise RunClaimedError(
                f"workflow {run.workflow_name!r} is already running for this partition "
                f"(run {other_id!r}, owner {other_owner!r})",
                run_id=other_id,
                owner=other_owner,
            )
        self._event(other_id, RunEventType.RUN_ABANDONED, now, data=error)

    def _create_conflict(self, run: WorkflowRunRecord, key: str) -> Exception:
        """The error of an insert that hit a unique key (the id, or a concurrent run)."""
        with self._reading():
            if self._load(run.run_id) is not None:
                return RunStateError(
                    f"workflow run {run.run_id!r} already exists", run_id=run.run_id
                )
            row = self._repo.query_one(
                f"SELECT id, owner FROM {RUNS} WHERE active_key = {self._d.placeholder(0)}",  # noqa: S608 - constant identifiers, bound values
                (key,),
            )
        other_id = row["id"] if row else None
        other_owner = row["owner"] if row else None
        return RunClaimedError(
            f"workflow {run.workflow_name!r} is already running for this partition "
            f"(run {other_id!r}, owner {other_owner!r})",
            run_id=other_id,
            owner=other_owner,
        )

    def get_run(self, run_id: str) -> WorkflowRunRecord:
        """The run (``RunNotFoundError`` if there is none)."""
        with self._reading():
            return self._get(run_id)

    def find_completed(self, workflow_name: str, partition_hash: str) -> WorkflowRunRecord | None:
        """The most recent ``COMPLETED`` run of the workflow and partition, if any."""
        ph = self._d.placeholder
        sql = (
            f"SELECT {', '.join(_RUN_COLS)} FROM {RUNS} "  # noqa: S608 - constant identifiers, bound values
            f"WHERE workflow = {ph(0)} AND partition_hash = {ph(1)} AND status = {ph(2)} "
            f"ORDER BY finished_at DESC, id DESC {self._d.limit_offset(1)}"
        )
        with self._reading():
            row = self._repo.query_one(
                sql, (workflow_name, partition_hash, RunStatus.COMPLETED.value)
            )
        return self._record(row) if row is not None else None

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
        if limit < 0 or offset < 0:
            raise ValueError("limit and offset must be >= 0")
        if limit == 0:
            return []
        ph = self._d.placeholder
        where: list[str] = []
        params: list[Any] = []
        if workflow_name is not None:
            where.append(f"workflow = {ph(len(params))}")
            params.append(workflow_name)
        if statuses is not None:
            wanted = sorted({RunStatus(s).value for s in statuses})
            if not wanted:
                return []
            marks = ", ".join(ph(len(params) + i) for i in range(len(wanted)))
            where.append(f"status IN ({marks})")
            params.extend(wanted)
        if partition_hash is not None:
            where.append(f"partition_hash = {ph(len(params))}")
            params.append(partition_hash)
        sql = f"SELECT {', '.join(_RUN_COLS)} FROM {RUNS}"  # noqa: S608 - constant identifiers, bound values
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY created_at DESC, id DESC {self._d.limit_offset(limit, offset)}"
        with self._reading():
            rows = self._repo.query(sql, params)
        return [self._record(r) for r in rows]

    def claim_run(
        self,
        run_id: str,
        owner: str,
        *,
        lease_seconds: float,
        statuses: Collection[RunStatus] = RESUMABLE_STATUSES,
        execution_id: str | None = None,
    ) -> WorkflowRunRecord:
        """See :meth:`WorkflowRunStore.claim_run
        <spine.orchestration.run_store.WorkflowRunStore.claim_run>`."""
        allowed = sorted({RunStatus(s).value for s in statuses} - {_RUNNING})
        ph = self._d.placeholder
        try:
            with self._writing():
                now = self._clock()
                before = self._get(run_id)
                marks = ", ".join(ph(8 + i) for i in range(len(allowed)))
                may = f" OR status IN ({marks})" if allowed else ""
                n = self._rowcount(
                    f"UPDATE {RUNS} SET status = '{_RUNNING}', owner = {ph(0)}, "  # noqa: S608 - constant identifiers, bound values
                    f"lease_expires_at = {ph(1)}, attempt = attempt + 1, "
                    f"cancel_requested = {ph(2)}, finished_at = NULL, updated_at = {ph(3)}, "
                    f"active_key = {ph(4)}, execution_id = {ph(5)} WHERE id = {ph(6)} AND "
                    f"((status = '{_RUNNING}' AND lease_expires_at <= {ph(7)}){may})",
                    (
                        owner,
                        self._ts(now + timedelta(seconds=lease_seconds)),
                        self._false,
                        self._ts(now),
                        active_key(before.workflow_name, before.partition_hash),
                        execution_id or before.execution_id,
                        run_id,
                        self._ts(now),
                        *allowed,
                    ),
                )
                if n != 1:
                    raise self._claim_refused(self._get(run_id), now, statuses)
                record = self._get(run_id)
                self._event(
                    run_id,
                    RunEventType.RUN_RESUMED,
                    now,
                    data={
                        "owner": owner,
                        "previous_status": before.status.value,
                        "attempt": record.attempt,
                    },
                )
                return record
        except IntegrityError:  # another run of the partition is running now
            with self._reading():
                run = self._get(run_id)
                row = self._repo.query_one(
                    f"SELECT id, owner FROM {RUNS} WHERE active_key = {ph(0)}",  # noqa: S608 - constant identifiers, bound values
                    (active_key(run.workflow_name, run.partition_hash),),
                )
            raise RunClaimedError(
                f"workflow {run.workflow_name!r} is already running for this partition "
                f"(run {row['id'] if row else None!r}, owner {row['owner'] if row else None!r})",
                run_id=run_id,
                owner=row["owner"] if row else None,
            ) from None

    def _claim_refused(
        self, run: WorkflowRunRecord, now: datetime, statuses: Collection[RunStatus]
    ) -> Exception:
        if self._live(run, now):
            return RunClaimedError(
                f"workflow run {run.run_id!r} is being run by {run.owner!r}",
                run_id=run.run_id,
                owner=run.owner,
            )
        return RunStateError(
            f"workflow run {run.run_id!r} is {run.status.value}; it can be resumed only "
            f"when {' or '.join(sorted(RunStatus(s).value for s in statuses))}",
            run_id=run.run_id,
            status=run.status.value,
        )

    def renew_lease(self, run_id: str, owner: str, *, lease_seconds: float) -> bool:
        """Extend the owner's lease; returns whether a cancel was requested.

        While the connection is inside a transaction (a step's own work on the shared
        connection) nothing is written - committing would commit that work - and the flag
        last seen is returned after checking ownership.
        """
        with self._lock:
            now = self._clock()
            if self.conn.in_transaction:
                error = self._not_owner(run_id, owner, now)
                if error is not None:
                    raise error
                return self._get(run_id).cancel_requested
            with write(self.conn):
                n = self._rowcount(
                    self._renew_sql,
                    (
                        self._ts(now + timedelta(seconds=lease_seconds)),
                        self._ts(now),
                        run_id,
                        owner,
                        self._ts(now),
                    ),
                )
                if n != 1:
                    error = self._not_owner(run_id, owner, now)
                    raise error or RunClaimedError(
                        f"runner {owner!r} could not renew workflow run {run_id!r}",
                        run_id=run_id,
                        owner=owner,
                    )
                return self._get(run_id).cancel_requested

    def save_step(self, checkpoint: StepCheckpoint, owner: str, *, lease_seconds: float) -> bool:
        """Write a finished step, its event and the renewed lease in one transaction
        (three statements in one round trip where the driver pipelines, one commit).
        Returns whether a cancel was requested."""
        status = StepStatus(checkpoint.status)
        data: dict[str, Any] = {
            "status": status.value,
            "attempts": checkpoint.attempts,
            "duration_ms": round(checkpoint.duration_ms, 3),
        }
        if checkpoint.error:
            data["error"] = checkpoint.error.get("message")
        if checkpoint.skip_reason:
            data["skip_reason"] = checkpoint.skip_reason
        run_id = checkpoint.run_id
        step_row = self._step_row(checkpoint)
        with self._writing() as conn:
            now = self._clock()
            ts_now = self._ts(now)
            renew = (
                self._ts(now + timedelta(seconds=lease_seconds)),
                ts_now,
                run_id,
                owner,
                ts_now,
            )
            event = (
                generate_ulid(),
                run_id,
                checkpoint.step_name,
                STEP_EVENTS[status].value,
                ts_now,
                self._d.encode_json(data),
            )
            # One round trip where the driver pipelines: the guarded renewal, then the rows
            # it guards. A renewal that matched nothing raises below, and the transaction
            # (with the step and its event) is rolled back.
            renewed, _, _ = conn.execute_batch(
                [
                    (self._renew_uncancelled_sql, (*renew, self._false)),
                    (self._upsert_step_sql, step_row),
                    (self._insert_event_sql, event),
                ]
            )
            cancelled = False
            if renewed != 1:
                if self._rowcount(self._renew_sql, renew) != 1:
                    error = self._not_owner(run_id, owner, now)
                    raise error or RunClaimedError(
                        f"runner {owner!r} could not write workflow run {run_id!r}",
                        run_id=run_id,
                        owner=owner,
                    )
                cancelled = True
        return cancelled

    def finish_run(
        self,
        run_id: str,
        owner: str,
        status: RunStatus,
        *,
        error: Mapping[str, Any] | None = None,
    ) -> WorkflowRunRecord:
        """Set the final status, release the lease and append the run's final event."""
        status = RunStatus(status)
        if not status.is_terminal:
            raise ValueError(f"finish_run needs a final status, got {status.value}")
        ph = self._d.placeholder
        with self._writing():
            now = self._clock()
            n = self._rowcount(
                f"UPDATE {RUNS} SET status = {ph(0)}, owner = NULL, lease_expires_at = NULL, "  # noqa: S608 - constant identifiers, bound values
                f"finished_at = {ph(1)}, updated_at = {ph(2)}, error_json = {ph(3)}, "
                f"active_key = id WHERE id = {ph(4)} AND owner = {ph(5)} "
                f"AND status = '{_RUNNING}' AND lease_expires_at > {ph(6)}",
                (
                    status.value,
                    self._ts(now),
                    self._ts(now),
                    self._json(dict(error)) if error else None,
                    run_id,
                    owner,
                    self._ts(now),
                ),
            )
            if n != 1:
                raise self._not_owner(run_id, owner, now) or RunClaimedError(
                    f"runner {owner!r} could not finish workflow run {run_id!r}",
                    run_id=run_id,
                    owner=owner,
                )
            data = {"error": error.get("message")} if error else {}
            self._event(run_id, RUN_EVENTS[status], now, data=data)
            return self._get(run_id)

    def request_cancel(self, run_id: str) -> WorkflowRunRecord:
        """See :meth:`WorkflowRunStore.request_cancel
        <spine.orchestration.run_store.WorkflowRunStore.request_cancel>`."""
        ph = self._d.placeholder
        for _ in range(5):
            with self._writing():
                now = self._clock()
                run = self._get(run_id)
                if run.status in _DONE:
                    raise RunStateError(
                        f"workflow run {run_id!r} is already {run.status.value}; nothing to cancel",
                        run_id=run_id,
                        status=run.status.value,
                    )
                if self._live(run, now):
                    n = self._rowcount(
                        f"UPDATE {RUNS} SET cancel_requested = {ph(0)}, updated_at = {ph(1)} "  # noqa: S608 - constant identifiers, bound values
                        f"WHERE id = {ph(2)} AND status = '{_RUNNING}' "
                        f"AND lease_expires_at > {ph(3)}",
                        (self._true, self._ts(now), run_id, self._ts(now)),
                    )
                    if n == 1:
                        self._event(
                            run_id, RunEventType.CANCEL_REQUESTED, now, data={"owner": run.owner}
                        )
                        return self._get(run_id)
                else:
                    n = self._rowcount(
                        f"UPDATE {RUNS} SET status = {ph(0)}, owner = NULL, "  # noqa: S608 - constant identifiers, bound values
                        f"lease_expires_at = NULL, cancel_requested = {ph(1)}, "
                        f"finished_at = {ph(2)}, updated_at = {ph(3)}, active_key = id "
                        f"WHERE id = {ph(4)} AND status = {ph(5)} AND "
                        f"(lease_expires_at IS NULL OR lease_expires_at <= {ph(6)})",
                        (
                            RunStatus.CANCELLED.value,
                            self._true,
                            self._ts(now),
                            self._ts(now),
                            run_id,
                            run.status.value,
                            self._ts(now),
                        ),
                    )
                    if n == 1:
                        self._event(run_id, RunEventType.CANCEL_REQUESTED, now)
                        self._event(run_id, RunEventType.RUN_CANCELLED, now)
                        return self._get(run_id)
        raise RunClaimedError(  # pragma: no cover - the run kept changing under us
            f"workflow run {run_id!r} kept changing while it was being cancelled; try again",
            run_id=run_id,
        )

    def get_steps(self, run_id: str) -> list[StepCheckpoint]:
        """The run's step checkpoints, in the order they were written."""
        d = self._d
        sql = (
            f"SELECT {', '.join(_STEP_COLS)} FROM {STEPS} "  # noqa: S608 - constant identifiers, bound values
            f"WHERE run_id = {d.placeholder(0)} ORDER BY write_id"
        )
        with self._reading():
            rows = self._repo.query(sql, (run_id,))
            if not rows:
                self._get(run_id)
        ts = d.decode_timestamp
        return [
            StepCheckpoint(
                run_id=str(r["run_id"]),
                step_name=str(r["step_name"]),
                step_type=str(r["step_type"]),
                status=StepStatus(r["status"]),
                output=d.decode_json(r["output_json"]) or {},
                context_updates=d.decode_json(r["updates_json"]) or {},
                error=d.decode_json(r["error_json"]),
                attempts=int(r["attempts"]),
                started_at=ts(r["started_at"]),
                finished_at=ts(r["finished_at"]),
                duration_ms=float(r["duration_ms"]),
                skip_reason=r["skip_reason"],
                execution_id=r["execution_id"],
                sequence=i,
            )
            for i, r in enumerate(rows, 1)
        ]

    def get_events(self, run_id: str) -> list[RunEvent]:
        """The run's events, oldest first."""
        d = self._d
        sql = (
            f"SELECT {', '.join(_EVENT_COLS)} FROM {EVENTS} "  # noqa: S608 - constant identifiers, bound values
            f"WHERE run_id = {d.placeholder(0)} ORDER BY id"
        )
        with self._reading():
            rows = self._repo.query(sql, (run_id,))
            if not rows:
                self._get(run_id)
        return [
            RunEvent(
                event_id=str(r["id"]),
                run_id=str(r["run_id"]),
                event_type=RunEventType(r["event_type"]),
                created_at=_aware(d.decode_timestamp(r["occurred_at"])),
                step_name=r["step_name"],
                data=d.decode_json(r["payload_json"]) or {},
            )
            for r in rows
        ]


def _aware(value: datetime | None) -> datetime:
    if value is None:  # pragma: no cover - NOT NULL columns
        raise ValueError("a required timestamp column was NULL")
    return value


def open_run_store(target: Any, *, clock: Callable[[], datetime] = utc_now) -> WorkflowRunStore:
    """The run store for ``target``: a :class:`WorkflowRunStore` as it is, or a
    :class:`SqlRunStore` on a connection (a :class:`~spine.db.SpineConnection` or a raw DB-API
    connection).

    This is how tools open the store of a database (``spine runs`` in the ``spine`` command):
    ``open_run_store(conn).list_runs()``, ``.get_steps(run_id)``, ``.get_events(run_id)``.

    Raises:
        TypeError: ``target`` is neither.
    """
    if isinstance(target, WorkflowRunStore):
        return target
    if isinstance(target, SpineConnection) or (
        hasattr(target, "cursor") and hasattr(target, "commit")
    ):
        return SqlRunStore(target, clock=clock)
    raise TypeError(
        "expected a WorkflowRunStore or a database connection, got " + type(target).__name__
    )
