"""Stock quality checks over a list of dict rows held in the run context.

Each factory returns a :class:`~spine.ops.quality.framework.QualityCheck` whose ``check_fn``
reads ``context[rows_key]`` (default ``"rows"``): a list of mappings. A missing or malformed
``rows`` entry makes the check raise, which the runner records as a FAIL.

Example:
    >>> rows = [{"symbol": "AAPL", "share": 60.0}, {"symbol": "MSFT", "share": 40.0}]
    >>> uniqueness_check(["symbol"]).check_fn({"rows": rows}).status.value
    'PASS'
    >>> sum_to_check("share", target=100.0, tolerance=0.01).check_fn({"rows": rows}).status.value
    'PASS'
    >>> null_rate_check("symbol", max_rate=0.0).check_fn({"rows": [{"symbol": None}]}).status.value
    'FAIL'
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from spine.ops.quality.framework import (
    QualityCategory,
    QualityCheck,
    QualityResult,
    QualityStatus,
)
from spine.types import ValidationError

__all__ = [
    "null_rate_check",
    "row_count_check",
    "sum_to_check",
    "uniqueness_check",
    "value_range_check",
]

_SAMPLE = 10


def _rows(context: Mapping[str, Any], rows_key: str) -> Sequence[Mapping[str, Any]]:
    if rows_key not in context:
        raise ValidationError(f"quality context has no {rows_key!r} entry")
    rows = context[rows_key]
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
        raise ValidationError(f"context[{rows_key!r}] must be a list of dict rows")
    for row in rows[:1]:
        if not isinstance(row, Mapping):
            raise ValidationError(f"context[{rows_key!r}] rows must be dicts")
    return rows


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def null_rate_check(
    column: str,
    max_rate: float,
    *,
    warn_rate: float | None = None,
    rows_key: str = "rows",
    name: str | None = None,
    category: QualityCategory = QualityCategory.COMPLETENESS,
) -> QualityCheck:
    """FAIL when the share of null (``None``/NaN) ``column`` values exceeds ``max_rate``.

    ``warn_rate`` (< ``max_rate``) gives a WARN band. Zero rows pass (rate 0.0).
    """
    if not 0.0 <= max_rate <= 1.0 or (warn_rate is not None and not 0.0 <= warn_rate <= max_rate):
        raise ValidationError("need 0 <= warn_rate <= max_rate <= 1")

    def check(context: Mapping[str, Any]) -> QualityResult:
        rows = _rows(context, rows_key)
        nulls = sum(1 for r in rows if _is_null(r.get(column)))
        rate = nulls / len(rows) if rows else 0.0
        details = {"rows": len(rows), "nulls": nulls}
        msg = f"null rate of {column} is {rate:.2%} (max {max_rate:.2%})"
        if rate > max_rate:
            return QualityResult(QualityStatus.FAIL, msg, rate, max_rate, details)
        if warn_rate is not None and rate > warn_rate:
            return QualityResult(QualityStatus.WARN, msg, rate, warn_rate, details)
        return QualityResult(QualityStatus.PASS, msg, rate, max_rate, details)

    return QualityCheck(name or f"null_rate:{column}", category, check)


def row_count_check(
    min_rows: int | None = None,
    max_rows: int | None = None,
    *,
    rows_key: str = "rows",
    name: str | None = None,
    category: QualityCategory = QualityCategory.COMPLETENESS,
) -> QualityCheck:
    """FAIL when the number of rows is outside ``[min_rows, max_rows]`` (bounds optional)."""
    if min_rows is None and max_rows is None:
        raise ValidationError("row_count_check needs min_rows and/or max_rows")
    if min_rows is not None and max_rows is not None and min_rows > max_rows:
        raise ValidationError(f"min_rows {min_rows} > max_rows {max_rows}")

    def check(context: Mapping[str, Any]) -> QualityResult:
        n = len(_rows(context, rows_key))
        expected = {"min": min_rows, "max": max_rows}
        if min_rows is not None and n < min_rows:
            return QualityResult(QualityStatus.FAIL, f"{n} rows < min {min_rows}", n, expected)
        if max_rows is not None and n > max_rows:
            return QualityResult(QualityStatus.FAIL, f"{n} rows > max {max_rows}", n, expected)
        return QualityResult(QualityStatus.PASS, f"{n} rows within bounds", n, expected)

    return QualityCheck(name or "row_count", category, check)


def uniqueness_check(
    columns: Sequence[str],
    *,
    rows_key: str = "rows",
    name: str | None = None,
    category: QualityCategory = QualityCategory.INTEGRITY,
) -> QualityCheck:
    """FAIL when two rows share the same values in ``columns`` (details list a sample)."""
    cols = tuple(columns)
    if not cols or isinstance(columns, str):
        raise ValidationError("uniqueness_check needs a non-empty list of column names")

    def check(context: Mapping[str, Any]) -> QualityResult:
        rows = _rows(context, rows_key)
        counts = Counter(tuple(r.get(c) for c in cols) for r in rows)
        dupes = [(k, n) for k, n in counts.items() if n > 1]
        extra = sum(n - 1 for _, n in dupes)
        if dupes:
            sample = [{"key": list(k), "count": n} for k, n in dupes[:_SAMPLE]]
            return QualityResult(
                QualityStatus.FAIL,
                f"{len(dupes)} duplicate keys on ({', '.join(cols)}), {extra} extra rows",
                extra,
                0,
                {"duplicate_keys": len(dupes), "sample": sample},
            )
        return QualityResult(QualityStatus.PASS, f"({', '.join(cols)}) unique", 0, 0)

    return QualityCheck(name or f"unique:{','.join(cols)}", category, check)


def value_range_check(
    column: str,
    min_value: float | None = None,
    max_value: float | None = None,
    *,
    allow_null: bool = True,
    rows_key: str = "rows",
    name: str | None = None,
    category: QualityCategory = QualityCategory.VALIDITY,
) -> QualityCheck:
    """FAIL when a ``column`` value is outside ``[min_value, max_value]`` (inclusive).

    Nulls pass unless ``allow_null=False``; non-numeric values fail.
    """
    if min_value is None and max_value is None:
        raise ValidationError("value_range_check needs min_value and/or max_value")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValidationError(f"min_value {min_value} > max_value {max_value}")

    def check(context: Mapping[str, Any]) -> QualityResult:
        rows = _rows(context, rows_key)
        bad: list[dict[str, Any]] = []
        bad_count = 0
        for i, r in enumerate(rows):
            v = r.get(column)
            if _is_null(v):
                ok = allow_null
            elif isinstance(v, bool) or not isinstance(v, int | float | Decimal):
                ok = False  # strings, dates, booleans are not numbers
            else:
                fv = float(v)
                ok = (min_value is None or fv >= min_value) and (
                    max_value is None or fv <= max_value
                )
            if not ok:
                bad_count += 1
                if len(bad) < _SAMPLE:
                    bad.append({"index": i, "value": v})
        expected = {"min": min_value, "max": max_value}
        if bad_count:
            return QualityResult(
                QualityStatus.FAIL,
                f"{bad_count} {column} values out of range",
                bad_count,
                expected,
                {"sample": bad},
            )
        return QualityResult(QualityStatus.PASS, f"all {column} values in range", 0, expected)

    return QualityCheck(name or f"range:{column}", category, check)


def sum_to_check(
    column: str,
    target: float = 100.0,
    tolerance: float = 0.01,
    *,
    group_by: Sequence[str] | None = None,
    rows_key: str = "rows",
    name: str | None = None,
    category: QualityCategory = QualityCategory.BUSINESS_RULE,
) -> QualityCheck:
    """FAIL when ``sum(column)`` (per ``group_by`` group) is further than ``tolerance`` from
    ``target`` (market shares summing to 100%). Nulls count as 0."""
    if tolerance < 0:
        raise ValidationError("tolerance must be >= 0")
    groups_cols = tuple(group_by or ())

    def check(context: Mapping[str, Any]) -> QualityResult:
        rows = _rows(context, rows_key)
        sums: dict[tuple[Any, ...], float] = defaultdict(float)
        for r in rows:
            v: Any = r.get(column)
            sums[tuple(r.get(c) for c in groups_cols)] += 0.0 if _is_null(v) else float(v)
        if not rows:
            sums[()] = 0.0
        off = {k: s for k, s in sums.items() if abs(s - target) > tolerance}
        if off:
            sample = [{"group": list(k), "sum": s} for k, s in list(off.items())[:_SAMPLE]]
            worst = max(off.values(), key=lambda s: abs(s - target))
            return QualityResult(
                QualityStatus.FAIL,
                f"{len(off)} group(s) sum off {target} by more than {tolerance}",
                worst,
                target,
                {"groups_off": len(off), "sample": sample},
            )
        actual = next(iter(sums.values())) if len(sums) == 1 else len(sums)
        return QualityResult(
            QualityStatus.PASS, f"sum of {column} within {tolerance} of {target}", actual, target
        )

    return QualityCheck(name or f"sum_to:{column}", category, check)
