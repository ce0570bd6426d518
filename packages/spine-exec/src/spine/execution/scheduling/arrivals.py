"""Expected arrivals: a source is due by a recurring deadline; a missed deadline is an
anomaly and an event.

External data arrives on its publisher's schedule, not yours: FINRA posts the OTC week file
by Monday evening, a vendor drops a file each business day by 07:00. Declare it as an
:class:`ExpectedArrival` (a deadline cron in an IANA zone, a business calendar, the
partition each deadline stands for) and let an :class:`ArrivalMonitor` watch it:

* :meth:`ArrivalMonitor.arrived` records that the source arrived. An arrival clears the
  **next deadline at or after it** (on time); when deadlines were already missed, it clears
  the **oldest missed one** instead (``late``) and resolves that deadline's anomaly. Pass
  ``deadline=`` to say exactly which deadline it belongs to.
* :meth:`ArrivalMonitor.check` (a scheduler calls it on every tick when given
  ``arrivals=``) settles every deadline that passed: one with no arrival becomes ``missed``,
  an anomaly is recorded (spine-ops' :class:`~spine.ops.AnomalyRecorder` in
  ``core_anomalies`` for the SQL store; category ``source_error``) and an
  :class:`~spine.execution.events.ArrivalMissed` event is published. Settling is exactly
  once per (expectation, deadline) however many monitors check: the store inserts one row
  per deadline and only the inserting monitor records the anomaly (in the same
  transaction) and publishes.

Stores: :class:`InMemoryArrivalStore` (its anomalies kept in memory) and
:class:`~spine.execution.scheduling.sql_arrivals.SqlArrivalStore` (``core_expected_arrivals``
and ``core_arrivals``), one contract suite for both.

Example:
    >>> from datetime import datetime, timezone
    >>> from spine.execution.scheduling import ManualClock
    >>> clock = ManualClock(datetime(2025, 12, 26, 12, tzinfo=timezone.utc))   # Friday
    >>> monitor = ArrivalMonitor(InMemoryArrivalStore(), clock=clock)
    >>> _ = monitor.expect(ExpectedArrival.weekly(
    ...     "finra.otc.week_file", domain="finra.otc", source="finra.otc.weekly",
    ...     weekday="mon", at="18:00", timezone="America/New_York",
    ...     partition={"week_ending": "{last_week_ending}"}))
    >>> _ = clock.advance(days=4)                                # Tuesday: Monday 18:00 passed
    >>> [(r.status.value, r.partition) for r in monitor.check()]
    [('missed', {'week_ending': '2025-12-26'})]
    >>> monitor.arrived("finra.otc.week_file").status.value      # arrives late
    'late'
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from spine.execution.events.base import EventBus, safe_publish
from spine.execution.events.models import ArrivalMissed
from spine.execution.scheduling.calendars import BusinessCalendar
from spine.execution.scheduling.clock import Clock, SystemClock
from spine.execution.scheduling.errors import (
    DuplicateScheduleError,
    InvalidScheduleError,
    ScheduleNotFoundError,
)
from spine.execution.scheduling.schedule import Schedule
from spine.types.ulid import generate_ulid

__all__ = [
    "AnomalySink",
    "ArrivalMonitor",
    "ArrivalRecord",
    "ArrivalStatus",
    "ArrivalStore",
    "ExpectedArrival",
    "InMemoryAnomalies",
    "InMemoryArrivalStore",
    "StoredExpectation",
]

log = logging.getLogger("spine.execution.scheduling")

_SEVERITIES = ("debug", "info", "warn", "error", "critical")
_FIELD_NAMES = {"cron": "deadline", "params": "partition", "target": "source"}


class ArrivalStatus(StrEnum):
    """What happened at a deadline (stored lower-case)."""

    ARRIVED = "arrived"
    MISSED = "missed"
    LATE = "late"


@dataclass(frozen=True)
class ExpectedArrival:
    """A source expected by a recurring deadline.

    Args:
        name: Unique name of the expectation (letters, digits, ``_ . : -``).
        domain: The anomaly domain (``"finra.otc"``).
        source: What is expected (a file feed, an API drop), for messages and events.
        deadline: 5-field cron of the deadlines, in ``timezone`` (``"0 18 * * 1"``: Mondays
            18:00).
        timezone: IANA zone of ``deadline`` (DST handled).
        partition: Template of the partition each deadline stands for, rendered like a
            schedule's params (``{"week_ending": "{last_week_ending}"}``).
        calendar: Business calendar: deadlines on other days are not expected.
        severity: Severity of the anomaly of a missed deadline (default ``error``).
        enabled: A disabled expectation is never checked.
        description: For listings.

    Raises:
        InvalidScheduleError: naming the invalid field (``deadline``, ``timezone``,
            ``partition``...).
    """

    name: str
    domain: str
    source: str
    deadline: str
    timezone: str = "UTC"
    partition: Mapping[str, Any] = field(default_factory=dict)
    calendar: BusinessCalendar | None = None
    severity: str = "error"
    enabled: bool = True
    description: str = ""
    _schedule: Schedule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            schedule = Schedule(
                self.name,
                self.source,
                cron=self.deadline,
                timezone=self.timezone,
                params=self.partition,
                calendar=self.calendar,
                enabled=self.enabled,
                description=self.description,
            )
        except InvalidScheduleError as exc:
            name = _FIELD_NAMES.get(exc.field.split(".")[0], exc.field.split(".")[0])
            rest = exc.field[len(exc.field.split(".")[0]) :]
            problem = str(exc).split(f"{exc.field}: ", 1)[-1]
            raise InvalidScheduleError(
                name + rest, problem, schedule=exc.schedule or None
            ) from None
        if not isinstance(self.domain, str) or not 0 < len(self.domain) <= 100:
            raise InvalidScheduleError(
                "domain", f"must be a str of 1..100 chars, got {self.domain!r}", schedule=self.name
            )
        severity = str(self.severity).strip().lower()
        if severity not in _SEVERITIES:
            raise InvalidScheduleError(
                "severity",
                f"must be one of {', '.join(_SEVERITIES)}, got {self.severity!r}",
                schedule=self.name,
            )
        set_ = object.__setattr__
        set_(self, "severity", severity)
        set_(self, "deadline", schedule.cron)
        set_(self, "timezone", schedule.timezone)
        set_(self, "partition", dict(schedule.params))
        set_(self, "_schedule", schedule)

    @classmethod
    def weekly(
        cls,
        name: str,
        *,
        domain: str,
        source: str,
        weekday: str = "mon",
        at: str = "18:00",
        **options: Any,
    ) -> ExpectedArrival:
        """Due once a week, by ``weekday`` at local time ``at`` (``"HH:MM"``)."""
        schedule = Schedule.weekly(name, source, weekday=weekday, at=at)
        assert schedule.cron is not None
        return cls(name, domain, source, schedule.cron, **options)

    @classmethod
    def daily(
        cls, name: str, *, domain: str, source: str, at: str = "07:00", **options: Any
    ) -> ExpectedArrival:
        """Due every day (business days with ``calendar=``) by local time ``at``."""
        schedule = Schedule.daily(name, source, at=at)
        assert schedule.cron is not None
        return cls(name, domain, source, schedule.cron, **options)

    def replace(self, **changes: Any) -> ExpectedArrival:
        """A copy with fields changed (validated again)."""
        values = {k: getattr(self, k) for k in _FIELDS}
        values.update(changes)
        return ExpectedArrival(**values)

    def deadlines_after(self, after: datetime) -> Iterator[datetime]:
        """Every deadline (UTC) strictly after ``after``, ascending."""
        return self._schedule.fires_after(after)

    def next_deadline(self, after: datetime) -> datetime | None:
        """The first deadline strictly after ``after``."""
        return self._schedule.next_fire(after)

    def partition_for(self, deadline: datetime) -> dict[str, Any]:
        """The partition the deadline at ``deadline`` stands for."""
        return self._schedule.render_params(deadline)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what a stored row holds)."""
        return {
            "name": self.name,
            "domain": self.domain,
            "source": self.source,
            "deadline": self.deadline,
            "timezone": self.timezone,
            "partition": dict(self.partition),
            "calendar": None if self.calendar is None else self.calendar.to_dict(),
            "severity": self.severity,
            "enabled": self.enabled,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExpectedArrival:
        """Inverse of :meth:`to_dict` (validated)."""
        values = dict(data)
        calendar = values.pop("calendar", None)
        return cls(
            calendar=None if calendar is None else BusinessCalendar.from_dict(calendar), **values
        )


_FIELDS = (
    "name",
    "domain",
    "source",
    "deadline",
    "timezone",
    "partition",
    "calendar",
    "severity",
    "enabled",
    "description",
)


@dataclass(frozen=True, slots=True)
class StoredExpectation:
    """An expectation with its monitor state: deadlines at or before ``checked_until`` are
    settled."""

    expectation: ExpectedArrival
    checked_until: datetime


@dataclass(frozen=True, slots=True)
class ArrivalRecord:
    """What happened at one deadline.

    Attributes:
        name: The expectation's name.
        deadline: The deadline (UTC).
        status: ``arrived``, ``missed`` or ``late`` (missed, then arrived).
        recorded_at: When this state was recorded.
        arrived_at: When it arrived (``None`` while missed).
        anomaly_id: The anomaly recorded for the miss.
        partition: The partition of the deadline.
        details: What the caller passed on arrival (row counts, file name...).
    """

    name: str
    deadline: datetime
    status: ArrivalStatus
    recorded_at: datetime
    arrived_at: datetime | None = None
    anomaly_id: str | None = None
    partition: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class AnomalySink(Protocol):
    """Where missed deadlines are recorded: :class:`spine.ops.AnomalyRecorder` (SQL) or
    :class:`InMemoryAnomalies`."""

    def record(
        self,
        *,
        severity: Any,
        category: Any,
        message: str,
        stage: str | None = None,
        partition_key: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Record an anomaly; its id."""
        ...

    def resolve(self, anomaly_id: str, note: str | None = None) -> bool:
        """Resolve an anomaly; whether it was open."""
        ...


@dataclass
class _Anomaly:
    id: str
    domain: str
    severity: str
    category: str
    message: str
    partition_key: dict[str, Any] | None
    metadata: dict[str, Any]
    resolved_note: str | None = None
    resolved: bool = False


class InMemoryAnomalies:
    """The anomaly sink of :class:`InMemoryArrivalStore` (one domain's view via
    :meth:`for_domain`); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.anomalies: dict[str, _Anomaly] = {}

    def for_domain(self, domain: str) -> _DomainAnomalies:
        """A sink recording into ``domain``."""
        return _DomainAnomalies(self, domain)

    def unresolved(self, domain: str | None = None) -> builtins.list[_Anomaly]:
        """Open anomalies (of ``domain``), oldest first."""
        with self._lock:
            return [
                a
                for a in self.anomalies.values()
                if not a.resolved and (domain is None or a.domain == domain)
            ]


class _DomainAnomalies:
    def __init__(self, parent: InMemoryAnomalies, domain: str) -> None:
        self.parent = parent
        self.domain = domain

    def record(
        self,
        *,
        severity: Any,
        category: Any,
        message: str,
        stage: str | None = None,
        partition_key: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        anomaly_id = generate_ulid()
        with self.parent._lock:
            self.parent.anomalies[anomaly_id] = _Anomaly(
                anomaly_id,
                self.domain,
                str(severity),
                str(category),
                message,
                None if partition_key is None else dict(partition_key),
                dict(metadata or {}),
            )
        return anomaly_id

    def resolve(self, anomaly_id: str, note: str | None = None) -> bool:
        with self.parent._lock:
            anomaly = self.parent.anomalies.get(anomaly_id)
            if anomaly is None or anomaly.resolved:
                return False
            anomaly.resolved, anomaly.resolved_note = True, note
            return True


MissFactory = Callable[[], "str | None"]
"""Called by :meth:`ArrivalStore.mark_missed` inside its write: records the anomaly and
returns its id."""


@runtime_checkable
class ArrivalStore(Protocol):
    """Storage of expectations and their deadlines' outcomes."""

    def add(
        self, expectation: ExpectedArrival, *, checked_until: datetime, replace: bool = False
    ) -> StoredExpectation:
        """Store an expectation; a replaced one keeps its ``checked_until``.

        Raises:
            DuplicateScheduleError: the name exists and ``replace`` is false.
        """
        ...

    def get(self, name: str) -> StoredExpectation | None:
        """The stored expectation, or ``None``."""
        ...

    def list(self) -> builtins.list[StoredExpectation]:
        """Every expectation, by name."""
        ...

    def remove(self, name: str) -> bool:
        """Delete an expectation and its records; whether it existed."""
        ...

    def mark_missed(
        self,
        name: str,
        deadline: datetime,
        now: datetime,
        partition: dict[str, Any],
        anomaly: MissFactory,
    ) -> ArrivalRecord | None:
        """Record ``deadline`` as missed unless it has a record already; ``anomaly()`` runs
        in the same write (exactly one caller records it). ``None``: it had a record."""
        ...

    def record_arrival(
        self,
        name: str,
        deadline: datetime,
        arrived_at: datetime,
        partition: dict[str, Any],
        details: dict[str, Any],
    ) -> ArrivalRecord:
        """Record an arrival for ``deadline``: ``arrived``, or ``late`` over a ``missed``
        record; an existing arrival is kept (the first one wins) and returned."""
        ...

    def advance(self, name: str, checked_until: datetime) -> None:
        """Move ``checked_until`` forward (never back)."""
        ...

    def records(
        self, name: str, limit: int = 50, *, status: ArrivalStatus | None = None
    ) -> builtins.list[ArrivalRecord]:
        """The latest records of ``name`` (of ``status``), newest deadline first."""
        ...

    def anomaly_sink(self, domain: str) -> AnomalySink:
        """Where this store's misses of ``domain`` are recorded."""
        ...


class InMemoryArrivalStore:
    """The in-memory :class:`ArrivalStore` (tests, one process); thread-safe.

    Args:
        anomalies: Where misses are recorded (default: a new :class:`InMemoryAnomalies`).
    """

    def __init__(self, anomalies: InMemoryAnomalies | None = None) -> None:
        self._lock = threading.RLock()
        self._items: dict[str, StoredExpectation] = {}
        self._records: dict[str, dict[datetime, ArrivalRecord]] = {}
        self.anomalies = anomalies if anomalies is not None else InMemoryAnomalies()

    def add(
        self, expectation: ExpectedArrival, *, checked_until: datetime, replace: bool = False
    ) -> StoredExpectation:
        """See :meth:`ArrivalStore.add`."""
        with self._lock:
            old = self._items.get(expectation.name)
            if old is not None and not replace:
                raise DuplicateScheduleError(expectation.name)
            cursor = old.checked_until if old is not None else checked_until.astimezone(UTC)
            stored = StoredExpectation(expectation, cursor)
            self._items[expectation.name] = stored
            self._records.setdefault(expectation.name, {})
            return stored

    def get(self, name: str) -> StoredExpectation | None:
        """See :meth:`ArrivalStore.get`."""
        with self._lock:
            return self._items.get(name)

    def list(self) -> builtins.list[StoredExpectation]:
        """See :meth:`ArrivalStore.list`."""
        with self._lock:
            return [self._items[k] for k in sorted(self._items)]

    def remove(self, name: str) -> bool:
        """See :meth:`ArrivalStore.remove`."""
        with self._lock:
            self._records.pop(name, None)
            return self._items.pop(name, None) is not None

    def mark_missed(
        self,
        name: str,
        deadline: datetime,
        now: datetime,
        partition: dict[str, Any],
        anomaly: MissFactory,
    ) -> ArrivalRecord | None:
        """See :meth:`ArrivalStore.mark_missed`."""
        at = deadline.astimezone(UTC)
        with self._lock:
            records = self._records.get(name)
            if records is None or at in records:
                return None
            record = ArrivalRecord(
                name, at, ArrivalStatus.MISSED, now, anomaly_id=anomaly(), partition=partition
            )
            records[at] = record
            return record

    def record_arrival(
        self,
        name: str,
        deadline: datetime,
        arrived_at: datetime,
        partition: dict[str, Any],
        details: dict[str, Any],
    ) -> ArrivalRecord:
        """See :meth:`ArrivalStore.record_arrival`."""
        at = deadline.astimezone(UTC)
        with self._lock:
            records = self._records.get(name)
            if records is None:
                raise ScheduleNotFoundError(name)
            old = records.get(at)
            if old is not None and old.status is not ArrivalStatus.MISSED:
                return old
            status = ArrivalStatus.ARRIVED if old is None else ArrivalStatus.LATE
            record = ArrivalRecord(
                name,
                at,
                status,
                arrived_at,
                arrived_at=arrived_at,
                anomaly_id=None if old is None else old.anomaly_id,
                partition=partition,
                details=details,
            )
            records[at] = record
            return record

    def advance(self, name: str, checked_until: datetime) -> None:
        """See :meth:`ArrivalStore.advance`."""
        with self._lock:
            old = self._items.get(name)
            if old is not None and checked_until > old.checked_until:
                self._items[name] = StoredExpectation(old.expectation, checked_until)

    def records(
        self, name: str, limit: int = 50, *, status: ArrivalStatus | None = None
    ) -> builtins.list[ArrivalRecord]:
        """See :meth:`ArrivalStore.records`."""
        with self._lock:
            found = [
                r
                for _, r in sorted(self._records.get(name, {}).items(), reverse=True)
                if status is None or r.status is status
            ]
        return found[: max(0, limit)]

    def anomaly_sink(self, domain: str) -> AnomalySink:
        """See :meth:`ArrivalStore.anomaly_sink`."""
        return self.anomalies.for_domain(domain)

    def __repr__(self) -> str:
        return f"InMemoryArrivalStore({len(self._items)} expectations)"


class ArrivalMonitor:
    """Watches expected arrivals (see the module docstring).

    Args:
        store: An :class:`ArrivalStore` (default: a new :class:`InMemoryArrivalStore`).
        clock: Time source (default :class:`SystemClock`).
        event_bus: Publishes :class:`~spine.execution.events.ArrivalMissed` (a failing bus
            or subscriber never breaks the monitor).
        source: The publisher's name in events.
    """

    def __init__(
        self,
        store: ArrivalStore | None = None,
        *,
        clock: Clock | None = None,
        event_bus: EventBus | None = None,
        source: str = "spine.arrivals",
    ) -> None:
        self.store: ArrivalStore = store if store is not None else InMemoryArrivalStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.event_bus = event_bus
        self.source = source

    def expect(self, expectation: ExpectedArrival, *, replace: bool = False) -> ExpectedArrival:
        """Start watching ``expectation`` (deadlines after now).

        Raises:
            InvalidScheduleError: not an :class:`ExpectedArrival`.
            DuplicateScheduleError: the name exists and ``replace`` is false.
        """
        if not isinstance(expectation, ExpectedArrival):
            raise InvalidScheduleError(
                "expectation",
                f"expect() takes an ExpectedArrival, got {type(expectation).__name__}",
            )
        return self.store.add(
            expectation, checked_until=self.clock.now(), replace=replace
        ).expectation

    def get(self, name: str) -> ExpectedArrival:
        """The expectation named ``name``.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        return self._stored(name).expectation

    def _stored(self, name: str) -> StoredExpectation:
        stored = self.store.get(name)
        if stored is None:
            raise ScheduleNotFoundError(name)
        return stored

    def list(self) -> builtins.list[ExpectedArrival]:
        """Every expectation, by name."""
        return [s.expectation for s in self.store.list()]

    def remove(self, name: str) -> bool:
        """Stop watching ``name`` (its records go too)."""
        return self.store.remove(name)

    def next_deadline(self) -> datetime | None:
        """The earliest unsettled deadline of any enabled expectation."""
        found = [
            s.expectation.next_deadline(s.checked_until)
            for s in self.store.list()
            if s.expectation.enabled
        ]
        due = [d for d in found if d is not None]
        return min(due) if due else None

    def records(
        self, name: str, limit: int = 50, *, status: ArrivalStatus | str | None = None
    ) -> builtins.list[ArrivalRecord]:
        """The latest records of ``name``, newest deadline first.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        self._stored(name)
        return self.store.records(
            name, limit, status=None if status is None else ArrivalStatus(status)
        )

    def arrived(
        self,
        name: str,
        *,
        at: datetime | None = None,
        deadline: datetime | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ArrivalRecord:
        """Record that ``name`` arrived (at ``at``, default now) - see the module docstring
        for the deadline it clears. A late arrival resolves the miss's anomaly.

        Raises:
            ScheduleNotFoundError: unknown name.
            InvalidScheduleError: (field ``at`` / ``deadline``) a naive datetime, or a
                deadline that is not one of the expectation's.
        """
        stored = self._stored(name)
        expectation = stored.expectation
        when = _aware(at, "at", name) if at is not None else self.clock.now()
        if deadline is not None:
            target = _aware(deadline, "deadline", name)
            if expectation.next_deadline(target - _TINY) != target:
                raise InvalidScheduleError(
                    "deadline",
                    f"{target.isoformat()} is not a deadline of this expectation",
                    schedule=name,
                )
        else:
            missed = self.store.records(name, 1_000, status=ArrivalStatus.MISSED)
            if missed:
                target = missed[-1].deadline  # the oldest outstanding miss
            else:
                upcoming = expectation.next_deadline(when - _TINY)
                if upcoming is None:
                    raise InvalidScheduleError(
                        "at", "no deadline is expected at or after it", schedule=name
                    )
                target = upcoming
        record = self.store.record_arrival(
            name, target, when, expectation.partition_for(target), dict(details or {})
        )
        if record.status is ArrivalStatus.LATE and record.anomaly_id is not None:
            try:
                self.store.anomaly_sink(expectation.domain).resolve(
                    record.anomaly_id, f"{expectation.source} arrived late at {when.isoformat()}"
                )
            except Exception:
                log.warning("could not resolve anomaly %s", record.anomaly_id, exc_info=True)
        return record

    def check(self, now: datetime | None = None) -> builtins.list[ArrivalRecord]:
        """Settle every deadline that passed: record the misses (anomaly + event); return
        the misses this monitor recorded."""
        at = self.clock.now() if now is None else now
        missed: builtins.list[ArrivalRecord] = []
        for stored in self.store.list():
            expectation = stored.expectation
            if not expectation.enabled:
                continue
            try:
                missed.extend(self._check_one(stored, at))
            except Exception:
                log.exception(
                    "checking arrivals of %r failed; retried next check", expectation.name
                )
        return missed

    def _check_one(self, stored: StoredExpectation, now: datetime) -> Iterator[ArrivalRecord]:
        expectation = stored.expectation
        sink = self.store.anomaly_sink(expectation.domain)
        last: datetime | None = None
        for deadline in expectation.deadlines_after(stored.checked_until):
            if deadline > now:
                break
            partition = expectation.partition_for(deadline)
            message = (
                f"{expectation.source} did not arrive by {deadline.isoformat()} "
                f"(expectation {expectation.name!r})"
            )

            def anomaly(
                deadline: datetime = deadline,
                partition: dict[str, Any] = partition,
                message: str = message,
            ) -> str:
                return sink.record(
                    severity=expectation.severity,
                    category="source_error",
                    message=message,
                    stage="arrival",
                    partition_key=partition or None,
                    metadata={"expectation": expectation.name, "deadline": deadline.isoformat()},
                )

            record = self.store.mark_missed(expectation.name, deadline, now, partition, anomaly)
            last = deadline
            if record is None:
                continue
            log.warning("%s", message)
            safe_publish(
                self.event_bus,
                ArrivalMissed(
                    source_name=expectation.source,
                    expected_by=deadline,
                    partition=partition,
                    anomaly_id=record.anomaly_id,
                    source=self.source,
                ),
            )
            yield record
        if last is not None:
            self.store.advance(expectation.name, last)

    def __repr__(self) -> str:
        return f"ArrivalMonitor(store={self.store!r})"


_TINY = timedelta(microseconds=1)


def _aware(value: datetime, what: str, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidScheduleError(
            what, f"must be a timezone-aware datetime, got {value!r}", schedule=name
        )
    return value.astimezone(UTC)
