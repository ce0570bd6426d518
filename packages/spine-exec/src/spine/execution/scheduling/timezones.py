"""IANA time zones, and how wall-clock fire times become instants across DST changes.

A cron schedule names *wall-clock* times ("Friday 18:00 in America/New_York"). Twice a year
some wall-clock times do not exist or exist twice; this module decides, once for every
schedule, what happens then:

* **Nonexistent** (spring forward, e.g. 02:30 on 2025-03-09 in New York): the fire happens
  at the first instant after the gap (03:00 EDT). Several fire times inside one gap (a
  ``*/15`` schedule) become that one fire. A daily job is never silently dropped.
* **Ambiguous** (fall back, e.g. 01:30 on 2025-11-02 in New York happens at 05:30 and at
  06:30 UTC): a schedule with fixed hours fires **once, at the first occurrence** (01:30
  EDT). A schedule whose hour field is ``*`` (every hour, every 15 minutes...) fires on
  **both** passes, so it keeps firing at its elapsed-time pace through the repeated hour.

These are the rules Vixie cron, cronie and Dagster follow. Instants are always UTC.

Example:
    >>> from datetime import datetime
    >>> ny = resolve_timezone("America/New_York")
    >>> wall_kind(datetime(2025, 3, 9, 2, 30), ny), wall_kind(datetime(2025, 11, 2, 1, 30), ny)
    ('nonexistent', 'ambiguous')
    >>> [t.isoformat() for t in resolve_wall_times([datetime(2025, 3, 9, 2, 30)], ny)]
    ['2025-03-09T07:00:00+00:00']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spine.execution.scheduling.errors import InvalidScheduleError

__all__ = ["resolve_timezone", "resolve_wall_times", "transition_near", "wall_kind"]

_ONE_SECOND = timedelta(seconds=1)
# Wider than any DST shift on record (2h double summer time) plus the repeated hour.
DST_MARGIN = timedelta(hours=3)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def resolve_timezone(name: object, *, schedule: str | None = None) -> ZoneInfo:
    """The :class:`~zoneinfo.ZoneInfo` for an IANA name (``"America/New_York"``, ``"UTC"``).

    Raises:
        InvalidScheduleError: (field ``timezone``) not a known IANA zone.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidScheduleError(
            "timezone",
            f"must be an IANA time zone name such as 'America/New_York', got {name!r}",
            schedule=schedule,
        )
    try:
        return _zone(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidScheduleError(
            "timezone",
            f"unknown time zone {name!r}; use an IANA name such as 'America/New_York', "
            "'Europe/London' or 'UTC'",
            schedule=schedule,
        ) from None


def _is_utc(tz: tzinfo) -> bool:
    return tz is UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC", "Etc/GMT", "GMT")


def wall_kind(wall: datetime, tz: tzinfo) -> str:
    """``"normal"``, ``"nonexistent"`` (in a spring-forward gap) or ``"ambiguous"`` (in a
    fall-back fold) for a naive wall-clock time in ``tz``."""
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return "normal"
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "nonexistent" if back != wall else "ambiguous"


def _gap_end(wall: datetime, tz: tzinfo) -> datetime:
    """The UTC instant a spring-forward gap containing ``wall`` ends (the transition)."""
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # post-transition offset: earlier
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # pre-transition offset: later
    if low > high:
        low, high = high, low
    # Smallest instant whose local time is past ``wall``: local time jumps there.
    while high - low > _ONE_SECOND:
        mid = low + (high - low) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(tz).replace(tzinfo=None) > wall:
            high = mid
        else:
            low = mid
    return high


def transition_near(instant: datetime, tz: tzinfo, margin: timedelta = DST_MARGIN) -> bool:
    """Whether ``tz`` changes its UTC offset within ``margin`` of ``instant``."""
    if _is_utc(tz):
        return False
    offsets = {(instant + d).astimezone(tz).utcoffset() for d in (-margin, timedelta(0), margin)}
    return len(offsets) > 1


def resolve_wall_times(
    walls: Iterable[datetime], tz: tzinfo, *, both_folds: bool = False
) -> Iterator[datetime]:
    """Turn ascending naive wall-clock times in ``tz`` into ascending UTC instants, applying
    the module's DST rules (a nonexistent time fires at the end of its gap; an ambiguous one
    fires at its first occurrence, and also at its second when ``both_folds``). Instants that
    coincide are produced once."""
    last: datetime | None = None
    second_pass: list[datetime] = []  # fold=1 instants of the current ambiguous run
    if _is_utc(tz):
        for wall in walls:
            yield wall.replace(tzinfo=UTC)
        return
    for wall in walls:
        kind = wall_kind(wall, tz)
        if kind == "ambiguous":
            instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
            if both_folds:
                second_pass.append(wall.replace(tzinfo=tz, fold=1).astimezone(UTC))
        else:
            if second_pass:
                for repeat in second_pass:
                    if last is None or repeat > last:
                        last = repeat
                        yield repeat
                second_pass = []
            if kind == "nonexistent":
                instant = _gap_end(wall, tz)
            else:
                instant = wall.replace(tzinfo=tz).astimezone(UTC)
        if last is None or instant > last:
            last = instant
            yield instant
    for repeat in second_pass:
        if last is None or repeat > last:
            last = repeat
            yield repeat
