"""RejectSink and AnomalyRecorder details on SQLite."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spine.db import SpineConnection
from spine.ops import (
    AnomalyCategory,
    AnomalyRecorder,
    BackfillPartitionStatus,
    BackfillStatus,
    QualityCategory,
    QualityStatus,
    Reject,
    RejectSink,
    Severity,
)
from spine.types import ValidationError


def test_severity_order_and_categories() -> None:
    assert [s.level for s in Severity] == [0, 1, 2, 3, 4]
    assert Severity.WARN.at_least() == [Severity.WARN, Severity.ERROR, Severity.CRITICAL]
    assert len(AnomalyCategory) == 10
    assert {c.value for c in AnomalyCategory} >= {"quality_gate", "network", "unknown"}


def test_stored_values_are_lower_case_and_parsed_in_any_case() -> None:
    for enum in (Severity, AnomalyCategory, QualityStatus, QualityCategory, BackfillStatus,
                 BackfillPartitionStatus):  # fmt: skip
        for member in enum:
            assert member.value == member.value.lower() == member.name.lower()
            assert enum(member.value.upper()) is member
    with pytest.raises(ValueError):
        Severity("loud")


def test_reject_validation(memory_db_factory: Callable[[], SpineConnection]) -> None:
    with pytest.raises(ValidationError):
        Reject("", "CODE")
    with pytest.raises(ValidationError):
        Reject("S", "C" * 101)
    with pytest.raises(ValidationError):
        Reject("S", "C", source_locator="x" * 1001)
    with pytest.raises(ValidationError):
        RejectSink(memory_db_factory(), "")


def test_empty_batch_and_fetch_limits(memory_db_factory: Callable[[], SpineConnection]) -> None:
    sink = RejectSink(memory_db_factory(), "otc")
    assert sink.write_batch([], {"w": 1}) == 0
    sink.write_batch([Reject("S", f"C{i}") for i in range(5)], {"w": 1})
    assert len(sink.fetch(limit=2)) == 2
    with pytest.raises(ValidationError):
        sink.fetch(limit=0)
    assert sink.fetch(execution_id="other") == []


def test_anomaly_without_partition_and_count(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    rec = AnomalyRecorder(memory_db_factory(), "otc")
    aid = rec.record(severity="WARN", category="NETWORK", message="slow source")
    a = rec.get(aid)
    assert a is not None
    assert a.partition_key is None
    assert a.metadata == {}
    assert rec.count_unresolved() == 1
    assert rec.count_unresolved(min_severity=Severity.ERROR) == 0
    with pytest.raises(ValidationError):
        rec.list_unresolved(limit=0)
