"""`spine.ops`: the operation primitives a pipeline stage calls to be restartable and auditable.

- Idempotency L1/L2/L3 (:class:`IdempotencyHelper`, :class:`LogicalKey`, :func:`ingest_l2`,
  :func:`replace_l3`) and restatements that keep history (:func:`restate`, :func:`as_of`).
- Stage tracking (:class:`WorkManifest`), rejects (:class:`RejectSink`), quality checks and
  gates (:class:`QualityRunner`), anomalies (:class:`AnomalyRecorder`).
- Watermarks (:class:`DBWatermarkStore`, :class:`InMemoryWatermarkStore`) and backfill plans
  (:class:`BackfillPlan`).
- Rolling windows, retention purges, data assets.
- Domain models: versioned content, tagging, finance adjustments and corrections.

Every persistent primitive takes a spine connection (``spine.db.create_connection``) and
persists into the core tables (``docs/core-schema.md``); partition keys are dicts stored as
canonical JSON + sha256 (:mod:`spine.db.encoding`), so key order never matters.

Only the errors are imported eagerly. Every other name is loaded from its submodule on first
access (PEP 562), so ``import spine.ops`` stays cheap and you pay only for the primitives you
use. ``from spine.ops import X`` and ``spine.ops.X`` both work as usual.

Example:
    >>> from spine.db.testing import memory_connection
    >>> from spine.ops import WorkManifest
    >>> m = WorkManifest(memory_connection(), "otc", stages=["INGESTED", "NORMALIZED"])
    >>> _ = m.advance_to({"week_ending": "2025-12-26"}, "INGESTED", row_count=10)
    >>> m.is_at_least({"week_ending": "2025-12-26"}, "INGESTED")
    True
"""

from __future__ import annotations

from spine.ops.errors import (
    InvalidTransitionError,
    LeaseLostError,
    NotFoundError,
    QualityGateError,
)
from spine.types.lazy import lazy_exports

# Keep the root import free of ``typing``: type checkers treat this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.ops._partition import (
        PartitionKey,
        canonical_partition_key,
        decode_partition_key,
        partition_hash,
    )
    from spine.ops.anomalies import (
        Anomaly,
        AnomalyCategory,
        AnomalyRecorder,
        Severity,
    )
    from spine.ops.assets import (
        AssetKey,
        AssetMaterialization,
        AssetObservation,
        AssetRegistry,
        AssetStore,
    )
    from spine.ops.backfill import (
        BackfillPartitionStatus,
        BackfillPlan,
        BackfillPreview,
        BackfillProgress,
        BackfillStatus,
        PartitionClaim,
        gap_keys,
        preview_backfill,
        week_range_keys,
    )
    from spine.ops.finance import (
        Adjustment,
        AdjustmentChain,
        AdjustmentType,
        CorrectionReason,
        CorrectionRecord,
    )
    from spine.ops.idempotency import (
        IdempotencyHelper,
        IdempotencyLevel,
        IngestResult,
        LogicalKey,
        ReplaceResult,
        ingest_l2,
        replace_l3,
    )
    from spine.ops.manifest import (
        ManifestRow,
        StageChangeHook,
        WorkManifest,
    )
    from spine.ops.quality import (
        QualityCategory,
        QualityCheck,
        QualityResult,
        QualityRunner,
        QualityStatus,
        null_rate_check,
        row_count_check,
        run_gate,
        sum_to_check,
        uniqueness_check,
        value_range_check,
    )
    from spine.ops.rehash import RehashResult, rehash_table
    from spine.ops.rejects import (
        Reject,
        RejectCount,
        RejectSink,
        StoredReject,
    )
    from spine.ops.reports import (
        ManifestEntry,
        QualityRecord,
        RejectTally,
        known_domains,
        list_anomalies,
        list_manifest,
        list_quality_results,
        list_watermarks,
        reject_tallies,
    )
    from spine.ops.restatement import (
        RestatementResult,
        as_of,
        bitemporal_column_defs,
        bitemporal_columns,
        corrupted_keys,
        current_rows,
        history,
        repair_key,
        restate,
        row_content_hash,
    )
    from spine.ops.retention import (
        RETENTION_TARGETS,
        PurgeResult,
        RetentionConfig,
        RetentionReport,
        RetentionTarget,
        purge_all,
        purge_table,
    )
    from spine.ops.rolling import (
        RollingResult,
        RollingWindow,
        TrendDirection,
        compute_trend,
    )
    from spine.ops.taggable import (
        Taggable,
        TaggableContent,
        TagGroup,
        TagGroupSet,
    )
    from spine.ops.versioned_content import (
        ContentSource,
        ContentVersion,
        VersionedContent,
    )
    from spine.ops.watermarks import (
        DBWatermarkStore,
        InMemoryWatermarkStore,
        Watermark,
        WatermarkGap,
        WatermarkStore,
        compare_high_water,
    )

_LAZY: dict[str, str] = {
    "PartitionKey": "spine.ops._partition",
    "canonical_partition_key": "spine.ops._partition",
    "decode_partition_key": "spine.ops._partition",
    "partition_hash": "spine.ops._partition",
    "Anomaly": "spine.ops.anomalies",
    "AnomalyCategory": "spine.ops.anomalies",
    "AnomalyRecorder": "spine.ops.anomalies",
    "Severity": "spine.ops.anomalies",
    "AssetKey": "spine.ops.assets",
    "AssetMaterialization": "spine.ops.assets",
    "AssetObservation": "spine.ops.assets",
    "AssetRegistry": "spine.ops.assets",
    "AssetStore": "spine.ops.assets",
    "BackfillPartitionStatus": "spine.ops.backfill",
    "BackfillPlan": "spine.ops.backfill",
    "BackfillPreview": "spine.ops.backfill",
    "BackfillProgress": "spine.ops.backfill",
    "BackfillStatus": "spine.ops.backfill",
    "PartitionClaim": "spine.ops.backfill",
    "gap_keys": "spine.ops.backfill",
    "preview_backfill": "spine.ops.backfill",
    "week_range_keys": "spine.ops.backfill",
    "Adjustment": "spine.ops.finance",
    "AdjustmentChain": "spine.ops.finance",
    "AdjustmentType": "spine.ops.finance",
    "CorrectionReason": "spine.ops.finance",
    "CorrectionRecord": "spine.ops.finance",
    "IdempotencyHelper": "spine.ops.idempotency",
    "IdempotencyLevel": "spine.ops.idempotency",
    "IngestResult": "spine.ops.idempotency",
    "LogicalKey": "spine.ops.idempotency",
    "ReplaceResult": "spine.ops.idempotency",
    "ingest_l2": "spine.ops.idempotency",
    "replace_l3": "spine.ops.idempotency",
    "ManifestRow": "spine.ops.manifest",
    "StageChangeHook": "spine.ops.manifest",
    "WorkManifest": "spine.ops.manifest",
    "QualityCategory": "spine.ops.quality",
    "QualityCheck": "spine.ops.quality",
    "QualityResult": "spine.ops.quality",
    "QualityRunner": "spine.ops.quality",
    "QualityStatus": "spine.ops.quality",
    "null_rate_check": "spine.ops.quality",
    "row_count_check": "spine.ops.quality",
    "run_gate": "spine.ops.quality",
    "sum_to_check": "spine.ops.quality",
    "uniqueness_check": "spine.ops.quality",
    "value_range_check": "spine.ops.quality",
    "Reject": "spine.ops.rejects",
    "RejectCount": "spine.ops.rejects",
    "RejectSink": "spine.ops.rejects",
    "StoredReject": "spine.ops.rejects",
    "ManifestEntry": "spine.ops.reports",
    "QualityRecord": "spine.ops.reports",
    "RejectTally": "spine.ops.reports",
    "known_domains": "spine.ops.reports",
    "list_anomalies": "spine.ops.reports",
    "list_manifest": "spine.ops.reports",
    "list_quality_results": "spine.ops.reports",
    "list_watermarks": "spine.ops.reports",
    "reject_tallies": "spine.ops.reports",
    "RehashResult": "spine.ops.rehash",
    "rehash_table": "spine.ops.rehash",
    "RestatementResult": "spine.ops.restatement",
    "as_of": "spine.ops.restatement",
    "bitemporal_column_defs": "spine.ops.restatement",
    "bitemporal_columns": "spine.ops.restatement",
    "corrupted_keys": "spine.ops.restatement",
    "current_rows": "spine.ops.restatement",
    "repair_key": "spine.ops.restatement",
    "history": "spine.ops.restatement",
    "restate": "spine.ops.restatement",
    "row_content_hash": "spine.ops.restatement",
    "RETENTION_TARGETS": "spine.ops.retention",
    "PurgeResult": "spine.ops.retention",
    "RetentionConfig": "spine.ops.retention",
    "RetentionReport": "spine.ops.retention",
    "RetentionTarget": "spine.ops.retention",
    "purge_all": "spine.ops.retention",
    "purge_table": "spine.ops.retention",
    "RollingResult": "spine.ops.rolling",
    "RollingWindow": "spine.ops.rolling",
    "TrendDirection": "spine.ops.rolling",
    "compute_trend": "spine.ops.rolling",
    "Taggable": "spine.ops.taggable",
    "TaggableContent": "spine.ops.taggable",
    "TagGroup": "spine.ops.taggable",
    "TagGroupSet": "spine.ops.taggable",
    "ContentSource": "spine.ops.versioned_content",
    "ContentVersion": "spine.ops.versioned_content",
    "VersionedContent": "spine.ops.versioned_content",
    "DBWatermarkStore": "spine.ops.watermarks",
    "InMemoryWatermarkStore": "spine.ops.watermarks",
    "Watermark": "spine.ops.watermarks",
    "WatermarkGap": "spine.ops.watermarks",
    "WatermarkStore": "spine.ops.watermarks",
    "compare_high_water": "spine.ops.watermarks",
}

__all__ = [
    "RETENTION_TARGETS",
    "Adjustment",
    "AdjustmentChain",
    "AdjustmentType",
    "Anomaly",
    "AnomalyCategory",
    "AnomalyRecorder",
    "AssetKey",
    "AssetMaterialization",
    "AssetObservation",
    "AssetRegistry",
    "AssetStore",
    "BackfillPartitionStatus",
    "BackfillPlan",
    "BackfillPreview",
    "BackfillProgress",
    "BackfillStatus",
    "ContentSource",
    "ContentVersion",
    "CorrectionReason",
    "CorrectionRecord",
    "DBWatermarkStore",
    "IdempotencyHelper",
    "IdempotencyLevel",
    "InMemoryWatermarkStore",
    "IngestResult",
    "InvalidTransitionError",
    "LeaseLostError",
    "LogicalKey",
    "ManifestEntry",
    "ManifestRow",
    "NotFoundError",
    "PartitionClaim",
    "PartitionKey",
    "PurgeResult",
    "QualityCategory",
    "QualityCheck",
    "QualityGateError",
    "QualityRecord",
    "QualityResult",
    "QualityRunner",
    "QualityStatus",
    "RehashResult",
    "Reject",
    "RejectCount",
    "RejectSink",
    "RejectTally",
    "ReplaceResult",
    "RestatementResult",
    "RetentionConfig",
    "RetentionReport",
    "RetentionTarget",
    "RollingResult",
    "RollingWindow",
    "Severity",
    "StageChangeHook",
    "StoredReject",
    "TagGroup",
    "TagGroupSet",
    "Taggable",
    "TaggableContent",
    "TrendDirection",
    "VersionedContent",
    "Watermark",
    "WatermarkGap",
    "WatermarkStore",
    "WorkManifest",
    "as_of",
    "bitemporal_column_defs",
    "bitemporal_columns",
    "canonical_partition_key",
    "compare_high_water",
    "compute_trend",
    "corrupted_keys",
    "current_rows",
    "decode_partition_key",
    "gap_keys",
    "history",
    "ingest_l2",
    "known_domains",
    "list_anomalies",
    "list_manifest",
    "list_quality_results",
    "list_watermarks",
    "null_rate_check",
    "partition_hash",
    "preview_backfill",
    "purge_all",
    "purge_table",
    "rehash_table",
    "reject_tallies",
    "repair_key",
    "replace_l3",
    "restate",
    "row_content_hash",
    "row_count_check",
    "run_gate",
    "sum_to_check",
    "uniqueness_check",
    "value_range_check",
    "week_range_keys",
]


__getattr__, __dir__ = lazy_exports("spine.ops", _LAZY, globals())
