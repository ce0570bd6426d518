"""`spine.execution.scheduling`: recurring submissions through the dispatcher.

* :class:`Schedule` - cron (in an IANA time zone, DST handled) or interval, params template,
  business calendar, misfire policy (:class:`MisfirePolicy`).
* :class:`ThreadScheduler` (embedded default) and :class:`AsyncScheduler`, both
  :class:`Scheduler` implementations over :class:`SchedulerCore`; each fire is submitted with
  an idempotency key derived from the schedule and fire instant, so it never runs twice.
* :class:`ScheduleStore` with :class:`InMemoryScheduleStore`; fire history as
  :class:`FireRecord`.
* :class:`DatabaseScheduler` - many processes over one database, each fire exactly once
  (:class:`SqlScheduleStore`: ``core_schedules`` + ``core_schedule_fires``; a leader
  lease, :class:`SqlLeaderLease`). :class:`ScheduleBook` manages schedules without firing.
* Expected arrivals: :class:`ExpectedArrival`, :class:`ArrivalMonitor` over
  :class:`InMemoryArrivalStore` / :class:`SqlArrivalStore` - a missed deadline records an
  anomaly and publishes ``ArrivalMissed``.
* :class:`ManualClock` - a controllable clock for tests.

Every name is also exported from :mod:`spine.execution`.
"""

from __future__ import annotations

from spine.types.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.execution.scheduling.aio import AsyncScheduler
    from spine.execution.scheduling.arrivals import (
        AnomalySink,
        ArrivalMonitor,
        ArrivalRecord,
        ArrivalStatus,
        ArrivalStore,
        ExpectedArrival,
        InMemoryAnomalies,
        InMemoryArrivalStore,
        StoredExpectation,
    )
    from spine.execution.scheduling.calendars import BusinessCalendar, Calendar
    from spine.execution.scheduling.clock import Clock, ManualClock, SystemClock
    from spine.execution.scheduling.database import DatabaseScheduler
    from spine.execution.scheduling.errors import (
        DuplicateScheduleError,
        InvalidScheduleError,
        ScheduleNotFoundError,
    )
    from spine.execution.scheduling.leases import SqlLeaderLease
    from spine.execution.scheduling.planning import FirePlan, plan_fires
    from spine.execution.scheduling.schedule import MisfirePolicy, Schedule
    from spine.execution.scheduling.scheduler import (
        ScheduleBook,
        Scheduler,
        SchedulerCore,
        Submitter,
    )
    from spine.execution.scheduling.sql_arrivals import SqlArrivalStore
    from spine.execution.scheduling.sql_store import SqlScheduleStore
    from spine.execution.scheduling.store import (
        FireRecord,
        FireStatus,
        InMemoryScheduleStore,
        ScheduleStore,
        StoredSchedule,
    )
    from spine.execution.scheduling.template import ParamsTemplate
    from spine.execution.scheduling.threaded import ThreadScheduler
    from spine.execution.scheduling.triggers import CronTrigger, IntervalTrigger, Trigger

_LAZY: dict[str, str] = {
    "AnomalySink": "spine.execution.scheduling.arrivals",
    "ArrivalMonitor": "spine.execution.scheduling.arrivals",
    "ArrivalRecord": "spine.execution.scheduling.arrivals",
    "ArrivalStatus": "spine.execution.scheduling.arrivals",
    "ArrivalStore": "spine.execution.scheduling.arrivals",
    "DatabaseScheduler": "spine.execution.scheduling.database",
    "ExpectedArrival": "spine.execution.scheduling.arrivals",
    "InMemoryAnomalies": "spine.execution.scheduling.arrivals",
    "InMemoryArrivalStore": "spine.execution.scheduling.arrivals",
    "ScheduleBook": "spine.execution.scheduling.scheduler",
    "SqlArrivalStore": "spine.execution.scheduling.sql_arrivals",
    "SqlLeaderLease": "spine.execution.scheduling.leases",
    "SqlScheduleStore": "spine.execution.scheduling.sql_store",
    "StoredExpectation": "spine.execution.scheduling.arrivals",
    "AsyncScheduler": "spine.execution.scheduling.aio",
    "BusinessCalendar": "spine.execution.scheduling.calendars",
    "Calendar": "spine.execution.scheduling.calendars",
    "Clock": "spine.execution.scheduling.clock",
    "ManualClock": "spine.execution.scheduling.clock",
    "SystemClock": "spine.execution.scheduling.clock",
    "DuplicateScheduleError": "spine.execution.scheduling.errors",
    "InvalidScheduleError": "spine.execution.scheduling.errors",
    "ScheduleNotFoundError": "spine.execution.scheduling.errors",
    "FirePlan": "spine.execution.scheduling.planning",
    "plan_fires": "spine.execution.scheduling.planning",
    "MisfirePolicy": "spine.execution.scheduling.schedule",
    "Schedule": "spine.execution.scheduling.schedule",
    "Scheduler": "spine.execution.scheduling.scheduler",
    "SchedulerCore": "spine.execution.scheduling.scheduler",
    "Submitter": "spine.execution.scheduling.scheduler",
    "FireRecord": "spine.execution.scheduling.store",
    "FireStatus": "spine.execution.scheduling.store",
    "InMemoryScheduleStore": "spine.execution.scheduling.store",
    "ScheduleStore": "spine.execution.scheduling.store",
    "StoredSchedule": "spine.execution.scheduling.store",
    "ParamsTemplate": "spine.execution.scheduling.template",
    "ThreadScheduler": "spine.execution.scheduling.threaded",
    "CronTrigger": "spine.execution.scheduling.triggers",
    "IntervalTrigger": "spine.execution.scheduling.triggers",
    "Trigger": "spine.execution.scheduling.triggers",
}

__all__ = [
    "AnomalySink",
    "ArrivalMonitor",
    "ArrivalRecord",
    "ArrivalStatus",
    "ArrivalStore",
    "AsyncScheduler",
    "BusinessCalendar",
    "Calendar",
    "Clock",
    "CronTrigger",
    "DatabaseScheduler",
    "DuplicateScheduleError",
    "ExpectedArrival",
    "FirePlan",
    "FireRecord",
    "FireStatus",
    "InMemoryAnomalies",
    "InMemoryArrivalStore",
    "InMemoryScheduleStore",
    "IntervalTrigger",
    "InvalidScheduleError",
    "ManualClock",
    "MisfirePolicy",
    "ParamsTemplate",
    "Schedule",
    "ScheduleBook",
    "ScheduleNotFoundError",
    "ScheduleStore",
    "Scheduler",
    "SchedulerCore",
    "SqlArrivalStore",
    "SqlLeaderLease",
    "SqlScheduleStore",
    "StoredExpectation",
    "StoredSchedule",
    "Submitter",
    "SystemClock",
    "ThreadScheduler",
    "Trigger",
    "plan_fires",
]

__getattr__, __dir__ = lazy_exports("spine.execution.scheduling", _LAZY, globals())
