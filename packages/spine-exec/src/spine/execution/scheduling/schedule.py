"""``Schedule``: what to submit, when, and what to do about fires that were missed.

A schedule is an immutable, validated value: its ``name``, the ``target`` it submits
through the dispatcher (a registered workflow or operation), a **cron** expression in an
IANA ``timezone`` *or* an **interval**, a params template rendered for each fire (see
:mod:`~spine.execution.scheduling.template`), an optional business calendar whose
non-business days are skipped, and a misfire policy.

Misfires: a fire is *on time* when the scheduler reaches it within ``misfire_grace`` of its
instant; later than that (the scheduler was down, paused by a long GC, or the dispatcher
was unreachable) it is *missed*, and ``misfire_policy`` decides:

============  ==================================================================
``skip``      missed fires are recorded as skipped; only on-time fires run.
``run_once``  when anything was missed, run once, for the latest due fire; the
              earlier ones are recorded as skipped (coalesced). The default.
``catch_up``  run every missed fire, oldest first, but at most ``max_catch_up``
              of the most recent ones; older ones are recorded as skipped.
============  ==================================================================

Every fire, run or skipped, is identified by ``(schedule name, fire instant)``; the
execution it submits carries :meth:`Schedule.idempotency_key`, so a fire can never run
twice, however many schedulers see it.

Example:
    >>> from datetime import datetime, timezone
    >>> s = Schedule.weekly("finra.otc.weekly", "finra.otc.ingest", weekday="mon", at="18:00",
    ...                     timezone="America/New_York", params={"week": "{last_week_ending}"})
    >>> s.cron
    '0 18 * * 1'
    >>> [f.isoformat() for f in s.next_fire_times(datetime(2025, 12, 24, tzinfo=timezone.utc), 2)]
    ['2025-12-29T23:00:00+00:00', '2026-01-05T23:00:00+00:00']
    >>> s.render_params(datetime(2025, 12, 29, 23, tzinfo=timezone.utc))
    {'week': '2025-12-26'}
    >>> s.idempotency_key(datetime(2025, 12, 29, 23, tzinfo=timezone.utc))
    'schedule:finra.otc.weekly:2025-12-29T23:00:00Z'
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from spine.execution.models import MAX_LANE, MAX_WORKFLOW
from spine.execution.scheduling.calendars import BusinessCalendar
from spine.execution.scheduling.errors import InvalidScheduleError
from spine.execution.scheduling.template import ParamsTemplate, fire_context
from spine.execution.scheduling.timezones import resolve_timezone
from spine.execution.scheduling.triggers import CronTrigger, IntervalTrigger, Trigger
from spine.execution.spec import WORK_KINDS

__all__ = ["MAX_SCHEDULE_NAME", "MisfirePolicy", "Schedule"]

MAX_SCHEDULE_NAME = 200
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
_WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# How long a calendar may skip every fire before the schedule counts as never firing again.
_MAX_SKIPPED_SPAN = timedelta(days=400)


class MisfirePolicy(StrEnum):
    """What happens to fires the scheduler reached late (see the module docstring)."""

    SKIP = "skip"
    RUN_ONCE = "run_once"
    CATCH_UP = "catch_up"


def _enum_policy(value: object, schedule: str) -> MisfirePolicy:
    try:
        return MisfirePolicy(str(value).lower().replace("-", "_"))
    except ValueError:
        valid = ", ".join(p.value for p in MisfirePolicy)
        raise InvalidScheduleError(
            "misfire_policy", f"must be one of {valid}, got {value!r}", schedule=schedule
        ) from None


def _seconds(value: object, field_name: str, schedule: str, *, minimum: float) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, timedelta | int | float):
        raise InvalidScheduleError(
            field_name, f"must be a timedelta or seconds, got {value!r}", schedule=schedule
        )
    delta = value if isinstance(value, timedelta) else timedelta(seconds=value)
    if delta.total_seconds() < minimum:
        raise InvalidScheduleError(
            field_name, f"must be at least {minimum:g}s, got {delta}", schedule=schedule
        )
    return delta


def _aware(value: object, field_name: str, schedule: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidScheduleError(
            field_name, f"must be a timezone-aware datetime, got {value!r}", schedule=schedule
        )
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """A recurring submission of ``target`` (see the module docstring).

    Args:
        name: Unique name (letters, digits, ``_ . : -``; at most 200 chars).
        target: The handler (workflow, operation, task) to submit on each fire.
        cron: 5-field cron expression, evaluated in ``timezone``. Exactly one of ``cron``
            and ``interval``.
        interval: Elapsed time between fires (timedelta or seconds, whole seconds >= 1),
            aligned to ``start_at`` when given.
        timezone: IANA zone of ``cron`` and of template dates (default ``"UTC"``).
        params: Params template; ``{placeholders}`` are rendered per fire.
        enabled: A disabled schedule keeps its definition and never fires.
        misfire_policy: ``skip``, ``run_once`` (default) or ``catch_up``.
        max_catch_up: Bound of ``catch_up`` (default 10).
        misfire_grace: How late a fire may be reached and still count as on time (default
            60 s).
        calendar: Business calendar; fires on other days are skipped.
        start_at / end_at: Only fires in ``[start_at, end_at]``. A ``start_at`` in the past
            with ``catch_up`` backfills up to ``max_catch_up`` fires when the schedule is
            added.
        kind: The work spec kind submitted (``workflow`` by default).
        lane / priority: Passed to the work spec.
        description: For listings.
        metadata: JSON-ready annotations, stored with the schedule and each execution.

    Raises:
        InvalidScheduleError: naming the first invalid field.
    """

    name: str
    target: str
    cron: str | None = None
    interval: timedelta | float | None = None
    timezone: str = "UTC"
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    misfire_policy: MisfirePolicy | str = MisfirePolicy.RUN_ONCE
    max_catch_up: int = 10
    misfire_grace: timedelta | float = timedelta(seconds=60)
    calendar: BusinessCalendar | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    kind: str = "workflow"
    lane: str = "default"
    priority: int = 0
    description: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    _trigger: Trigger = field(init=False, repr=False, compare=False)
    _template: ParamsTemplate = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name or len(name) > MAX_SCHEDULE_NAME:
            raise InvalidScheduleError(
                "name", f"must be a str of 1..{MAX_SCHEDULE_NAME} chars, got {name!r}"
            )
        if not _NAME.match(name):
            raise InvalidScheduleError(
                "name",
                "may contain letters, digits and _ . : - and must start with a letter or digit",
                schedule=name,
            )
        target = self.target
        if not isinstance(target, str) or not target or len(target) > MAX_WORKFLOW:
            raise InvalidScheduleError(
                "target",
                f"must be a handler name of 1..{MAX_WORKFLOW} chars, got {target!r}",
                schedule=name,
            )
        zone = resolve_timezone(self.timezone, schedule=name)
        set_ = object.__setattr__
        set_(self, "timezone", zone.key)
        start_at = _aware(self.start_at, "start_at", name)
        end_at = _aware(self.end_at, "end_at", name)
        if start_at is not None and end_at is not None and end_at < start_at:
            raise InvalidScheduleError("end_at", "is before start_at", schedule=name)
        set_(self, "start_at", start_at)
        set_(self, "end_at", end_at)
        trigger: Trigger
        if (self.cron is None) == (self.interval is None):
            raise InvalidScheduleError(
                "cron", "give exactly one of cron= and interval=", schedule=name
            )
        if self.cron is not None:
            cron_trigger = CronTrigger(self.cron, zone.key, schedule=name)
            set_(self, "cron", cron_trigger.expression)
            trigger = cron_trigger
        else:
            assert self.interval is not None
            interval_trigger = IntervalTrigger(self.interval, start_at, schedule=name)
            set_(self, "interval", interval_trigger.interval)
            trigger = interval_trigger
        set_(self, "_trigger", trigger)
        set_(self, "_template", ParamsTemplate(self.params, schedule=name))
        set_(self, "params", dict(self.params or {}))
        if not isinstance(self.enabled, bool):
            raise InvalidScheduleError(
                "enabled", f"must be a bool, got {self.enabled!r}", schedule=name
            )
        set_(self, "misfire_policy", _enum_policy(self.misfire_policy, name))
        catch_up = self.max_catch_up
        if isinstance(catch_up, bool) or not isinstance(catch_up, int) or catch_up < 1:
            raise InvalidScheduleError(
                "max_catch_up", f"must be an int >= 1, got {catch_up!r}", schedule=name
            )
        set_(self, "misfire_grace", _seconds(self.misfire_grace, "misfire_grace", name, minimum=0))
        if self.calendar is not None and not isinstance(self.calendar, BusinessCalendar):
            raise InvalidScheduleError(
                "calendar",
                f"must be a BusinessCalendar, got {type(self.calendar).__name__}",
                schedule=name,
            )
        if self.kind not in WORK_KINDS:
            raise InvalidScheduleError(
                "kind",
                f"must be one of {', '.join(sorted(WORK_KINDS))}, got {self.kind!r}",
                schedule=name,
            )
        if not isinstance(self.lane, str) or not 0 < len(self.lane) <= MAX_LANE:
            raise InvalidScheduleError(
                "lane", f"must be a str of 1..{MAX_LANE} chars, got {self.lane!r}", schedule=name
            )
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise InvalidScheduleError(
                "priority", f"must be an int, got {self.priority!r}", schedule=name
            )
        if not isinstance(self.description, str):
            raise InvalidScheduleError("description", "must be a str", schedule=name)
        if not isinstance(self.metadata, Mapping):
            raise InvalidScheduleError("metadata", "must be a mapping", schedule=name)
        set_(self, "metadata", dict(self.metadata))

    # -- constructors --------------------------------------------------------------------
    @classmethod
    def weekly(
        cls, name: str, target: str, *, weekday: str = "fri", at: str = "18:00", **options: Any
    ) -> Schedule:
        """Once a week on ``weekday`` (``"fri"``, ``"monday"``...) at local time ``at``
        (``"HH:MM"``). With ``params={"week": "{last_week_ending}"}`` each run receives the
        Friday-ending week it belongs to."""
        day = _WEEKDAYS.get(str(weekday).strip().lower()[:3])
        if day is None:
            raise InvalidScheduleError(
                "weekday", f"must be a day name like 'fri', got {weekday!r}", schedule=name
            )
        hour, minute = _parse_at(at, name)
        return cls(name, target, cron=f"{minute} {hour} * * {day}", **options)

    @classmethod
    def daily(cls, name: str, target: str, *, at: str = "00:00", **options: Any) -> Schedule:
        """Every day at local time ``at``; add ``calendar=`` for business days only."""
        hour, minute = _parse_at(at, name)
        return cls(name, target, cron=f"{minute} {hour} * * *", **options)

    @classmethod
    def every(cls, name: str, target: str, interval: timedelta | float, **options: Any) -> Schedule:
        """Every ``interval`` of elapsed time."""
        return cls(name, target, interval=interval, **options)

    def replace(self, **changes: Any) -> Schedule:
        """A copy with fields changed (validated again). Switching between ``cron`` and
        ``interval`` needs the other set to ``None``."""
        return dataclasses.replace(self, **changes)

    # -- evaluation ----------------------------------------------------------------------
    @property
    def trigger(self) -> Trigger:
        """The cron or interval trigger."""
        return self._trigger

    @property
    def template(self) -> ParamsTemplate:
        """The validated params template."""
        return self._template

    def _allowed(self, instant: datetime) -> bool:
        if self.calendar is None:
            return True
        local = instant.astimezone(resolve_timezone(self.timezone)).date()
        return self.calendar.is_business_day(local)

    def fires_after(self, after: datetime) -> Iterator[datetime]:
        """Every fire instant (UTC) strictly after ``after``, ascending, within
        ``start_at``/``end_at`` and on business days of ``calendar``."""
        after = after.astimezone(UTC)
        if self.start_at is not None and after < self.start_at:
            after = self.start_at - timedelta(microseconds=1)
        skipping_since: datetime | None = None
        for instant in self._trigger.fires_after(after):
            if self.end_at is not None and instant > self.end_at:
                return
            if self._allowed(instant):
                skipping_since = None
                yield instant
            elif skipping_since is None:
                skipping_since = instant
            elif instant - skipping_since > _MAX_SKIPPED_SPAN:
                return

    def next_fire_times(self, after: datetime, n: int = 5) -> list[datetime]:
        """The next ``n`` fire instants strictly after ``after``."""
        return list(itertools.islice(self.fires_after(after), max(0, n)))

    def next_fire(self, after: datetime) -> datetime | None:
        """The first fire strictly after ``after`` (``None`` past ``end_at``)."""
        return next(iter(self.fires_after(after)), None)

    def window_start(self, upto: datetime, count: int, floor: datetime) -> datetime:
        """An instant ``s >= floor`` such that ``(s, upto]`` holds the last ``count`` fires
        at or before ``upto`` (or every fire after ``floor``). Lets a scheduler that was down
        for a year find the fires it must still run without iterating the whole year."""
        wanted = max(1, count)
        probe = wanted
        while True:
            start = self._trigger.window_start(upto, probe)
            if start <= floor:
                return floor
            found = 0
            for instant in self.fires_after(start):
                if instant > upto:
                    break
                found += 1
            if found >= wanted or probe > 100 * wanted + 10_000:
                return start
            probe *= 2

    def render_params(self, instant: datetime) -> dict[str, Any]:
        """The params submitted for the fire at ``instant``."""
        return self._template.render(fire_context(instant, self.timezone, self.name))

    def idempotency_key(self, instant: datetime) -> str:
        """``schedule:<name>:<fire instant, UTC, seconds>``: one execution per fire."""
        return f"schedule:{self.name}:{instant.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"

    def describe(self) -> str:
        """One line: trigger, calendar, policy."""
        parts = [self._trigger.describe()]
        if self.calendar is not None:
            parts.append(f"business days of {self.calendar.name}")
        policy = MisfirePolicy(self.misfire_policy)
        if policy is MisfirePolicy.CATCH_UP:
            parts.append(f"catch up at most {self.max_catch_up}")
        else:
            parts.append(f"misfire: {policy.value}")
        if not self.enabled:
            parts.append("paused")
        return ", ".join(parts)

    # -- storage -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what a stored schedule row holds)."""
        interval = self.interval
        return {
            "name": self.name,
            "target": self.target,
            "cron": self.cron,
            "interval_s": None
            if interval is None
            else int(interval.total_seconds())
            if isinstance(interval, timedelta)
            else interval,
            "timezone": self.timezone,
            "params": dict(self.params),
            "enabled": self.enabled,
            "misfire_policy": MisfirePolicy(self.misfire_policy).value,
            "max_catch_up": self.max_catch_up,
            "misfire_grace_s": _as_seconds(self.misfire_grace),
            "calendar": None if self.calendar is None else self.calendar.to_dict(),
            "start_at": None if self.start_at is None else self.start_at.isoformat(),
            "end_at": None if self.end_at is None else self.end_at.isoformat(),
            "kind": self.kind,
            "lane": self.lane,
            "priority": self.priority,
            "description": self.description,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schedule:
        """Inverse of :meth:`to_dict` (validated like any schedule)."""
        values = dict(data)
        interval = values.pop("interval_s", None)
        grace = values.pop("misfire_grace_s", 60)
        calendar = values.pop("calendar", None)
        for key in ("start_at", "end_at"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        return cls(
            interval=interval,
            misfire_grace=grace,
            calendar=None if calendar is None else BusinessCalendar.from_dict(calendar),
            **values,
        )


def _as_seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _parse_at(at: object, schedule: str) -> tuple[int, int]:
    match = _AT.match(at.strip()) if isinstance(at, str) else None
    if match is None:
        raise InvalidScheduleError("at", f"must be 'HH:MM' (24h), got {at!r}", schedule=schedule)
    return int(match.group(1)), int(match.group(2))
