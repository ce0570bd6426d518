"""The tables spine-orch owns (tracked workflow runs), declared once for every backend.

This is spine-orch's :class:`~spine.db.schema.SchemaComponent` (``SCHEMA``), published through
the ``spine.schema`` entry point of the distribution, so :func:`spine.db.schema.install_schema`
(``spine db init`` / ``spine db migrate``) creates and migrates these tables wherever
spine-orch is installed. They are written by :class:`spine.orchestration.SqlRunStore`:

* ``core_workflow_runs`` - one row per tracked run: workflow, partition, params, status, the
  runner holding it (``owner`` + ``lease_expires_at``), cancellation flag, attempt, lineage
  (``parent_run_id`` / ``rerun_from_step``), the stored definition, the first error and the
  ledger execution recording the run (``execution_id``). ``active_key`` makes "one live run
  per workflow and partition" a unique key every backend enforces: while a run is
  ``running`` it holds a digest of (workflow, partition_hash), otherwise its own id.
* ``core_workflow_steps`` - one checkpoint per finished step (primary key ``run_id,
  step_name``): status, JSON output, ``context_updates``, error, attempts, timings, the ledger
  execution of an operation step; ``write_id`` (a ULID) orders the checkpoints of a run.
* ``core_workflow_events`` - the run's append-only event log.

Stored statuses are lower-case (the values of :class:`~spine.types.RunStatus`,
:class:`~spine.types.StepStatus` and :class:`~spine.orchestration.RunEventType`).

Migrations (versions of component ``spine-orch``): none yet. Never edit an applied migration:
add the next version.

Example:
    >>> from spine.orchestration.schema import SCHEMA
    >>> SCHEMA.name, [t.name for t in SCHEMA.tables]
    ('spine-orch', ['core_workflow_runs', 'core_workflow_steps', 'core_workflow_events'])
"""

from __future__ import annotations

from spine.db.migrations import Migration
from spine.db.schema import (
    BOOL,
    FLOAT,
    ID,
    INT,
    JSON,
    STR,
    TEXT,
    TS,
    Column,
    Index,
    SchemaComponent,
    Table,
)

__all__ = [
    "CORE_WORKFLOW_EVENTS",
    "CORE_WORKFLOW_RUNS",
    "CORE_WORKFLOW_STEPS",
    "MIGRATIONS",
    "SCHEMA",
    "TABLES",
]


CORE_WORKFLOW_RUNS = Table(
    "core_workflow_runs",
    columns=(
        Column("id", ID),
        Column("workflow", STR(200)),
        Column("partition_json", JSON),
        Column("partition_hash", STR(64)),
        Column("params_json", JSON),
        Column("status", STR(20)),
        Column("active_key", STR(64)),
        Column("owner", STR(255), True),
        Column("lease_expires_at", TS, True),
        Column("cancel_requested", BOOL, default=False),
        Column("attempt", INT, default=1),
        Column("parent_run_id", ID, True),
        Column("rerun_from_step", STR(100), True),
        Column("definition_json", JSON, True),
        Column("definition_hash", STR(64), True),
        Column("error_json", JSON, True),
        Column("execution_id", ID, True),
        Column("created_at", TS),
        Column("started_at", TS, True),
        Column("finished_at", TS, True),
        Column("updated_at", TS),
    ),
    primary_key=("id",),
    indexes=(
        Index("ux_wf_runs_active", ("active_key",), unique=True),
        Index("ix_wf_runs_wf_part", ("workflow", "partition_hash", "status")),
        Index("ix_wf_runs_status_created", ("status", "created_at")),
        Index("ix_wf_runs_parent", ("parent_run_id",)),
        Index("ix_wf_runs_execution", ("execution_id",)),
    ),
    description="Tracked workflow runs: status, owner lease, lineage, ledger execution.",
)

CORE_WORKFLOW_STEPS = Table(
    "core_workflow_steps",
    columns=(
        Column("run_id", ID),
        Column("step_name", STR(100)),
        Column("step_type", STR(20)),
        Column("status", STR(20)),
        Column("output_json", JSON),
        Column("updates_json", JSON),
        Column("error_json", JSON, True),
        Column("attempts", INT, default=0),
        Column("started_at", TS, True),
        Column("finished_at", TS, True),
        Column("duration_ms", FLOAT),
        Column("skip_reason", TEXT, True),
        Column("execution_id", ID, True),
        Column("write_id", ID),
    ),
    primary_key=("run_id", "step_name"),
    indexes=(Index("ix_wf_steps_execution", ("execution_id",)),),
    description="Step checkpoints of tracked runs (one per step, replaced when re-run).",
)

CORE_WORKFLOW_EVENTS = Table(
    "core_workflow_events",
    columns=(
        Column("id", ID),
        Column("run_id", ID),
        Column("step_name", STR(100), True),
        Column("event_type", STR(50)),
        Column("occurred_at", TS),
        Column("payload_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(Index("ix_wf_events_run", ("run_id", "occurred_at")),),
    description="Append-only event log of tracked runs.",
)

TABLES: tuple[Table, ...] = (CORE_WORKFLOW_RUNS, CORE_WORKFLOW_STEPS, CORE_WORKFLOW_EVENTS)
"""spine-orch's tables, in creation order."""

MIGRATIONS: tuple[Migration, ...] = ()
"""How a database created by an earlier release reaches the declared tables (none yet)."""

SCHEMA = SchemaComponent(
    "spine-orch",
    tables=TABLES,
    migrations=MIGRATIONS,
    description="Tracked workflow runs: runs, step checkpoints, events.",
)
"""spine-orch's schema component (entry point ``spine-orch`` of group ``spine.schema``)."""
