"""RollingWindow / RollingResult / compute_trend."""

from __future__ import annotations

import datetime as dt

import pytest

from spine.ops import RollingWindow, TrendDirection, compute_trend
from spine.types import ValidationError, WeekEnding


def _weekly() -> RollingWindow[WeekEnding]:
    return RollingWindow(size=6, step_back=lambda w: w.previous())


def test_window_is_oldest_first_and_ends_at_as_of() -> None:
    periods = _weekly().get_window(WeekEnding("2025-12-26"))
    assert [str(p) for p in periods] == [
        "2025-11-21",
        "2025-11-28",
        "2025-12-05",
        "2025-12-12",
        "2025-12-19",
        "2025-12-26",
    ]


def test_compute_skips_missing_periods_and_reports_incomplete() -> None:
    data = {"2025-11-21": 100.0, "2025-12-05": 150.0, "2025-12-26": 200.0}
    seen: list[list[str]] = []

    def aggregate(present: list[tuple[WeekEnding, float]]) -> dict[str, float]:
        seen.append([str(p) for p, _ in present])
        values = [v for _, v in present]
        return {"avg": sum(values) / len(values), "max": max(values)}

    result = _weekly().compute(WeekEnding("2025-12-26"), lambda w: data.get(str(w)), aggregate)
    assert result.aggregates == {"avg": 150.0, "max": 200.0}
    assert (result.periods_present, result.periods_total, result.is_complete) == (3, 6, False)
    assert seen == [["2025-11-21", "2025-12-05", "2025-12-26"]]
    assert [str(p) for p in result.missing] == ["2025-11-28", "2025-12-12", "2025-12-19"]
    assert result.coverage == pytest.approx(0.5)


def test_compute_complete_window() -> None:
    window = RollingWindow(size=3, step_back=lambda d: d - dt.timedelta(days=1))
    result = window.compute(
        dt.date(2025, 1, 3), lambda d: d.day, lambda xs: {"sum": sum(v for _, v in xs)}
    )
    assert result.is_complete
    assert result.aggregates == {"sum": 1 + 2 + 3}


def test_no_data_gives_empty_aggregates_without_calling_aggregate() -> None:
    def boom(_: list[tuple[int, int]]) -> dict[str, int]:
        raise AssertionError("must not be called")

    result = RollingWindow(size=2, step_back=lambda n: n - 1).compute(5, lambda _: None, boom)
    assert result.aggregates == {}
    assert result.periods_present == 0


def test_min_periods_suppresses_aggregation() -> None:
    result = RollingWindow(size=4, step_back=lambda n: n - 1).compute(
        4, lambda n: n if n == 4 else None, lambda xs: {"n": len(xs)}, min_periods=2
    )
    assert result.aggregates == {}
    assert result.periods_present == 1


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_invalid_size_is_rejected(size: object) -> None:
    with pytest.raises(ValidationError):
        RollingWindow(size=size, step_back=lambda n: n)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([100, 104, 112], TrendDirection.UP),
        ([100, 98, 90], TrendDirection.DOWN),
        ([100, 120, 102], TrendDirection.FLAT),
        ([100], TrendDirection.FLAT),
        ([], TrendDirection.FLAT),
        ([0, 5], TrendDirection.UP),
        ([0, -5], TrendDirection.DOWN),
        ([0, 0], TrendDirection.FLAT),
        ([-100, -50], TrendDirection.UP),
    ],
)
def test_compute_trend(values: list[float], expected: TrendDirection) -> None:
    assert compute_trend(values, threshold=0.05) is expected


def test_trend_threshold_boundary_is_flat() -> None:
    assert compute_trend([100, 105], threshold=0.05) is TrendDirection.FLAT
    assert compute_trend([100, 105.01], threshold=0.05) is TrendDirection.UP


def test_negative_threshold_rejected() -> None:
    with pytest.raises(ValidationError):
        compute_trend([1, 2], threshold=-0.1)
