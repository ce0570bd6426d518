"""Business calendars: which local dates a schedule may fire on.

A :class:`BusinessCalendar` is plain data (a name, weekend days, holiday dates), so a
schedule that uses one can be stored and reloaded. Pass the holidays you trust (an exchange
calendar, your company's list); spine ships none, because every market and firm has its own.
A fire whose local date is not a business day is skipped (recorded as such, never run).

Example:
    >>> from datetime import date
    >>> cal = BusinessCalendar("nyse-2025", holidays=["2025-12-25", "2025-04-18"])
    >>> cal.is_business_day(date(2025, 4, 18)), cal.is_business_day(date(2025, 4, 17))
    (False, True)
    >>> cal.next_business_day(date(2025, 12, 24))
    datetime.date(2025, 12, 26)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol, runtime_checkable

from spine.execution.scheduling.errors import InvalidScheduleError

__all__ = ["BusinessCalendar", "Calendar"]

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@runtime_checkable
class Calendar(Protocol):
    """Anything that says whether a local date is a business day."""

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is a business day."""
        ...


def _day(value: object) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidScheduleError(
        "calendar.holidays", f"holidays must be dates or 'YYYY-MM-DD' strings, got {value!r}"
    )


def _weekday(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.strip().lower()[:3] in _WEEKDAYS:
        return _WEEKDAYS[value.strip().lower()[:3]]
    raise InvalidScheduleError(
        "calendar.weekend", f"weekend days are 0-6 (Monday=0) or names like 'sat', got {value!r}"
    )


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business days = not a weekend day and not a holiday.

    Args:
        name: Identifies the calendar in listings and stored schedules.
        holidays: Dates (``date`` or ``"YYYY-MM-DD"``) that are not business days.
        weekend: Weekday numbers (Monday=0) or names (``"sat"``); default Saturday, Sunday.
    """

    name: str = "business-days"
    holidays: frozenset[date] = field(default_factory=frozenset)
    weekend: frozenset[int] = frozenset({5, 6})

    def __init__(
        self,
        name: str = "business-days",
        holidays: Iterable[date | str] = (),
        weekend: Iterable[int | str] = (5, 6),
    ) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidScheduleError("calendar.name", f"must be a non-empty str, got {name!r}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "holidays", frozenset(_day(d) for d in holidays))
        days = frozenset(_weekday(d) for d in weekend)
        if len(days) == 7:
            raise InvalidScheduleError("calendar.weekend", "every day of the week is a weekend")
        object.__setattr__(self, "weekend", days)

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is neither a weekend day nor a holiday."""
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before ``day``."""
        day -= timedelta(days=1)
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def with_holidays(self, *days: date | str) -> BusinessCalendar:
        """A copy with more holidays."""
        return BusinessCalendar(self.name, [*self.holidays, *days], self.weekend)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for stored schedules)."""
        return {
            "name": self.name,
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "weekend": sorted(self.weekend),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Inverse of :meth:`to_dict`."""
        return cls(
            str(data.get("name", "business-days")),
            data.get("holidays", ()),
            data.get("weekend", (5, 6)),
        )

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self.name!r}, {len(self.holidays)} holidays, "
            f"weekend={sorted(self.weekend)})"
        )
