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
canonical JSON + sha256, so key order never matters.

Example:
    >>> from spine.db.testing import memory_connection
    >>> from spine.ops import WorkManifest
    >>> m = WorkManifest(memory_connection(), "otc", stages=["INGESTED", "NORMALIZED"])
    >>> _ = m.advance_to({"week_ending": "2025-12-26"}, "INGESTED", row_count=10)
    >>> m.is_at_least({"week_ending": "2025-12-26"}, "INGESTED")
    True
"""

from __future__ import annotations

from spine.ops._partition import (
    PartitionKey,
    canonical_partition_key,
    decode_partition_key,
    partition_hash,
)
from spine.ops.anomalies import Anomaly, AnomalyCategory, AnomalyRecorder, Severity
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
    preview_backfill,
)
from spine.ops.errors import InvalidTransitionError, NotFoundError, QualityGateError
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
from spine.ops.manifest import ManifestRow, StageChangeHook, WorkManifest
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
from spine.ops.rejects import Reject, RejectCount, RejectSink, StoredReject
from spine.ops.restatement import (
    RestatementResult,
    as_of,
    bitemporal_column_defs,
    bitemporal_columns,
    current_rows,
    history,
    restate,
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
from spine.ops.rolling import RollingResult, RollingWindow, TrendDirection, compute_trend
from spine.ops.taggable import Taggable, TaggableContent, TagGroup, TagGroupSet
from spine.ops.versioned_content import ContentSource, ContentVersion, VersionedContent
from spine.ops.watermarks import (
    DBWatermarkStore,
    InMemoryWatermarkStore,
    Watermark,
    WatermarkGap,
    WatermarkStore,
    compare_high_water,
)

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
    "LogicalKey",
    "ManifestRow",
    "NotFoundError",
    "PartitionKey",
    "PurgeResult",
    "QualityCategory",
    "QualityCheck",
    "QualityGateError",
    "QualityResult",
    "QualityRunner",
    "QualityStatus",
    "Reject",
    "RejectCount",
    "RejectSink",
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
    "current_rows",
    "decode_partition_key",
    "history",
    "ingest_l2",
    "null_rate_check",
    "partition_hash",
    "preview_backfill",
    "purge_all",
    "purge_table",
    "replace_l3",
    "restate",
    "row_count_check",
    "run_gate",
    "sum_to_check",
    "uniqueness_check",
    "value_range_check",
]
