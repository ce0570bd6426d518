"""The core infrastructure tables (prefix ``core_``), declared once for every backend.

The operation-primitive tables follow ``docs/core-schema.md`` exactly. The execution and
orchestration tables serve the ledger (``core_executions`` + append-only
``core_execution_events``), the dead-letter queue, expiring concurrency locks, the
lease/heartbeat work queue, workflow runs/steps/events and schedules.

Conventions: ``ID`` columns hold ULIDs (or caller ids up to 64 chars); ``TS`` columns hold
timezone-aware UTC; ``*_json`` columns hold canonical JSON text; statuses are upper-case
strings. No column name is a reserved word on any supported backend.
"""

from __future__ import annotations

from spine.db.encoding import MAX_PARTITION_KEY_LENGTH
from spine.db.tabledef import (
    BIGINT,
    BOOL,
    ID,
    INT,
    JSON,
    STR,
    TEXT,
    TS,
    Column,
    ColumnType,
    DefaultValue,
    Index,
    Table,
)

__all__ = ["CORE_TABLE_LIST"]


def _c(name: str, ctype: ColumnType, null: bool = False, default: DefaultValue = None) -> Column:
    return Column(name, ctype, nullable=null, default=default)


def _partition(null: bool = False, key_len: int = MAX_PARTITION_KEY_LENGTH) -> tuple[Column, ...]:
    return (
        _c("domain", STR(100)),
        _c("partition_key", STR(key_len), null),
        _c("partition_hash", STR(64), null),
    )


# --- operation primitives (docs/core-schema.md) -------------------------------------------

CORE_MANIFEST = Table(
    "core_manifest",
    columns=(
        *_partition(),
        _c("stage", STR(100)),
        _c("stage_rank", INT),
        _c("row_count", BIGINT, True),
        _c("metrics_json", JSON, True),
        _c("execution_id", ID, True),
        _c("batch_id", ID, True),
        _c("updated_at", TS),
    ),
    primary_key=("domain", "partition_hash", "stage"),
    indexes=(Index("ix_manifest_domain_stage", ("domain", "stage")),),
    description="One row per stage per partition (WorkManifest).",
)

CORE_REJECTS = Table(
    "core_rejects",
    columns=(
        _c("id", ID),
        *_partition(),
        _c("stage", STR(100)),
        _c("reason_code", STR(100)),
        _c("reason_detail", TEXT, True),
        _c("raw_json", JSON, True),
        _c("source_locator", STR(1000), True),
        _c("line_number", BIGINT, True),
        _c("execution_id", ID, True),
        _c("batch_id", ID, True),
        _c("created_at", TS),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_rejects_dom_part_reason", ("domain", "partition_hash", "reason_code")),
        Index("ix_rejects_execution", ("execution_id",)),
        Index("ix_rejects_created", ("created_at",)),
    ),
    description="Rows rejected by validation, with a reason (RejectSink).",
)

CORE_QUALITY = Table(
    "core_quality",
    columns=(
        _c("id", ID),
        *_partition(),
        _c("check_name", STR(200)),
        _c("category", STR(50)),
        _c("status", STR(10)),
        _c("message", TEXT, True),
        _c("actual_json", JSON, True),
        _c("expected_json", JSON, True),
        _c("details_json", JSON, True),
        _c("execution_id", ID, True),
        _c("batch_id", ID, True),
        _c("created_at", TS),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_quality_dom_part_check", ("domain", "partition_hash", "check_name")),
        Index("ix_quality_execution", ("execution_id",)),
        Index("ix_quality_created", ("created_at",)),
    ),
    description="Quality check results: PASS / WARN / FAIL (QualityRunner).",
)

CORE_ANOMALIES = Table(
    "core_anomalies",
    columns=(
        _c("id", ID),
        *_partition(null=True),
        _c("stage", STR(100), True),
        _c("workflow", STR(200), True),
        _c("severity", STR(20)),
        _c("category", STR(50)),
        _c("message", TEXT),
        _c("details_json", JSON, True),
        _c("execution_id", ID, True),
        _c("batch_id", ID, True),
        _c("created_at", TS),
        _c("resolved_at", TS, True),
        _c("resolution_note", TEXT, True),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_anomalies_dom_resolved", ("domain", "resolved_at")),
        Index("ix_anomalies_dom_severity", ("domain", "severity")),
        Index("ix_anomalies_created", ("created_at",)),
    ),
    description="Anomalies and warnings, resolvable later (AnomalyRecorder).",
)

CORE_WATERMARKS = Table(
    "core_watermarks",
    columns=(
        _c("domain", STR(100)),
        _c("source", STR(200)),
        _c("partition_key", STR(255)),
        _c("high_water", STR(500)),
        _c("metadata_json", JSON, True),
        _c("updated_at", TS),
    ),
    primary_key=("domain", "source", "partition_key"),
    description="High-water marks for incremental processing (WatermarkStore).",
)

CORE_BACKFILL_PLANS = Table(
    "core_backfill_plans",
    columns=(
        _c("plan_id", ID),
        _c("domain", STR(100)),
        _c("source", STR(200)),
        _c("status", STR(20)),
        _c("reason", TEXT, True),
        _c("partition_count", INT),
        _c("metadata_json", JSON, True),
        _c("created_at", TS),
        _c("started_at", TS, True),
        _c("completed_at", TS, True),
        _c("updated_at", TS),
    ),
    primary_key=("plan_id",),
    indexes=(Index("ix_backfill_plans_dom_status", ("domain", "status")),),
    description="Backfill plans: PLANNED / RUNNING / COMPLETED / FAILED / CANCELLED.",
)

CORE_BACKFILL_PARTITIONS = Table(
    "core_backfill_partitions",
    columns=(
        _c("plan_id", ID),
        _c("partition_key", STR(500)),
        _c("position", INT),
        _c("status", STR(20)),
        _c("error", TEXT, True),
        _c("updated_at", TS),
    ),
    primary_key=("plan_id", "partition_key"),
    indexes=(Index("ix_backfill_parts_plan_status", ("plan_id", "status")),),
    description="Partitions of a backfill plan: PENDING / DONE / FAILED.",
)


def _asset_table(name: str, index_name: str, description: str) -> Table:
    return Table(
        name,
        columns=(
            _c("id", ID),
            _c("asset_key", STR(500)),
            _c("asset_partition", STR(500), True),
            _c("execution_id", ID, True),
            _c("metadata_json", JSON, True),
            _c("created_at", TS),
        ),
        primary_key=("id",),
        indexes=(Index(index_name, ("asset_key", "asset_partition", "created_at")),),
        description=description,
    )


CORE_ASSET_MATERIALIZATIONS = _asset_table(
    "core_asset_materializations", "ix_asset_mat_key_part", "Data was produced for an asset."
)
CORE_ASSET_OBSERVATIONS = _asset_table(
    "core_asset_observations", "ix_asset_obs_key_part", "An asset was checked."
)

# --- execution and orchestration ----------------------------------------------------------

CORE_EXECUTIONS = Table(
    "core_executions",
    columns=(
        _c("id", ID),
        _c("workflow", STR(200)),
        _c("params_json", JSON, True),
        _c("status", STR(20)),
        _c("lane", STR(100), default="default"),
        _c("trigger_source", STR(50), True),
        _c("parent_execution_id", ID, True),
        _c("batch_id", ID, True),
        _c("idempotency_key", STR(255), True),
        _c("created_at", TS),
        _c("started_at", TS, True),
        _c("completed_at", TS, True),
        _c("updated_at", TS, True),
        _c("result_json", JSON, True),
        _c("error", TEXT, True),
        _c("error_type", STR(200), True),
        _c("retry_count", INT, default=0),
        _c("metadata_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_exec_idempotency", ("idempotency_key",)),
        Index("ix_exec_status_created", ("status", "created_at")),
        Index("ix_exec_workflow_created", ("workflow", "created_at")),
        Index("ix_exec_parent", ("parent_execution_id",)),
    ),
    description="The execution ledger: one row per execution (state machine).",
)

CORE_EXECUTION_EVENTS = Table(
    "core_execution_events",
    columns=(
        _c("id", ID),
        _c("execution_id", ID),
        _c("event_type", STR(50)),
        _c("occurred_at", TS),
        _c("payload_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(Index("ix_exec_events_exec_time", ("execution_id", "occurred_at")),),
    description="Append-only event log of executions.",
)

CORE_DEAD_LETTERS = Table(
    "core_dead_letters",
    columns=(
        _c("id", ID),
        _c("execution_id", ID, True),
        _c("workflow", STR(200)),
        _c("params_json", JSON, True),
        _c("error", TEXT),
        _c("error_type", STR(200), True),
        _c("retry_count", INT, default=0),
        _c("max_retries", INT, default=0),
        _c("created_at", TS),
        _c("last_retry_at", TS, True),
        _c("resolved_at", TS, True),
        _c("resolved_by", STR(200), True),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_dlq_workflow_resolved", ("workflow", "resolved_at")),
        Index("ix_dlq_created", ("created_at",)),
        Index("ix_dlq_execution", ("execution_id",)),
    ),
    description="Failed executions parked for inspection and replay (DLQ).",
)

CORE_CONCURRENCY_LOCKS = Table(
    "core_concurrency_locks",
    columns=(
        _c("lock_key", STR(255)),
        _c("owner", STR(255)),
        _c("execution_id", ID, True),
        _c("acquired_at", TS),
        _c("expires_at", TS),
    ),
    primary_key=("lock_key",),
    indexes=(Index("ix_locks_expires", ("expires_at",)),),
    description="Expiring locks: a lock whose owner died is taken over after expires_at.",
)

CORE_WORK_ITEMS = Table(
    "core_work_items",
    columns=(
        _c("id", ID),
        _c("workflow", STR(200)),
        _c("lane", STR(100), default="default"),
        _c("domain", STR(100), True),
        _c("partition_key", STR(MAX_PARTITION_KEY_LENGTH), True),
        _c("partition_hash", STR(64), True),
        _c("payload_json", JSON, True),
        _c("status", STR(20), default="PENDING"),
        _c("priority", INT, default=0),
        _c("run_after", TS),
        _c("lease_owner", STR(255), True),
        _c("lease_expires_at", TS, True),
        _c("heartbeat_at", TS, True),
        _c("attempts", INT, default=0),
        _c("max_attempts", INT, default=3),
        _c("last_error", TEXT, True),
        _c("execution_id", ID, True),
        _c("idempotency_key", STR(255), True),
        _c("created_at", TS),
        _c("updated_at", TS),
        _c("completed_at", TS, True),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_work_claim", ("status", "run_after", "priority")),
        Index("ix_work_lane_claim", ("lane", "status", "run_after")),
        Index("ix_work_lease", ("status", "lease_expires_at")),
        Index("ix_work_idempotency", ("idempotency_key",)),
    ),
    description=(
        "Work queue: PENDING -> RUNNING (leased to lease_owner until lease_expires_at, "
        "renewed by heartbeats) -> COMPLETED / FAILED / DEAD; expired leases are reclaimed."
    ),
)

CORE_WORKFLOW_RUNS = Table(
    "core_workflow_runs",
    columns=(
        _c("id", ID),
        _c("workflow", STR(200)),
        _c("status", STR(20)),
        _c("params_json", JSON, True),
        _c("context_json", JSON, True),
        _c("current_step", STR(200), True),
        _c("execution_id", ID, True),
        _c("parent_run_id", ID, True),
        _c("idempotency_key", STR(255), True),
        _c("error", TEXT, True),
        _c("created_at", TS),
        _c("started_at", TS, True),
        _c("completed_at", TS, True),
        _c("updated_at", TS),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_wf_runs_workflow_status", ("workflow", "status")),
        Index("ix_wf_runs_status_created", ("status", "created_at")),
        Index("ix_wf_runs_idempotency", ("idempotency_key",)),
    ),
    description="Workflow runs with their checkpointed context (resume from failed step).",
)

CORE_WORKFLOW_STEPS = Table(
    "core_workflow_steps",
    columns=(
        _c("id", ID),
        _c("run_id", ID),
        _c("step_name", STR(200)),
        _c("position", INT),
        _c("status", STR(20)),
        _c("attempts", INT, default=0),
        _c("input_json", JSON, True),
        _c("output_json", JSON, True),
        _c("error", TEXT, True),
        _c("started_at", TS, True),
        _c("completed_at", TS, True),
        _c("updated_at", TS),
    ),
    primary_key=("id",),
    indexes=(Index("ux_wf_steps_run_step", ("run_id", "step_name"), unique=True),),
    description="One row per step of a workflow run.",
)

CORE_WORKFLOW_EVENTS = Table(
    "core_workflow_events",
    columns=(
        _c("id", ID),
        _c("run_id", ID),
        _c("step_name", STR(200), True),
        _c("event_type", STR(50)),
        _c("occurred_at", TS),
        _c("payload_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(Index("ix_wf_events_run_time", ("run_id", "occurred_at")),),
    description="Append-only event log of workflow runs.",
)

CORE_SCHEDULES = Table(
    "core_schedules",
    columns=(
        _c("id", ID),
        _c("schedule_name", STR(200)),
        _c("workflow", STR(200)),
        _c("cron_expression", STR(100), True),
        _c("interval_seconds", INT, True),
        _c("tz_name", STR(64), default="UTC"),
        _c("params_json", JSON, True),
        _c("enabled", BOOL, default=True),
        _c("next_run_at", TS, True),
        _c("last_run_at", TS, True),
        _c("last_execution_id", ID, True),
        _c("lease_owner", STR(255), True),
        _c("lease_expires_at", TS, True),
        _c("created_at", TS),
        _c("updated_at", TS),
    ),
    primary_key=("id",),
    indexes=(
        Index("ux_schedules_name", ("schedule_name",), unique=True),
        Index("ix_schedules_due", ("enabled", "next_run_at")),
    ),
    description="Cron / interval schedules; lease columns let one scheduler fire each tick.",
)

CORE_TABLE_LIST: tuple[Table, ...] = (
    CORE_MANIFEST,
    CORE_REJECTS,
    CORE_QUALITY,
    CORE_ANOMALIES,
    CORE_WATERMARKS,
    CORE_BACKFILL_PLANS,
    CORE_BACKFILL_PARTITIONS,
    CORE_ASSET_MATERIALIZATIONS,
    CORE_ASSET_OBSERVATIONS,
    CORE_EXECUTIONS,
    CORE_EXECUTION_EVENTS,
    CORE_DEAD_LETTERS,
    CORE_CONCURRENCY_LOCKS,
    CORE_WORK_ITEMS,
    CORE_WORKFLOW_RUNS,
    CORE_WORKFLOW_STEPS,
    CORE_WORKFLOW_EVENTS,
    CORE_SCHEDULES,
)
"""Every core table, in creation order."""
