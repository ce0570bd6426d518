"""Rolling windows over periods (weeks, days, ...) and simple trend classification.

A :class:`RollingWindow` walks ``size`` periods back from an ``as_of`` period with a
``step_back`` function, fetches a value for each period and hands the present ones to an
aggregate function. The result says how complete the window was, so a 6-week average built
from 5 weeks is never mistaken for a full one.

Example:
    >>> window = RollingWindow(size=3, step_back=lambda n: n - 1)
    >>> window.get_window(10)
    [8, 9, 10]
    >>> data = {8: 100.0, 10: 150.0}
    >>> r = window.compute(10, data.get, lambda xs: {"avg": sum(v for _, v in xs) / len(xs)})
    >>> r.aggregates, r.periods_present, r.periods_total, r.is_complete
    ({'avg': 125.0}, 2, 3, False)
    >>> compute_trend([100.0, 104.0, 112.0], threshold=0.05)
    <TrendDirection.UP: 'UP'>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from spine.types import ValidationError

__all__ = ["RollingResult", "RollingWindow", "TrendDirection", "compute_trend"]

P = TypeVar("P")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class RollingResult(Generic[P]):
    """Outcome of :meth:`RollingWindow.compute`.

    Attributes:
        aggregates: What ``aggregate_fn`` returned (``{}`` when no period had data).
        periods_present: Periods for which ``fetch_fn`` returned a value.
        periods_total: Window size.
        is_complete: ``periods_present == periods_total``.
        periods: The window, oldest first.
        missing: Periods without data, oldest first.
    """

    aggregates: Mapping[str, Any]
    periods_present: int
    periods_total: int
    is_complete: bool
    periods: tuple[P, ...] = field(default=())
    missing: tuple[P, ...] = field(default=())

    @property
    def coverage(self) -> float:
        """Fraction of periods present, 0.0-1.0."""
        return self.periods_present / self.periods_total if self.periods_total else 0.0


class RollingWindow(Generic[P]):
    """A window of ``size`` periods ending at (and including) ``as_of``.

    Args:
        size: Number of periods, >= 1.
        step_back: Returns the period before the one given (``lambda w: w.previous()`` for
            ``WeekEnding``).

    Raises:
        ValidationError: ``size`` < 1.
    """

    __slots__ = ("size", "step_back")

    def __init__(self, size: int, step_back: Callable[[P], P]) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValidationError(f"window size must be an int >= 1, got {size!r}")
        self.size = size
        self.step_back = step_back

    def get_window(self, as_of: P) -> list[P]:
        """The ``size`` periods ending at ``as_of``, oldest first."""
        periods = [as_of]
        current = as_of
        for _ in range(self.size - 1):
            current = self.step_back(current)
            periods.append(current)
        periods.reverse()
        return periods

    def compute(
        self,
        as_of: P,
        fetch_fn: Callable[[P], V | None],
        aggregate_fn: Callable[[list[tuple[P, V]]], Mapping[str, Any]],
        *,
        min_periods: int = 1,
    ) -> RollingResult[P]:
        """Fetch each period's value and aggregate the present ones.

        Args:
            as_of: Last period of the window.
            fetch_fn: Value for a period, or ``None`` when the period has no data.
            aggregate_fn: Called with ``[(period, value), ...]`` (oldest first, present only).
            min_periods: ``aggregate_fn`` is skipped (aggregates ``{}``) when fewer periods
                are present.
        """
        periods = self.get_window(as_of)
        present: list[tuple[P, V]] = []
        missing: list[P] = []
        for period in periods:
            value = fetch_fn(period)
            if value is None:
                missing.append(period)
            else:
                present.append((period, value))
        aggregates: Mapping[str, Any] = (
            dict(aggregate_fn(present)) if present and len(present) >= min_periods else {}
        )
        return RollingResult(
            aggregates=aggregates,
            periods_present=len(present),
            periods_total=self.size,
            is_complete=len(present) == self.size,
            periods=tuple(periods),
            missing=tuple(missing),
        )

    def __repr__(self) -> str:
        return f"RollingWindow(size={self.size})"


class TrendDirection(StrEnum):
    """Direction of a series from its first to its last value."""

    UP = "UP"
    DOWN = "DOWN"
    FLAT = "FLAT"


def compute_trend(values: Sequence[float], threshold: float = 0.05) -> TrendDirection:
    """Classify a series by the relative change from its first to its last value.

    A change above ``threshold`` (a fraction: 0.05 = 5%) is UP, below ``-threshold`` is DOWN,
    anything else FLAT. Fewer than two values is FLAT. From a zero start, any rise is UP and
    any fall DOWN.

    Example:
        >>> compute_trend([100, 98, 90], threshold=0.05)
        <TrendDirection.DOWN: 'DOWN'>
        >>> compute_trend([100, 102], threshold=0.05)
        <TrendDirection.FLAT: 'FLAT'>
    """
    if threshold < 0:
        raise ValidationError(f"threshold must be >= 0, got {threshold!r}")
    if len(values) < 2:
        return TrendDirection.FLAT
    first, last = float(values[0]), float(values[-1])
    if first == 0.0:
        if last > 0:
            return TrendDirection.UP
        return TrendDirection.DOWN if last < 0 else TrendDirection.FLAT
    change = (last - first) / abs(first)
    if change > threshold:
        return TrendDirection.UP
    if change < -threshold:
        return TrendDirection.DOWN
    return TrendDirection.FLAT
