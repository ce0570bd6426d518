"""Contract: QualityRunner persists results and gates on every backend."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from spine.ops import (
    QualityCategory,
    QualityCheck,
    QualityGateError,
    QualityResult,
    QualityRunner,
    QualityStatus,
    null_rate_check,
    row_count_check,
    run_gate,
    sum_to_check,
    uniqueness_check,
)
from spine.types import SpineError, ValidationError

WEEK = {"week_ending": "2025-12-26"}
ROWS = [
    {"symbol": "AAPL", "share": 60.0, "venue": "X"},
    {"symbol": "MSFT", "share": 40.0, "venue": None},
]


def _stored(db: Any) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in db.execute(
            "SELECT check_name, category, status, message, actual_json, details_json, "
            "execution_id, partition_key FROM core_quality ORDER BY check_name"
        ).fetchall()
    ]


def _boom(_: Mapping[str, Any]) -> QualityResult:
    raise RuntimeError("lookup table missing")


def test_results_are_persisted_with_partition_and_execution(ops_db: Any) -> None:
    runner = QualityRunner(ops_db, "otc", execution_id="exec-1")
    runner.add(uniqueness_check(["symbol"])).add(sum_to_check("share", 100.0, 0.01))
    results = runner.run_all({"rows": ROWS}, WEEK)
    assert {n: r.status for n, r in results.items()} == {
        "unique:symbol": QualityStatus.PASS,
        "sum_to:share": QualityStatus.PASS,
    }
    stored = _stored(ops_db)
    assert [(s[0], s[1], s[2]) for s in stored] == [
        ("sum_to:share", "business_rule", "pass"),
        ("unique:symbol", "integrity", "pass"),
    ]
    assert all(s[6] == "exec-1" for s in stored)
    assert all(json.loads(s[7]) == WEEK for s in stored)
    assert json.loads(stored[0][4]) == pytest.approx(100.0)


def test_raising_check_is_a_fail_and_others_still_run(ops_db: Any) -> None:
    runner = QualityRunner(ops_db, "otc", exec_id="exec-2")
    runner.add(QualityCheck("broken", QualityCategory.CONSISTENCY, _boom))
    runner.add(null_rate_check("venue", max_rate=0.6))
    runner.add(row_count_check(min_rows=5))
    results = runner.run_all({"rows": ROWS}, WEEK)
    assert results["broken"].status is QualityStatus.FAIL
    assert "RuntimeError" in results["broken"].message
    assert results["null_rate:venue"].status is QualityStatus.PASS
    assert results["row_count"].status is QualityStatus.FAIL
    assert runner.failures() == ["broken", "row_count"]
    stored = {s[0]: s for s in _stored(ops_db)}
    assert stored["broken"][2] == "fail"
    assert json.loads(stored["broken"][5])["error_type"] == "RuntimeError"
    assert stored["broken"][6] == "exec-2"
    with pytest.raises(QualityGateError) as err:
        runner.gate()
    assert err.value.failures == ("broken", "row_count")
    assert isinstance(err.value, SpineError)


def test_gate_passes_warnings_unless_asked(ops_db: Any) -> None:
    runner = QualityRunner(ops_db, "otc")
    runner.add(null_rate_check("venue", max_rate=0.9, warn_rate=0.1))
    runner.run_gate({"rows": ROWS}, WEEK)  # a WARN does not block
    assert runner.warnings() == ["null_rate:venue"]
    with pytest.raises(QualityGateError):
        runner.gate(fail_on_warn=True)


def test_run_gate_function_blocks_and_persists(ops_db: Any) -> None:
    with pytest.raises(QualityGateError):
        run_gate(ops_db, "otc", [row_count_check(min_rows=1)], {"rows": []}, WEEK)
    assert [s[2] for s in _stored(ops_db)] == ["fail"]


def test_bad_partition_key_runs_nothing(ops_db: Any) -> None:
    runner = QualityRunner(ops_db, "otc").add(row_count_check(min_rows=0))
    with pytest.raises(ValidationError):
        runner.run_all({"rows": []}, "week=1")  # type: ignore[arg-type]
    assert _stored(ops_db) == []


def test_a_gate_error_says_what_failed_with_a_sample(ops_db: Any) -> None:
    runner = QualityRunner(ops_db, "otc", execution_id="exec-1")
    dup = [{"symbol": "AAPL", "share": 50.0}, {"symbol": "AAPL", "share": 50.0}]
    runner.add(uniqueness_check(["symbol"])).add(row_count_check(min_rows=5))
    runner.run_all({"rows": dup}, WEEK)
    with pytest.raises(QualityGateError) as err:
        runner.gate()
    e = err.value
    assert e.failures == ("unique:symbol", "row_count")
    assert e.messages["unique:symbol"] == "1 duplicate keys on (symbol), 1 extra rows"
    assert e.samples["unique:symbol"] == [{"key": ["AAPL"], "count": 2}]
    assert e.samples["row_count"]["actual"] == 2
    text = str(e)
    assert "unique:symbol: 1 duplicate keys on (symbol), 1 extra rows" in text
    assert "'AAPL'" in text  # the sample is printed, not only the check's name
    assert "row_count: 2 rows < min 5" in text
    assert e.context.metadata["samples"]["unique:symbol"] == [{"key": ["AAPL"], "count": 2}]


def test_a_gate_error_sample_is_short_even_for_many_bad_rows(ops_db: Any) -> None:
    rows = [{"symbol": "AAPL"} for _ in range(1000)] + [{"symbol": "X" * 500}] * 2
    with pytest.raises(QualityGateError) as err:
        run_gate(ops_db, "otc", [uniqueness_check(["symbol"])], {"rows": rows}, WEEK)
    assert len(str(err.value)) < 600
