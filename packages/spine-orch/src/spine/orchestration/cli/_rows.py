"""Records as listing rows: one shape for the tables, ``--json`` and the MCP tools."""

from __future__ import annotations

from typing import Any

from spine.ops import Anomaly, ManifestEntry, QualityRecord, RejectTally, Watermark

__all__ = ["anomaly_row", "manifest_row", "quality_row", "reject_row", "watermark_row"]


def anomaly_row(a: Anomaly) -> dict[str, Any]:
    """An anomaly (statuses lower-case)."""
    return {
        "id": a.id,
        "domain": a.domain,
        "severity": a.severity.value.lower(),
        "category": a.category.value.lower(),
        "stage": a.stage,
        "partition": a.partition_key,
        "message": a.message,
        "created_at": a.created_at,
        "resolved_at": a.resolved_at,
        "resolution_note": a.resolution_note,
        "metadata": a.metadata,
        "execution_id": a.execution_id,
    }


def quality_row(q: QualityRecord) -> dict[str, Any]:
    """A stored quality result."""
    return {
        "domain": q.domain,
        "partition": q.partition_key,
        "check": q.check_name,
        "category": q.category.value.lower(),
        "status": q.status.value.lower(),
        "message": q.message,
        "actual": q.actual_value,
        "expected": q.expected_value,
        "created_at": q.created_at,
        "execution_id": q.execution_id,
    }


def reject_row(t: RejectTally) -> dict[str, Any]:
    """Rejected rows of one domain, stage and reason."""
    return {
        "domain": t.domain,
        "stage": t.stage,
        "reason": t.reason_code,
        "rows": t.count,
        "partitions": t.partitions,
    }


def manifest_row(e: ManifestEntry) -> dict[str, Any]:
    """A stage a partition reached."""
    return {
        "domain": e.domain,
        "partition": e.partition_key,
        "stage": e.stage,
        "rows": e.row_count,
        "updated_at": e.updated_at,
        "execution_id": e.execution_id,
        "metrics": e.metrics,
    }


def watermark_row(w: Watermark) -> dict[str, Any]:
    """A source's high-water mark for one partition."""
    return {
        "domain": w.domain,
        "source": w.source,
        "partition": w.partition_key,
        "high_water": w.high_water,
        "updated_at": w.updated_at,
        "metadata": dict(w.metadata),
    }
