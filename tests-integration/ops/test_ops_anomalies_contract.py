"""Contract: AnomalyRecorder on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from spine.ops import AnomalyCategory, AnomalyRecorder, NotFoundError, Severity
from spine.types import ValidationError

WEEK = {"week_ending": "2025-12-26"}


def _seed(rec: AnomalyRecorder) -> dict[str, str]:
    return {
        "debug": rec.record(severity=Severity.DEBUG, category=AnomalyCategory.UNKNOWN, message="d"),
        "warn": rec.record(
            stage="ingest",
            partition_key=WEEK,
            severity=Severity.WARN,
            category=AnomalyCategory.DATA_QUALITY,
            message="w",
        ),
        "error": rec.record(
            stage="ingest",
            partition_key=WEEK,
            severity="ERROR",
            category="QUALITY_GATE",
            message="Null rate 35% exceeds 25%",
            metadata={"null_rate": 0.35},
            execution_id="exec-1",
        ),
        "critical": rec.record(
            stage="publish",
            severity=Severity.CRITICAL,
            category=AnomalyCategory.TIMEOUT,
            message="c",
            workflow="weekly",
        ),
    }


def test_record_and_get(ops_db: Any) -> None:
    rec = AnomalyRecorder(ops_db, "finra.otc")
    ids = _seed(rec)
    a = rec.get(ids["error"])
    assert a is not None
    assert (a.severity, a.category, a.stage) == (
        Severity.ERROR,
        AnomalyCategory.QUALITY_GATE,
        "ingest",
    )
    assert a.partition_key == WEEK
    assert a.metadata == {"null_rate": 0.35}
    assert a.execution_id == "exec-1"
    assert a.created_at is not None
    assert a.created_at.tzinfo is not None
    assert not a.is_resolved
    assert rec.get(ids["critical"]).workflow == "weekly"  # type: ignore[union-attr]
    assert AnomalyRecorder(ops_db, "other").get(ids["error"]) is None


def test_list_unresolved_filters(ops_db: Any) -> None:
    rec = AnomalyRecorder(ops_db, "finra.otc")
    ids = _seed(rec)
    AnomalyRecorder(ops_db, "other").record(
        severity=Severity.CRITICAL, category=AnomalyCategory.NETWORK, message="x"
    )
    assert {a.id for a in rec.list_unresolved()} == set(ids.values())
    assert [a.id for a in rec.list_unresolved(severity=Severity.WARN)] == [ids["warn"]]
    assert {a.id for a in rec.list_unresolved(min_severity=Severity.ERROR)} == {
        ids["error"],
        ids["critical"],
    }
    assert {a.id for a in rec.list_unresolved(stage="ingest")} == {ids["warn"], ids["error"]}
    assert {a.id for a in rec.list_unresolved(partition_key={"week_ending": "2025-12-26"})} == {
        ids["warn"],
        ids["error"],
    }
    assert [a.id for a in rec.list_unresolved(category="TIMEOUT")] == [ids["critical"]]
    newest = rec.list_unresolved(limit=1)
    assert [a.id for a in newest] == [ids["critical"]]
    assert rec.count_unresolved(min_severity=Severity.WARN) == 3


def test_resolve(ops_db: Any) -> None:
    rec = AnomalyRecorder(ops_db, "finra.otc")
    ids = _seed(rec)
    assert rec.resolve(ids["error"], "Fixed in re-run abc123") is True
    assert rec.resolve(ids["error"], "again") is False  # first resolution kept
    a = rec.get(ids["error"])
    assert a is not None
    assert a.is_resolved
    assert a.resolution_note == "Fixed in re-run abc123"
    assert ids["error"] not in {x.id for x in rec.list_unresolved()}


def test_unknown_id_and_bad_values_are_typed_errors(ops_db: Any) -> None:
    rec = AnomalyRecorder(ops_db, "finra.otc")
    with pytest.raises(NotFoundError):
        rec.resolve("01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope")
    other = AnomalyRecorder(ops_db, "other").record(
        severity=Severity.INFO, category=AnomalyCategory.UNKNOWN, message="x"
    )
    with pytest.raises(NotFoundError):
        rec.resolve(other)  # ids are scoped to the recorder's domain
    with pytest.raises(ValidationError):
        rec.record(severity="LOUD", category=AnomalyCategory.UNKNOWN, message="x")
    with pytest.raises(ValidationError):
        rec.record(severity=Severity.INFO, category="NOPE", message="x")
    with pytest.raises(ValidationError):
        rec.record(severity=Severity.INFO, category=AnomalyCategory.UNKNOWN, message=" ")
    with pytest.raises(ValidationError):
        rec.record(
            severity=Severity.INFO,
            category=AnomalyCategory.UNKNOWN,
            message="x",
            partition_key=["w"],
        )  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        rec.list_unresolved(min_severity="LOUD")
    assert rec.list_unresolved() == []
