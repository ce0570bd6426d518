"""When a schedule fires: :class:`CronTrigger` (wall-clock, via croniter) and
:class:`IntervalTrigger` (elapsed time).

A trigger answers one question, "which instants after ``t``?", as an ascending iterator of
UTC instants. Cron triggers iterate wall-clock times in the schedule's time zone with
croniter and resolve them with :mod:`spine.execution.scheduling.timezones` (DST rules
there). Interval triggers count elapsed time from an anchor, so DST never moves them: use
cron for "every day at 18:00 local", an interval for "every 15 minutes".

Example:
    >>> from datetime import datetime, timezone
    >>> t = CronTrigger("0 18 * * FRI", "America/New_York")
    >>> [f.isoformat() for f in t.fires_after(datetime(2025, 3, 1, tzinfo=timezone.utc), 2)]
    ['2025-03-07T23:00:00+00:00', '2025-03-14T22:00:00+00:00']
    >>> CronTrigger("0 18 * * FRYDAY")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.execution.scheduling.errors.InvalidScheduleError: cron: day-of-week field 'FRYDAY' ...
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, CroniterError, croniter

from spine.execution.scheduling.errors import InvalidScheduleError
from spine.execution.scheduling.timezones import (
    DST_MARGIN,
    resolve_timezone,
    resolve_wall_times,
    transition_near,
)

__all__ = ["CRON_ALIASES", "CronTrigger", "IntervalTrigger", "Trigger", "normalize_cron"]

CRON_ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
"""The ``@`` shortcuts accepted for a cron expression (``@reboot`` is not a schedule)."""

_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_PROBE_START = datetime(2001, 1, 1)
_MAX_PREV_STEPS = 100_000


def normalize_cron(expression: object, *, schedule: str | None = None) -> str:
    """A validated 5-field cron expression (aliases expanded, whitespace collapsed).

    Raises:
        InvalidScheduleError: (field ``cron``) not 5 fields, a field out of range or
            malformed (the message names which), or an expression that can never fire
            (``0 0 30 2 *``).
    """
    if not isinstance(expression, str) or not expression.strip():
        raise InvalidScheduleError(
            "cron",
            f"must be a cron expression such as '0 18 * * FRI', got {expression!r}",
            schedule=schedule,
        )
    text = " ".join(expression.split())
    text = CRON_ALIASES.get(text.lower(), text)
    parts = text.split(" ")
    if len(parts) != 5:
        raise InvalidScheduleError(
            "cron",
            f"{expression!r} has {len(parts)} field(s); expected 5 "
            "(minute hour day-of-month month day-of-week) or one of "
            + ", ".join(sorted(CRON_ALIASES)),
            schedule=schedule,
        )
    for index, part in enumerate(parts):
        probe = ["*"] * 5
        probe[index] = part
        if not croniter.is_valid(" ".join(probe)):
            raise InvalidScheduleError(
                "cron",
                f"{_FIELDS[index]} field {part!r} is not valid in {expression!r}",
                schedule=schedule,
            )
    try:
        croniter(text, _PROBE_START).get_next(datetime)
    except CroniterBadDateError:
        raise InvalidScheduleError(
            "cron", f"{expression!r} never fires (no date matches it)", schedule=schedule
        ) from None
    except (CroniterError, ValueError) as exc:
        raise InvalidScheduleError("cron", f"{expression!r}: {exc}", schedule=schedule) from None
    return text


@runtime_checkable
class Trigger(Protocol):
    """A rule producing fire instants."""

    def fires_after(self, after: datetime, limit: int | None = None) -> Iterator[datetime]:
        """Ascending UTC instants strictly after ``after`` (at most ``limit``)."""
        ...

    def window_start(self, upto: datetime, count: int) -> datetime:
        """An instant before which at most the fires earlier than the last ``count`` fires at
        or before ``upto`` lie: iterating from it reaches those ``count`` fires quickly."""
        ...

    def describe(self) -> str:
        """Human-readable summary."""
        ...


class CronTrigger:
    """A 5-field cron expression evaluated in an IANA time zone.

    Args:
        expression: ``"0 18 * * FRI"``, ``"*/15 9-17 * * MON-FRI"``, ``"@daily"``...
        timezone: IANA zone name (default ``"UTC"``).

    Raises:
        InvalidScheduleError: invalid expression (field ``cron``) or zone (``timezone``).
    """

    __slots__ = ("_both_folds", "_memo", "_proto", "_tz", "expression", "timezone")

    def __init__(
        self, expression: str, timezone: str = "UTC", *, schedule: str | None = None
    ) -> None:
        self.expression = normalize_cron(expression, schedule=schedule)
        self._tz: ZoneInfo = resolve_timezone(timezone, schedule=schedule)
        self.timezone = self._tz.key
        hour = self.expression.split(" ")[1]
        self._both_folds = hour in ("*", "*/1")
        # Parsing an expression costs far more than stepping it: iterators are copies of
        # this parsed prototype (the parsed fields are shared, read-only).
        self._proto = croniter(self.expression, _PROBE_START)
        # "next fire after t" for recently asked t: a scheduler asks for the fire after its
        # cursor, which is the fire it computed on the previous tick.
        self._memo: dict[datetime, datetime] = {}

    def _iterator(self, wall: datetime) -> croniter:
        it = copy.copy(self._proto)
        it.set_current(wall, force=True)
        return it

    def _walls_from(self, wall: datetime) -> Iterator[datetime]:
        it = self._iterator(wall)
        while True:
            yield it.get_next(datetime)

    def fires_after(self, after: datetime, limit: int | None = None) -> Iterator[datetime]:
        """Fire instants (UTC) strictly after ``after``, ascending."""
        later = self._memoized(after.astimezone(UTC))
        return later if limit is None else itertools.islice(later, limit)

    def _memoized(self, after: datetime) -> Iterator[datetime]:
        memo = self._memo
        while (known := memo.get(after)) is not None:
            yield known
            after = known
        if len(memo) > 1024:
            memo.clear()
        for instant in self._compute(after):
            memo[after] = instant
            yield instant
            after = instant

    def _compute(self, after: datetime) -> Iterator[datetime]:
        start = after - DST_MARGIN if transition_near(after, self._tz) else after
        wall = start.astimezone(self._tz).replace(tzinfo=None)
        instants = resolve_wall_times(self._walls_from(wall), self._tz, both_folds=self._both_folds)
        return (t for t in instants if t > after)

    def window_start(self, upto: datetime, count: int) -> datetime:
        """An instant from which iterating reaches the last ``count`` fires at or before
        ``upto`` (walks croniter backwards in wall time, with a DST margin)."""
        upto = upto.astimezone(UTC)
        wall = (upto + timedelta(seconds=1)).astimezone(self._tz).replace(tzinfo=None)
        it = self._iterator(wall)
        earliest = wall
        for _ in range(max(1, count)):
            earliest = it.get_prev(datetime)
        local = earliest.replace(tzinfo=self._tz).astimezone(UTC)
        return local - DST_MARGIN

    def describe(self) -> str:
        """``cron '0 18 * * FRI' in America/New_York``."""
        return f"cron {self.expression!r} in {self.timezone}"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CronTrigger)
            and other.expression == self.expression
            and other.timezone == self.timezone
        )

    def __hash__(self) -> int:
        return hash((self.expression, self.timezone))

    def __repr__(self) -> str:
        return f"CronTrigger({self.expression!r}, {self.timezone!r})"


def _whole_seconds(value: object, *, schedule: str | None) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, timedelta | int | float):
        raise InvalidScheduleError(
            "interval",
            f"must be a timedelta or a number of seconds, got {type(value).__name__}",
            schedule=schedule,
        )
    delta = value if isinstance(value, timedelta) else timedelta(seconds=value)
    if delta < timedelta(seconds=1) or delta.microseconds:
        raise InvalidScheduleError(
            "interval", f"must be a whole number of seconds >= 1, got {delta}", schedule=schedule
        )
    return delta


class IntervalTrigger:
    """Every ``interval`` of elapsed time, counted from ``anchor``.

    Args:
        interval: A :class:`~datetime.timedelta` or seconds (whole seconds, >= 1 s).
        anchor: An instant the fires align to (timezone-aware; default 2000-01-01 00:00 UTC,
            so ``every 15 minutes`` fires at :00, :15, :30, :45 UTC).

    Raises:
        InvalidScheduleError: (field ``interval``) not a whole number of seconds >= 1; or
            (field ``start_at``) a naive anchor.
    """

    __slots__ = ("anchor", "interval")

    def __init__(
        self,
        interval: timedelta | float,
        anchor: datetime | None = None,
        *,
        schedule: str | None = None,
    ) -> None:
        self.interval = _whole_seconds(interval, schedule=schedule)
        if anchor is None:
            anchor = datetime(2000, 1, 1, tzinfo=UTC)
        if anchor.tzinfo is None:
            raise InvalidScheduleError(
                "start_at", "must be timezone-aware (e.g. tzinfo=UTC)", schedule=schedule
            )
        self.anchor = anchor.astimezone(UTC).replace(microsecond=0)

    def _index_after(self, after: datetime) -> int:
        step = self.interval // timedelta(seconds=1)
        elapsed = (after.astimezone(UTC) - self.anchor) // timedelta(microseconds=1)
        return elapsed // (step * 1_000_000) + 1

    def fires_after(self, after: datetime, limit: int | None = None) -> Iterator[datetime]:
        """``anchor + k * interval`` for every ``k`` with a result strictly after ``after``."""
        first = self._index_after(after)
        counter: Iterator[int] = (
            itertools.count(first) if limit is None else iter(range(first, first + max(0, limit)))
        )
        return (self.anchor + k * self.interval for k in counter)

    def window_start(self, upto: datetime, count: int) -> datetime:
        """``count`` intervals before the last fire at or before ``upto``."""
        last = self._index_after(upto) - 1
        return self.anchor + (last - max(1, count)) * self.interval

    def describe(self) -> str:
        """``every 0:15:00``."""
        return f"every {self.interval}"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, IntervalTrigger)
            and other.interval == self.interval
            and other.anchor == self.anchor
        )

    def __hash__(self) -> int:
        return hash((self.interval, self.anchor))

    def __repr__(self) -> str:
        return f"IntervalTrigger({self.interval!r}, anchor={self.anchor.isoformat()!r})"
