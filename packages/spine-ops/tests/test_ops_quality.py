"""Quality framework and stock checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest

from spine.db import SpineConnection
from spine.ops import (
    QualityCategory,
    QualityCheck,
    QualityGateError,
    QualityResult,
    QualityRunner,
    QualityStatus,
    null_rate_check,
    row_count_check,
    sum_to_check,
    uniqueness_check,
    value_range_check,
)
from spine.types import ErrorCategory, ValidationError


def _run(check: QualityCheck, rows: list[dict[str, Any]]) -> QualityResult:
    return check.run({"rows": rows})


def test_null_rate_bands() -> None:
    rows = [{"v": 1}, {"v": None}, {"v": math.nan}, {"v": 4}]
    assert _run(null_rate_check("v", max_rate=0.5), rows).status is QualityStatus.PASS
    assert _run(null_rate_check("v", max_rate=0.4), rows).status is QualityStatus.FAIL
    warn = _run(null_rate_check("v", max_rate=0.6, warn_rate=0.25), rows)
    assert warn.status is QualityStatus.WARN
    assert warn.actual_value == 0.5
    assert warn.details == {"rows": 4, "nulls": 2}
    assert _run(null_rate_check("v", max_rate=0.0), []).status is QualityStatus.PASS
    assert _run(null_rate_check("missing", max_rate=0.9), rows).status is QualityStatus.FAIL
    with pytest.raises(ValidationError):
        null_rate_check("v", max_rate=1.5)
    with pytest.raises(ValidationError):
        null_rate_check("v", max_rate=0.1, warn_rate=0.2)


def test_row_count_bounds() -> None:
    rows = [{}] * 5
    assert _run(row_count_check(min_rows=5, max_rows=5), rows).passed
    assert _run(row_count_check(min_rows=6), rows).failed
    assert _run(row_count_check(max_rows=4), rows).failed
    assert _run(row_count_check(min_rows=6), rows).actual_value == 5
    with pytest.raises(ValidationError):
        row_count_check()
    with pytest.raises(ValidationError):
        row_count_check(min_rows=3, max_rows=2)


def test_uniqueness_over_several_columns() -> None:
    rows = [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "x"}, {"a": 1, "b": "x"}]
    assert _run(uniqueness_check(["a", "b"]), rows[:2]).passed
    res = _run(uniqueness_check(["a", "b"]), rows)
    assert res.failed
    assert res.actual_value == 2
    assert res.details == {"duplicate_keys": 1, "sample": [{"key": [1, "x"], "count": 3}]}
    with pytest.raises(ValidationError):
        uniqueness_check("a")
    with pytest.raises(ValidationError):
        uniqueness_check([])


def test_value_range() -> None:
    check = value_range_check("p", 0, 100)
    assert _run(check, [{"p": 0}, {"p": 100}, {"p": Decimal("50.5")}, {"p": None}]).passed
    bad = _run(check, [{"p": -1}, {"p": 101}, {"p": "12"}, {"p": True}, {"p": 5}])
    assert bad.failed
    assert bad.actual_value == 4
    assert [s["index"] for s in bad.details["sample"]] == [0, 1, 2, 3]  # type: ignore[index]
    assert _run(value_range_check("p", 0, allow_null=False), [{"p": None}]).failed
    assert _run(value_range_check("p", max_value=1), [{"p": 0.5}]).passed
    with pytest.raises(ValidationError):
        value_range_check("p")
    with pytest.raises(ValidationError):
        value_range_check("p", 2, 1)


def test_sum_to_with_tolerance_and_groups() -> None:
    rows = [
        {"g": "A", "s": 60.0},
        {"g": "A", "s": 40.004},
        {"g": "B", "s": 50.0},
        {"g": "B", "s": 49.0},
        {"g": "B", "s": None},
    ]
    assert _run(sum_to_check("s", 100.0, 0.01), rows[:2]).passed
    assert _run(sum_to_check("s", 100.0, 0.001), rows[:2]).failed
    grouped = _run(sum_to_check("s", 100.0, 0.01, group_by=["g"]), rows)
    assert grouped.failed
    assert grouped.details == {"groups_off": 1, "sample": [{"group": ["B"], "sum": 99.0}]}
    assert _run(sum_to_check("s", 100.0), []).failed  # nothing sums to 100
    with pytest.raises(ValidationError):
        sum_to_check("s", tolerance=-1)


@pytest.mark.parametrize("context", [{}, {"rows": "abc"}, {"rows": [1, 2]}, {"rows": 5}])
def test_stock_checks_fail_on_a_malformed_context(context: Mapping[str, Any]) -> None:
    assert row_count_check(min_rows=0).run(context).failed


def test_check_returning_garbage_is_a_fail() -> None:
    check = QualityCheck("bad", QualityCategory.VALIDITY, lambda ctx: "ok")  # type: ignore[arg-type,return-value]
    res = check.run({})
    assert res.failed
    assert "str" in res.message


def test_check_definitions_are_validated(memory_db_factory: Callable[[], SpineConnection]) -> None:
    with pytest.raises(ValidationError):
        QualityCheck("", QualityCategory.VALIDITY, lambda ctx: QualityResult(QualityStatus.PASS))
    with pytest.raises(ValueError, match="NOPE"):
        QualityCheck("x", "NOPE", lambda ctx: QualityResult(QualityStatus.PASS))  # type: ignore[arg-type]
    runner = QualityRunner(memory_db_factory(), "otc")
    runner.add(row_count_check(min_rows=0))
    with pytest.raises(ValidationError):
        runner.add(row_count_check(min_rows=1))  # same name
    with pytest.raises(ValidationError):
        runner.add("not a check")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        QualityRunner(memory_db_factory(), "")


def test_runner_without_persistence_writes_nothing(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    runner = QualityRunner(conn, "otc", persist=False).add(row_count_check(min_rows=1))
    runner.run_all({"rows": []}, {"w": 1})
    assert runner.failures() == ["row_count"]
    assert conn.execute("SELECT COUNT(*) FROM core_quality").fetchone() == (0,)


def test_gate_error_is_a_typed_spine_error_with_context(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    runner = QualityRunner(memory_db_factory(), "otc", execution_id="e1")
    runner.add(row_count_check(min_rows=2)).add(uniqueness_check(["k"]))
    results = runner.run_all({"rows": [{"k": 1}]}, {"w": 1})
    assert set(results) == {"row_count", "unique:k"}
    assert runner.has_failures()
    with pytest.raises(QualityGateError) as err:
        runner.gate()
    e = err.value
    assert e.failures == ("row_count",)
    assert e.category is ErrorCategory.VALIDATION
    assert not e.retryable
    assert e.context.metadata["domain"] == "otc"
    assert "row_count" in e.context.metadata["messages"]
    assert runner.results["unique:k"].passed
