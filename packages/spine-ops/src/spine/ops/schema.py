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
    ColumnType,
    DefaultValue,
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
    description="Quality check results: pass / warn / fail (QualityRunner).",
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
    description="Backfill plans: planned / running / completed / failed / cancelled.",
)

_BACKFILL_LEASE_COLUMNS = (
    _c("claimed_by", STR(200), True),
    _c("lease_expires_at", TS, True),
    _c("attempts", INT, default=0),
)
"""Who holds a claimed partition, until when, and how many claims it has had (migration 2)."""

CORE_BACKFILL_PARTITIONS = Table(
    "core_backfill_partitions",
    columns=(
        _c("plan_id", ID),
        _c("partition_key", STR(500)),
        _c("position", INT),
        _c("status", STR(20)),
        _c("error", TEXT, True),
        _c("updated_at", TS),
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

CORE_RESTATEMENT_LOCKS = Table(
    "core_restatement_locks",
    columns=(
        _c("table_name", STR(200)),
        _c("key_hash", STR(64)),
        _c("partition_key", STR(MAX_PARTITION_KEY_LENGTH)),
        _c("locked_at", TS),
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
