"""The :class:`Scheduler` protocol and :class:`SchedulerCore`, the logic every backend runs.

A scheduler keeps schedules in a :class:`~spine.execution.scheduling.store.ScheduleStore`,
and on each :meth:`~SchedulerCore.tick`, for every enabled schedule:

1. plans the fires between the schedule's cursor and now with its misfire policy
   (:func:`~spine.execution.scheduling.planning.plan_fires`);
2. records the fires the policy drops as one *skipped* summary;
3. for each fire to run, oldest first: **claims** its tick in the store (exactly one
   scheduler wins), renders the params, and submits a :class:`~spine.execution.WorkSpec`
   through the dispatcher with ``idempotency_key = schedule.idempotency_key(fire)``
   (``trigger_source="schedule"``), then records the outcome and publishes
   :class:`~spine.execution.events.ScheduleFired`.

So a fire can never run twice: two schedulers sharing a store cannot both claim it, and even
schedulers with separate stores submit the same idempotency key, for which the dispatcher
returns the existing execution. A submission refused for good (unknown handler, bad params)
is recorded *failed* and the schedule moves on; a retryable failure (database down) gives
the claim back and stops this schedule's tick, so the fire is retried on the next tick, in
order, and becomes a misfire if the outage outlasts the grace period.

Backends only decide how ticks are driven: :class:`~spine.execution.scheduling.ThreadScheduler`
(a daemon thread), :class:`~spine.execution.scheduling.AsyncScheduler` (an asyncio task).
"""

from __future__ import annotations

import builtins
import logging
import os
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from spine.execution.events.base import EventBus, safe_publish
from spine.execution.events.models import ScheduleFired
from spine.execution.scheduling.arrivals import ArrivalMonitor
from spine.execution.scheduling.clock import Clock, SystemClock
from spine.execution.scheduling.errors import InvalidScheduleError, ScheduleNotFoundError
from spine.execution.scheduling.planning import FirePlan, plan_fires
from spine.execution.scheduling.schedule import Schedule
from spine.execution.scheduling.store import (
    FireRecord,
    FireStatus,
    InMemoryScheduleStore,
    ScheduleStore,
    StoredSchedule,
)
from spine.execution.spec import WorkSpec
from spine.types import SpineError, is_retryable
from spine.types.enums import TriggerSource
from spine.types.ulid import generate_ulid

__all__ = ["ScheduleBook", "Scheduler", "SchedulerCore", "Submitter"]

log = logging.getLogger("spine.execution.scheduling")


@runtime_checkable
class Submitter(Protocol):
    """What the scheduler submits through: :class:`~spine.execution.Dispatcher` or any object
    with the same ``submit(spec) -> execution_id`` (idempotency keys honoured)."""

    def submit(self, spec: WorkSpec) -> str:
        """Submit ``spec``; a repeated idempotency key returns the existing execution."""
        ...


@runtime_checkable
class Scheduler(Protocol):
    """A scheduler service, whatever drives its ticks (thread, asyncio task, database)."""

    def add(self, schedule: Schedule, *, replace: bool = False) -> Schedule:
        """Register (or with ``replace`` update) a schedule."""
        ...

    def remove(self, name: str) -> bool:
        """Delete a schedule and its history; whether it existed."""
        ...

    def pause(self, name: str) -> Schedule:
        """Stop firing ``name`` (fires while paused are never run)."""
        ...

    def resume(self, name: str) -> Schedule:
        """Fire ``name`` again, from now on."""
        ...

    def get(self, name: str) -> Schedule:
        """The schedule named ``name``."""
        ...

    def list(self) -> builtins.list[Schedule]:
        """Every schedule, by name."""
        ...

    def next_fire_times(self, name: str, n: int = 5) -> builtins.list[datetime]:
        """The next ``n`` fires of ``name`` that have not been settled."""
        ...

    def history(self, name: str, limit: int = 50) -> builtins.list[FireRecord]:
        """The latest fire records of ``name``, newest first."""
        ...

    def tick(self, now: datetime | None = None) -> builtins.list[FireRecord]:
        """Settle every due fire now; the records written."""
        ...

    def start(self) -> None:
        """Start firing in the background."""
        ...

    def stop(self, timeout: float | None = None) -> None:
        """Stop firing (idempotent)."""
        ...

    @property
    def running(self) -> bool:
        """Whether the background loop runs."""
        ...


def default_owner(kind: str = "scheduler") -> str:
    """``scheduler@host:pid:<ulid suffix>``: identifies a scheduler instance in claims."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}:{generate_ulid()[-6:]}"


class ScheduleBook:
    """Managing schedules in a store without firing them: create, update, pause, resume,
    delete, list, next fire times, history. What a ``spine schedule ...`` command or an
    admin API needs; :class:`SchedulerCore` (every scheduler) is a book that also fires.

    Args:
        store: Where schedules live (an :class:`InMemoryScheduleStore`, or
            :class:`~spine.execution.scheduling.SqlScheduleStore` over a connection).
        clock: Time source (default :class:`SystemClock`).
        registry: A handler registry (``name in registry`` / ``registry.get(name)``); when
            given, a schedule whose target it does not know is refused (field ``target``).
        check_targets: Set ``False`` to skip the target check.

    Example:
        >>> from spine.db import connect
        >>> from spine.execution.scheduling import Schedule, ScheduleBook, SqlScheduleStore
        >>> book = ScheduleBook(SqlScheduleStore(connect("memory")))
        >>> _ = book.add(Schedule("nightly", "job", cron="0 2 * * *"))
        >>> book.pause("nightly").enabled, [s.name for s in book.list()]
        (False, ['nightly'])
    """

    def __init__(
        self,
        store: ScheduleStore | None = None,
        *,
        clock: Clock | None = None,
        registry: Any = None,
        check_targets: bool = True,
    ) -> None:
        self.store: ScheduleStore = store if store is not None else InMemoryScheduleStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.registry = registry
        self.check_targets = check_targets

    # -- management ----------------------------------------------------------------------
    def _check_target(self, schedule: Schedule) -> None:
        registry = self.registry
        if not self.check_targets or registry is None:
            return
        if schedule.target in registry:
            return
        try:
            registry.get(schedule.target)
        except SpineError as exc:
            raise InvalidScheduleError(
                "target",
                f"{exc} (register the handler before scheduling it)",
                schedule=schedule.name,
            ) from None

    def add(self, schedule: Schedule, *, replace: bool = False) -> Schedule:
        """Register ``schedule`` (validated; its target must be a registered handler).

        A new schedule's fires start after now, or at ``start_at`` when that is in the
        past (a ``catch_up`` schedule then backfills up to ``max_catch_up`` fires).

        Raises:
            InvalidScheduleError: (field ``target``) the dispatcher knows no such handler.
            DuplicateScheduleError: the name exists and ``replace`` is false.
        """
        if not isinstance(schedule, Schedule):
            raise InvalidScheduleError(
                "schedule", f"add() takes a Schedule, got {type(schedule).__name__}"
            )
        self._check_target(schedule)
        now = self.clock.now()
        cursor = now
        if schedule.start_at is not None and schedule.start_at <= now:
            cursor = schedule.start_at - timedelta(microseconds=1)
        stored = self.store.add(schedule, cursor=cursor, replace=replace)
        self._changed()
        return stored.schedule

    def remove(self, name: str) -> bool:
        """Delete a schedule and its history."""
        removed = self.store.remove(name)
        self._changed()
        return removed

    def pause(self, name: str) -> Schedule:
        """Stop firing ``name``.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        stored = self.store.set_enabled(name, False, now=self.clock.now())
        self._changed()
        return stored.schedule

    def resume(self, name: str) -> Schedule:
        """Fire ``name`` again; fires that fell while it was paused are not run.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        stored = self.store.set_enabled(name, True, now=self.clock.now())
        self._changed()
        return stored.schedule

    def _stored(self, name: str) -> StoredSchedule:
        stored = self.store.get(name)
        if stored is None:
            raise ScheduleNotFoundError(name)
        return stored

    def get(self, name: str) -> Schedule:
        """The schedule named ``name``.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        return self._stored(name).schedule

    def list(self) -> builtins.list[Schedule]:
        """Every schedule, by name."""
        return [stored.schedule for stored in self.store.list()]

    def next_fire_times(self, name: str, n: int = 5) -> builtins.list[datetime]:
        """The next ``n`` unsettled fires of ``name`` (after its cursor, at or after now
        minus the grace period). Empty while it is paused."""
        stored = self._stored(name)
        if not stored.schedule.enabled:
            return []
        return stored.schedule.next_fire_times(stored.cursor, n)

    def history(self, name: str, limit: int = 50) -> builtins.list[FireRecord]:
        """The latest fire records of ``name``, newest first.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        self._stored(name)
        return self.store.history(name, limit)

    def _changed(self) -> None:
        """Hook: a schedule changed (backends wake their loop)."""


class SchedulerCore(ScheduleBook):
    """Schedules, their ticks and their submissions; thread-safe. Backends subclass it.

    Args:
        dispatcher: Where fires are submitted (a :class:`~spine.execution.Dispatcher`).
        store: Schedules and history (default: a new :class:`InMemoryScheduleStore`).
        clock: Time source (default :class:`SystemClock`; :class:`ManualClock` in tests).
        event_bus: Publishes :class:`ScheduleFired` when given.
        owner: This instance's name in tick claims (default host, pid and a random part).
        claim_lease: How long a claim protects a fire being submitted; a scheduler that
            dies mid-submit loses its claim after this (default 5 minutes).
        check_targets: Refuse schedules whose target the dispatcher's registry does not
            know (default ``True``; only checked when the dispatcher has a ``registry``).
        arrivals: An :class:`~spine.execution.scheduling.ArrivalMonitor` checked on every
            tick (missed deadlines of expected arrivals), its deadlines waking the loop.
    """

    def __init__(
        self,
        dispatcher: Submitter,
        *,
        store: ScheduleStore | None = None,
        clock: Clock | None = None,
        event_bus: EventBus | None = None,
        owner: str | None = None,
        claim_lease: timedelta = timedelta(minutes=5),
        check_targets: bool = True,
        arrivals: ArrivalMonitor | None = None,
    ) -> None:
        super().__init__(
            store,
            clock=clock,
            registry=getattr(dispatcher, "registry", None),
            check_targets=check_targets,
        )
        self.dispatcher = dispatcher
        self.event_bus = event_bus
        self.owner = owner or default_owner()
        self.claim_lease = claim_lease
        self.arrivals = arrivals
        self._tick_lock = threading.Lock()
        self._next_cache: dict[str, tuple[int, datetime, datetime | None]] = {}
        self.fired = 0
        """Fires submitted by this instance."""

    # -- ticking -------------------------------------------------------------------------
    def next_due(self) -> datetime | None:
        """The earliest unsettled fire of any enabled schedule (``None``: nothing left)."""
        earliest: datetime | None = None
        for stored in self.store.list():
            if not stored.schedule.enabled:
                continue
            cached = self._next_cache.get(stored.schedule.name)
            if cached is not None and cached[0] == stored.version and cached[1] == stored.cursor:
                upcoming = cached[2]
            else:
                upcoming = stored.schedule.next_fire(stored.cursor)
                self._next_cache[stored.schedule.name] = (stored.version, stored.cursor, upcoming)
            if upcoming is not None and (earliest is None or upcoming < earliest):
                earliest = upcoming
        if self.arrivals is not None:
            deadline = self.arrivals.next_deadline()
            if deadline is not None and (earliest is None or deadline < earliest):
                earliest = deadline
        return earliest

    def wake_deadline(self, max_sleep: timedelta) -> datetime:
        """When a loop should tick next: the earliest due fire, at most ``max_sleep`` away."""
        deadline = self.clock.now() + max_sleep
        upcoming = self.next_due()
        return upcoming if upcoming is not None and upcoming < deadline else deadline

    def tick(self, now: datetime | None = None) -> builtins.list[FireRecord]:
        """Settle every due fire of every enabled schedule; return the records written.

        Safe to call from several threads or processes sharing a store: ticks are claimed.
        """
        with self._tick_lock:
            at = self.clock.now() if now is None else now
            records: builtins.list[FireRecord] = []
            for stored in self.store.list():
                if not stored.schedule.enabled:
                    continue
                try:
                    records.extend(self._tick_schedule(stored, at))
                except Exception:
                    log.exception(
                        "scheduler tick of %r failed; retried next tick", stored.schedule.name
                    )
            if self.arrivals is not None:
                try:
                    self.arrivals.check(at)
                except Exception:
                    log.exception("checking expected arrivals failed; retried next tick")
            return records

    def _tick_schedule(self, stored: StoredSchedule, now: datetime) -> Iterator[FireRecord]:
        schedule = stored.schedule
        plan = plan_fires(schedule, stored.cursor, now)
        if not plan.run and not plan.skipped:
            return
        pending_skip = self._skip_record(schedule, plan, now) if plan.skipped else None
        for fire in plan.run:
            if pending_skip is not None and pending_skip.scheduled_for < fire:
                self.store.record(pending_skip)
                yield pending_skip
                pending_skip = None
            record, retry_later = self._fire(schedule, fire, now)
            if retry_later:  # keep fires in order: this one first, on the next tick
                return
            if record is not None:  # None: another scheduler holds this fire
                yield record
        if pending_skip is not None:
            self.store.record(pending_skip)
            yield pending_skip

    def _skip_record(self, schedule: Schedule, plan: FirePlan, now: datetime) -> FireRecord:
        assert plan.last_skipped is not None
        more = "at least " if plan.skipped_capped else ""
        reason = (
            f"{more}{plan.skipped} missed fire(s) skipped by misfire policy "
            f"{schedule.misfire_policy}"
        )
        record = FireRecord(
            schedule.name,
            plan.last_skipped,
            FireStatus.SKIPPED,
            now,
            missed=plan.skipped,
            first_missed=plan.first_skipped,
            reason=reason,
            owner=self.owner,
        )
        log.warning(
            "schedule %r: %s (%s .. %s)",
            schedule.name,
            reason,
            plan.first_skipped,
            plan.last_skipped,
        )
        safe_publish(
            self.event_bus,
            ScheduleFired(
                schedule=schedule.name,
                scheduled_for=plan.last_skipped,
                target=schedule.target,
                skipped=plan.skipped,
                source=self.owner,
            ),
        )
        return record

    def _fire(
        self, schedule: Schedule, fire: datetime, now: datetime
    ) -> tuple[FireRecord | None, bool]:
        """Claim, submit and record one fire: ``(record, retry_later)``."""
        lease_until = now + self.claim_lease
        if not self.store.claim_fire(schedule.name, fire, self.owner, lease_until, now=now):
            return None, False
        params = schedule.render_params(fire)
        spec = WorkSpec(
            schedule.target,
            params,
            kind=schedule.kind,
            idempotency_key=schedule.idempotency_key(fire),
            lane=schedule.lane,
            priority=schedule.priority,
            trigger_source=TriggerSource.SCHEDULE,
            metadata={
                **schedule.metadata,
                "schedule": schedule.name,
                "scheduled_for": fire.isoformat(),
            },
        )
        try:
            execution_id = self.dispatcher.submit(spec)
        except Exception as exc:
            if is_retryable(exc):
                self.store.release_fire(schedule.name, fire, self.owner)
                log.warning(
                    "schedule %r: submitting the %s fire failed (%s); retried next tick",
                    schedule.name,
                    fire.isoformat(),
                    exc,
                )
                return None, True
            context = getattr(exc, "context", None)
            record = FireRecord(
                schedule.name,
                fire,
                FireStatus.FAILED,
                self.clock.now(),
                execution_id=getattr(context, "execution_id", None),
                params=params,
                reason=str(exc)[:2000],
                error_type=type(exc).__name__,
                owner=self.owner,
            )
            self.store.record(record)
            log.error(
                "schedule %r: the %s fire was refused: %s", schedule.name, fire.isoformat(), exc
            )
            return record, False
        record = FireRecord(
            schedule.name,
            fire,
            FireStatus.SUBMITTED,
            self.clock.now(),
            execution_id=execution_id,
            params=params,
            owner=self.owner,
        )
        self.store.record(record)
        self.fired += 1
        safe_publish(
            self.event_bus,
            ScheduleFired(
                schedule=schedule.name,
                scheduled_for=fire,
                target=schedule.target,
                execution_id=execution_id,
                source=self.owner,
            ),
        )
        return record, False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(owner={self.owner!r}, store={self.store!r})"
