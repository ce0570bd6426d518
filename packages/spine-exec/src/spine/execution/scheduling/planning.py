"""Which fires to run now: the misfire policies, as one pure function.

:func:`plan_fires` looks at one schedule, the instant up to which its fires are settled
(its cursor) and the current time, and splits the fires in between into those to submit and
those to skip. It never iterates more than the fires it keeps plus a bounded count, so a
minutely schedule whose scheduler was down for a year is planned in milliseconds.

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> s = Schedule("hourly", "job", cron="0 * * * *", misfire_policy="catch_up", max_catch_up=2)
    >>> cursor = datetime(2025, 1, 1, 0, 0, tzinfo=timezone.utc)
    >>> plan = plan_fires(s, cursor, cursor + timedelta(hours=5, minutes=30))
    >>> [f.hour for f in plan.run], plan.skipped, plan.first_skipped.hour
    ([4, 5], 3, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from spine.execution.scheduling.schedule import MisfirePolicy, Schedule

__all__ = ["MAX_COUNTED", "FirePlan", "plan_fires"]

MAX_COUNTED = 10_000
"""Skipped fires beyond the kept window are counted up to this many (then reported as
at least this many)."""


@dataclass(frozen=True, slots=True)
class FirePlan:
    """What to do with the fires of one schedule between its cursor and now.

    Attributes:
        run: Fire instants to submit, oldest first.
        skipped: How many fires are skipped (missed and dropped by the policy).
        first_skipped / last_skipped: The earliest and latest skipped fire.
        skipped_capped: ``skipped`` stopped counting at :data:`MAX_COUNTED`.
    """

    run: list[datetime]
    skipped: int = 0
    first_skipped: datetime | None = None
    last_skipped: datetime | None = None
    skipped_capped: bool = False

    @property
    def settles_up_to(self) -> datetime | None:
        """The latest instant this plan settles (cursor after it is carried out)."""
        last = [t for t in (self.last_skipped, self.run[-1] if self.run else None) if t]
        return max(last) if last else None


def _count(
    schedule: Schedule, after: datetime, upto: datetime
) -> tuple[int, datetime | None, bool]:
    count, first = 0, None
    for instant in schedule.fires_after(after):
        if instant > upto:
            break
        if first is None:
            first = instant
        count += 1
        if count >= MAX_COUNTED:
            return count, first, True
    return count, first, False


def plan_fires(schedule: Schedule, cursor: datetime, now: datetime) -> FirePlan:
    """Split the fires in ``(cursor, now]`` of ``schedule`` by its misfire policy (see
    :mod:`~spine.execution.scheduling.schedule`)."""
    policy = MisfirePolicy(schedule.misfire_policy)
    keep = schedule.max_catch_up if policy is MisfirePolicy.CATCH_UP else 1
    # Fast path, every tick of a healthy scheduler: a handful of fires since the cursor.
    due: list[datetime] = []
    for instant in schedule.fires_after(cursor):
        if instant > now:
            return _apply(schedule, policy, now, due, 0, None, False, cursor, cursor)
        due.append(instant)
        if len(due) > keep + _FAST_BUDGET:
            break
    # Far behind (the scheduler was down): jump close to now instead of iterating it all.
    grace = schedule.misfire_grace
    assert isinstance(grace, timedelta)
    scan_from = max(cursor, min(now - grace, schedule.window_start(now, keep, cursor)))
    due = []
    for instant in schedule.fires_after(scan_from):
        if instant > now:
            break
        due.append(instant)
    dropped, dropped_first, capped = (0, None, False)
    if scan_from > cursor:
        dropped, dropped_first, capped = _count(schedule, cursor, scan_from)
    return _apply(schedule, policy, now, due, dropped, dropped_first, capped, cursor, scan_from)


_FAST_BUDGET = 256


def _apply(
    schedule: Schedule,
    policy: MisfirePolicy,
    now: datetime,
    due: list[datetime],
    dropped: int,
    dropped_first: datetime | None,
    capped: bool,
    cursor: datetime,
    scan_from: datetime,
) -> FirePlan:
    grace = schedule.misfire_grace
    assert isinstance(grace, timedelta)
    on_time = [t for t in due if now - t <= grace]
    late = [t for t in due if now - t > grace]
    if policy is MisfirePolicy.SKIP:
        run, skipped = on_time, late
    elif policy is MisfirePolicy.RUN_ONCE:
        if not late and not dropped:
            run, skipped = due, []
        else:
            run, skipped = due[-1:], due[:-1]
    else:
        n = max(schedule.max_catch_up, len(on_time))
        run, skipped = due[-n:], due[:-n] if len(due) > n else []
    total = dropped + len(skipped)
    if not total:
        return FirePlan(run)
    first = dropped_first if dropped_first is not None else skipped[0]
    last = skipped[-1] if skipped else _last_before(schedule, cursor, scan_from)
    return FirePlan(run, total, first, last, capped)


def _last_before(schedule: Schedule, cursor: datetime, upto: datetime) -> datetime | None:
    start = schedule.window_start(upto, 1, cursor)
    last = None
    for instant in schedule.fires_after(start):
        if instant > upto:
            break
        last = instant
    return last
