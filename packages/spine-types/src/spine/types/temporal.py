"""``WeekEnding`` (Friday-anchored weeks) and ``DateRange`` (inclusive calendar ranges).

Weekly financial datasets (FINRA OTC transparency and friends) are keyed by the Friday that
ends the week. A :class:`WeekEnding` is always a Friday; weeks run Saturday through Friday.

Example:
    >>> week = WeekEnding("2025-12-26")
    >>> [str(w) for w in week.window(3)]
    ['2025-12-12', '2025-12-19', '2025-12-26']
    >>> WeekEnding.from_any_date(date(2025, 12, 23))
    WeekEnding('2025-12-26')
    >>> try:
    ...     WeekEnding("2025-12-25")
    ... except ValueError as exc:
    ...     print(exc)
    2025-12-25 is a Thursday, not a Friday; the nearest Friday is 2025-12-26
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Self

from spine.types.errors import ValidationError

__all__ = ["DateRange", "WeekEnding"]

FRIDAY: Final = 4
_ONE_DAY: Final = timedelta(days=1)
_ONE_WEEK: Final = timedelta(days=7)
_DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _parse_date(value: object, what: str) -> date:
    """Strict ``YYYY-MM-DD`` string or ``date`` (not ``datetime``) to ``date``."""
    if isinstance(value, datetime):
        raise ValidationError(
            f"{what} expects a date or 'YYYY-MM-DD' string, got datetime {value.isoformat()}; "
            "pass value.date() to use its calendar date"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        raise ValidationError(f"{what} expects an ISO date 'YYYY-MM-DD', got {value!r}")
    raise ValidationError(
        f"{what} expects a date or 'YYYY-MM-DD' string, got {type(value).__name__}: {value!r}"
    )


def _check_count(n: object, what: str, *, minimum: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise ValidationError(f"{what} expects an int, got {type(n).__name__}: {n!r}")
    if n < minimum:
        raise ValidationError(f"{what} expects n >= {minimum}, got {n}")
    return n


class WeekEnding:
    """An immutable, validated Friday identifying a Saturday-to-Friday week.

    Construct from a Friday given as a ``date`` or an ISO ``'YYYY-MM-DD'`` string. Anything
    else raises :class:`~spine.types.errors.ValidationError` (also a ``ValueError``):

    * a non-Friday, naming its weekday and the nearest Friday;
    * a ``datetime`` (ambiguous time zone: pass ``dt.date()``);
    * any other type, or a malformed string.

    Use :meth:`from_any_date` to snap an arbitrary day to its week's Friday.

    Instances are ordered, hashable, and ``str()`` gives the ISO date.

    Example:
        >>> w = WeekEnding(date(2025, 12, 26))
        >>> w.next(), w.previous(2)
        (WeekEnding('2026-01-02'), WeekEnding('2025-12-12'))
        >>> w.date.isoformat() == str(w)
        True
    """

    __slots__ = ("_date",)
    _date: date

    def __init__(self, value: date | str) -> None:
        d = _parse_date(value, "WeekEnding()")
        weekday = d.weekday()
        if weekday != FRIDAY:
            back = (weekday - FRIDAY) % 7
            forward = 7 - back
            nearest = d - timedelta(days=back) if back < forward else d + timedelta(days=forward)
            raise ValidationError(
                f"{d.isoformat()} is a {_DAY_NAMES[weekday]}, not a Friday; "
                f"the nearest Friday is {nearest.isoformat()}"
            )
        object.__setattr__(self, "_date", d)

    @classmethod
    def _of(cls, d: date) -> Self:
        obj = object.__new__(cls)
        object.__setattr__(obj, "_date", d)
        return obj

    # --- constructors ------------------------------------------------------------------------

    @classmethod
    def from_any_date(cls, value: date | datetime | str) -> Self:
        """The Friday ending the week that contains ``value`` (weeks run Saturday..Friday).

        Saturday and Sunday belong to the week ending the *following* Friday. A ``datetime``
        contributes its calendar date as-is (convert to the zone you mean first).

        Example:
            >>> WeekEnding.from_any_date("2025-12-27")
            WeekEnding('2026-01-02')
        """
        if isinstance(value, datetime):
            value = value.date()
        d = _parse_date(value, "WeekEnding.from_any_date()")
        return cls._of(d + timedelta(days=(FRIDAY - d.weekday()) % 7))

    @classmethod
    def today(cls) -> Self:
        """The week ending containing today's date in UTC."""
        return cls.from_any_date(datetime.now(UTC).date())

    @classmethod
    def last_n(cls, n: int) -> list[Self]:
        """The ``n`` most recent weeks up to and including :meth:`today`, oldest first."""
        return cls.today().window(n)

    @classmethod
    def range(cls, start: WeekEnding | date | str, end: WeekEnding | date | str) -> Iterator[Self]:
        """Yield every week ending from ``start`` to ``end`` inclusive, ascending.

        Both bounds must be Fridays (or ``WeekEnding``). ``start > end`` yields nothing.

        Example:
            >>> [str(w) for w in WeekEnding.range("2025-12-12", "2025-12-26")]
            ['2025-12-12', '2025-12-19', '2025-12-26']
        """
        first = start.date if isinstance(start, WeekEnding) else cls(start).date
        last = end.date if isinstance(end, WeekEnding) else cls(end).date
        return cls._iter(first, last)

    @classmethod
    def _iter(cls, first: date, last: date) -> Iterator[Self]:
        current = first
        while current <= last:
            yield cls._of(current)
            current += _ONE_WEEK

    # --- navigation --------------------------------------------------------------------------

    def previous(self, n: int = 1) -> Self:
        """The week ending ``n`` weeks earlier (``n`` may be 0 or negative)."""
        _check_count(n, "WeekEnding.previous()", minimum=-(1 << 62))
        return self._shift(-n)

    def next(self, n: int = 1) -> Self:
        """The week ending ``n`` weeks later (``n`` may be 0 or negative)."""
        _check_count(n, "WeekEnding.next()", minimum=-(1 << 62))
        return self._shift(n)

    def _shift(self, weeks: int) -> Self:
        try:
            return self._of(self._date + timedelta(weeks=weeks))
        except OverflowError:
            raise ValidationError(
                f"{self} shifted by {weeks} weeks is outside the supported date range"
            ) from None

    def window(self, n: int) -> list[Self]:
        """The ``n`` weeks ending at (and including) this one, oldest first (``n >= 1``).

        Example:
            >>> [str(w) for w in WeekEnding("2025-12-26").window(2)]
            ['2025-12-19', '2025-12-26']
        """
        _check_count(n, "WeekEnding.window()", minimum=1)
        start = self._shift(-(n - 1)).date
        return [self._of(start + timedelta(weeks=i)) for i in range(n)]

    def weeks_until(self, other: WeekEnding) -> int:
        """Number of weeks from ``self`` to ``other`` (negative if ``other`` is earlier)."""
        return (other.date - self._date).days // 7

    @property
    def week_start(self) -> date:
        """The Saturday that starts this week."""
        return self._date - timedelta(days=6)

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls in this Saturday..Friday week."""
        d = day.date() if isinstance(day, datetime) else day
        return self.week_start <= d <= self._date

    # --- conversions -------------------------------------------------------------------------

    def to_date(self) -> date:
        """The Friday as a ``datetime.date``."""
        return self._date

    def isoformat(self) -> str:
        """``'YYYY-MM-DD'``."""
        return self._date.isoformat()

    # --- value semantics ---------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("WeekEnding is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("WeekEnding is immutable")

    def __reduce__(self) -> tuple[type[WeekEnding], tuple[str]]:
        return (WeekEnding, (self._date.isoformat(),))

    def __str__(self) -> str:
        return self._date.isoformat()

    def __repr__(self) -> str:
        return f"WeekEnding('{self._date.isoformat()}')"

    def __hash__(self) -> int:
        return hash((WeekEnding, self._date))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WeekEnding):
            return self._date == other._date
        return NotImplemented

    def __lt__(self, other: WeekEnding) -> bool:
        if isinstance(other, WeekEnding):
            return self._date < other._date
        return NotImplemented

    def __le__(self, other: WeekEnding) -> bool:
        if isinstance(other, WeekEnding):
            return self._date <= other._date
        return NotImplemented

    def __gt__(self, other: WeekEnding) -> bool:
        if isinstance(other, WeekEnding):
            return self._date > other._date
        return NotImplemented

    def __ge__(self, other: WeekEnding) -> bool:
        if isinstance(other, WeekEnding):
            return self._date >= other._date
        return NotImplemented

    # Defined last: inside the class body the name ``date`` refers to this property.
    @property
    def date(self) -> date:
        """The Friday as a ``datetime.date``."""
        return self._date


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of calendar days ``[start, end]``.

    ``start`` and ``end`` must be ``date`` objects (not ``datetime``) with ``start <= end``;
    violations raise :class:`~spine.types.errors.ValidationError`. Use :meth:`parse` for
    ISO strings.

    Example:
        >>> r = DateRange(date(2025, 12, 22), date(2025, 12, 28))
        >>> len(r), date(2025, 12, 25) in r
        (7, True)
        >>> [str(w) for w in r.week_endings()]
        ['2025-12-26']
        >>> [(str(c.start), str(c.end)) for c in r.split(3)]
        [('2025-12-22', '2025-12-24'), ('2025-12-25', '2025-12-27'), ('2025-12-28', '2025-12-28')]
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        bounds: tuple[tuple[str, object], ...] = (("start", self.start), ("end", self.end))
        for name, value in bounds:
            if isinstance(value, str):
                raise ValidationError(
                    f"DateRange {name} must be a date, got str {value!r}; "
                    "use DateRange.parse() for ISO strings"
                )
            _parse_date(value, f"DateRange {name}")
        if self.start > self.end:
            raise ValidationError(
                f"DateRange start {self.start.isoformat()} is after end {self.end.isoformat()}"
            )

    @classmethod
    def parse(cls, start: str | date, end: str | date) -> DateRange:
        """Build from ISO ``'YYYY-MM-DD'`` strings or dates."""
        return cls(_parse_date(start, "DateRange start"), _parse_date(end, "DateRange end"))

    @classmethod
    def for_week(cls, week: WeekEnding) -> DateRange:
        """The Saturday..Friday days of ``week``."""
        return cls(week.week_start, week.date)

    def __len__(self) -> int:
        return (self.end - self.start).days + 1

    def __iter__(self) -> Iterator[date]:
        current = self.start
        while current <= self.end:
            yield current
            current += _ONE_DAY

    def __contains__(self, item: object) -> bool:
        if isinstance(item, datetime):
            return False
        if isinstance(item, WeekEnding):
            item = item.date
        if isinstance(item, date):
            return self.start <= item <= self.end
        return False

    def days(self) -> list[date]:
        """Every day in the range, ascending."""
        return list(self)

    def business_days(self) -> Iterator[date]:
        """Monday..Friday days in the range (no holiday calendar)."""
        return (d for d in self if d.weekday() < 5)

    def week_endings(self) -> list[WeekEnding]:
        """Every Friday in the range, as :class:`WeekEnding`, ascending."""
        first = self.start + timedelta(days=(FRIDAY - self.start.weekday()) % 7)
        return list(WeekEnding._iter(first, self.end))

    def split(self, days: int) -> list[DateRange]:
        """Consecutive chunks of at most ``days`` days covering the range (for backfills)."""
        _check_count(days, "DateRange.split()", minimum=1)
        chunks: list[DateRange] = []
        step = timedelta(days=days - 1)
        current = self.start
        while current <= self.end:
            chunk_end = min(current + step, self.end)
            chunks.append(DateRange(current, chunk_end))
            current = chunk_end + _ONE_DAY
        return chunks

    def overlaps(self, other: DateRange) -> bool:
        """Whether the two ranges share at least one day."""
        return self.start <= other.end and other.start <= self.end

    def intersection(self, other: DateRange) -> DateRange | None:
        """The shared days, or ``None`` when disjoint."""
        if not self.overlaps(other):
            return None
        return DateRange(max(self.start, other.start), min(self.end, other.end))
