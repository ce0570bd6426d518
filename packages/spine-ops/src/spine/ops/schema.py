"""The tables spine-ops owns, declared once for every backend, and their migrations.

This is spine-ops' :class:`~spine.db.schema.SchemaComponent` (``SCHEMA``), published through
the ``spine.schema`` entry point of the distribution, so
:func:`spine.db.schema.install_schema` (``create_core_tables``) creates these tables wherever
spine-ops is installed. Each table sits here, beside the primitives that use it; its columns
follow ``docs/core-schema.md``.

Conventions: ``ID`` columns hold ULIDs (or caller ids up to 64 chars); ``TS`` columns hold
timezone-aware UTC; ``*_json`` columns hold canonical JSON text; stored status, severity and
category values are lower-case strings (the values of spine-ops' StrEnums). No column name is
a reserved word on any supported backend.

Migrations (versions of component ``spine-ops``):

1. ``lowercase_stored_values`` - statuses, severities and categories written upper-case by
   earlier releases (``PASS``, ``PLANNED``, ``ERROR``...) become lower-case.
2. ``backfill_partition_leases`` - ``core_backfill_partitions`` gains ``claimed_by``,
   ``lease_expires_at`` and ``attempts`` (``BackfillPlan.claim``), in one ``ALTER TABLE``
   where the backend allows it (rendered by each dialect's ``add_columns_statements``).

Example:
    >>> from spine.ops.schema import SCHEMA, CORE_MANIFEST
    >>> SCHEMA.name, CORE_MANIFEST.primary_key
    ('spine-ops', ('domain', 'partition_hash', 'stage'))
    >>> [t.name for t in SCHEMA.tables][:3]
    ['core_manifest', 'core_rejects', 'core_quality']
"""

from __future__ import annotations

from spine.db import get_dialect
from spine.db.dialects import DIALECT_NAMES
from spine.db.encoding import MAX_PARTITION_KEY_LENGTH
from spine.db.migrations import Migration
from spine.db.schema import (
    BIGINT,
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
    "CORE_ANOMALIES",
    "CORE_ASSET_MATERIALIZATIONS",
    "CORE_ASSET_OBSERVATIONS",
    "CORE_BACKFILL_PARTITIONS",
    "CORE_BACKFILL_PLANS",
    "CORE_MANIFEST",
    "CORE_QUALITY",
    "CORE_REJECTS",
    "CORE_RESTATEMENT_LOCKS",
    "CORE_WATERMARKS",
    "MIGRATIONS",
    "SCHEMA",
    "TABLES",
]


def _partition(null: bool = False, key_len: int = MAX_PARTITION_KEY_LENGTH) -> tuple[Column, ...]:
    return (
        Column("domain", STR(100)),
        Column("partition_key", STR(key_len), null),
        Column("partition_hash", STR(64), null),
    )


# --- operation primitives (docs/core-schema.md) -------------------------------------------

CORE_MANIFEST = Table(
    "core_manifest",
    columns=(
        *_partition(),
        Column("stage", STR(100)),
        Column("stage_rank", INT),
        Column("row_count", BIGINT, True),
        Column("metrics_json", JSON, True),
        Column("execution_id", ID, True),
        Column("batch_id", ID, True),
        Column("updated_at", TS),
    ),
    primary_key=("domain", "partition_hash", "stage"),
    indexes=(Index("ix_manifest_domain_stage", ("domain", "stage")),),
    description="One row per stage per partition (WorkManifest).",
)

CORE_REJECTS = Table(
    "core_rejects",
    columns=(
        Column("id", ID),
        *_partition(),
        Column("stage", STR(100)),
        Column("reason_code", STR(100)),
        Column("reason_detail", TEXT, True),
        Column("raw_json", JSON, True),
        Column("source_locator", STR(1000), True),
        Column("line_number", BIGINT, True),
        Column("execution_id", ID, True),
        Column("batch_id", ID, True),
        Column("created_at", TS),
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
        Column("id", ID),
        *_partition(),
        Column("check_name", STR(200)),
        Column("category", STR(50)),
        Column("status", STR(10)),
        Column("message", TEXT, True),
        Column("actual_json", JSON, True),
        Column("expected_json", JSON, True),
        Column("details_json", JSON, True),
        Column("execution_id", ID, True),
        Column("batch_id", ID, True),
        Column("created_at", TS),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_quality_dom_part_check", ("domain", "partition_hash", "check_name")),
        Index("ix_quality_execution", ("execution_id",)),
        Index("ix_quality_created", ("created_at",)),
    ),
    description="Quality check results: pass / warn / fail (QualityRunner).",
)

CORE_ANOMALIES = Table(
    "core_anomalies",
    columns=(
        Column("id", ID),
        *_partition(null=True),
        Column("stage", STR(100), True),
        Column("workflow", STR(200), True),
        Column("severity", STR(20)),
        Column("category", STR(50)),
        Column("message", TEXT),
        Column("details_json", JSON, True),
        Column("execution_id", ID, True),
        Column("batch_id", ID, True),
        Column("created_at", TS),
        Column("resolved_at", TS, True),
        Column("resolution_note", TEXT, True),
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
        Column("domain", STR(100)),
        Column("source", STR(200)),
        Column("partition_key", STR(255)),
        Column("high_water", STR(500)),
        Column("metadata_json", JSON, True),
        Column("updated_at", TS),
    ),
    primary_key=("domain", "source", "partition_key"),
    description="High-water marks for incremental processing (WatermarkStore).",
)

CORE_BACKFILL_PLANS = Table(
    "core_backfill_plans",
    columns=(
        Column("plan_id", ID),
        Column("domain", STR(100)),
        Column("source", STR(200)),
        Column("status", STR(20)),
        Column("reason", TEXT, True),
        Column("partition_count", INT),
        Column("metadata_json", JSON, True),
        Column("created_at", TS),
        Column("started_at", TS, True),
        Column("completed_at", TS, True),
        Column("updated_at", TS),
    ),
    primary_key=("plan_id",),
    indexes=(Index("ix_backfill_plans_dom_status", ("domain", "status")),),
    description="Backfill plans: planned / running / completed / failed / cancelled.",
)

_BACKFILL_LEASE_COLUMNS = (
    Column("claimed_by", STR(200), True),
    Column("lease_expires_at", TS, True),
    Column("attempts", INT, default=0),
)
"""Who holds a claimed partition, until when, and how many claims it has had (migration 2)."""

CORE_BACKFILL_PARTITIONS = Table(
    "core_backfill_partitions",
    columns=(
        Column("plan_id", ID),
        Column("partition_key", STR(500)),
        Column("position", INT),
        Column("status", STR(20)),
        Column("error", TEXT, True),
        Column("updated_at", TS),
        *_BACKFILL_LEASE_COLUMNS,
    ),
    primary_key=("plan_id", "partition_key"),
    indexes=(Index("ix_backfill_parts_plan_status", ("plan_id", "status")),),
    description="Partitions of a backfill plan: pending / done / failed, and the worker "
    "holding each claimed one (BackfillPlan.claim).",
)


def _asset_table(name: str, index_name: str, description: str) -> Table:
    return Table(
        name,
        columns=(
            Column("id", ID),
            Column("asset_key", STR(500)),
            Column("asset_partition", STR(500), True),
            Column("execution_id", ID, True),
            Column("metadata_json", JSON, True),
            Column("created_at", TS),
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

CORE_RESTATEMENT_LOCKS = Table(
    "core_restatement_locks",
    columns=(
        Column("table_name", STR(200)),
        Column("key_hash", STR(64)),
        Column("partition_key", STR(MAX_PARTITION_KEY_LENGTH)),
        Column("locked_at", TS),
    ),
    primary_key=("table_name", "key_hash"),
    description="One row per restated logical key; restate() claims it with an upsert so "
    "writers of one key (also its first publication) run one at a time.",
)

TABLES: tuple[Table, ...] = (
    CORE_MANIFEST,
    CORE_REJECTS,
    CORE_QUALITY,
    CORE_ANOMALIES,
    CORE_WATERMARKS,
    CORE_BACKFILL_PLANS,
    CORE_BACKFILL_PARTITIONS,
    CORE_ASSET_MATERIALIZATIONS,
    CORE_ASSET_OBSERVATIONS,
    CORE_RESTATEMENT_LOCKS,
)
"""spine-ops' tables, in creation order."""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "lowercase_stored_values",
        """
        UPDATE core_backfill_plans SET status = LOWER(status);
        UPDATE core_backfill_partitions SET status = LOWER(status);
        UPDATE core_quality SET status = LOWER(status), category = LOWER(category);
        UPDATE core_anomalies SET severity = LOWER(severity), category = LOWER(category)
        """,
    ),
    Migration(
        2,
        "backfill_partition_leases",
        variants={
            name: ";\n".join(
                get_dialect(name).add_columns_statements(
                    "core_backfill_partitions", _BACKFILL_LEASE_COLUMNS
                )
            )
            for name in DIALECT_NAMES
        },
    ),
)
"""How a database created by an earlier release reaches the declared tables (see the module
docstring). Never edit an applied migration: add the next version."""

SCHEMA = SchemaComponent(
    "spine-ops",
    tables=TABLES,
    migrations=MIGRATIONS,
    description="Operation primitives: manifest, rejects, quality, anomalies, watermarks, "
    "backfill plans, asset events, restatement locks.",
)
"""spine-ops' schema component (entry point ``spine-ops`` of group ``spine.schema``)."""
