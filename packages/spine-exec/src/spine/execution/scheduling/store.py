"""Where a scheduler keeps schedules, tick claims and fire history.

:class:`ScheduleStore` is the interface between the scheduling logic and its storage. The
in-process backends use :class:`InMemoryScheduleStore`; a database store implements the same
methods over tables (one row per schedule, and a **unique tick row per schedule and fire
instant**), which is what lets many scheduler processes share one set of schedules with each
tick fired exactly once:

* :meth:`ScheduleStore.claim_fire` inserts the tick row (or takes over a claim whose lease
  expired: the claimer crashed before recording the outcome). Exactly one caller gets
  ``True`` for a given ``(schedule, fire instant)`` while the claim is live.
* :meth:`ScheduleStore.record` completes a claimed tick (or appends a skipped-fires summary)
  and moves the schedule's cursor, the instant up to which fires are settled.
* :meth:`ScheduleStore.release_fire` gives a claim back when submitting failed for a
  retryable reason, so the next tick (of any scheduler) tries again.

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> store = InMemoryScheduleStore()
    >>> t0 = datetime(2025, 12, 26, 23, tzinfo=timezone.utc)
    >>> _ = store.add(Schedule("w", "job", cron="0 23 * * FRI"), cursor=t0 - timedelta(hours=1))
    >>> store.claim_fire("w", t0, "a", t0 + timedelta(minutes=5), now=t0)
    True
    >>> store.claim_fire("w", t0, "b", t0 + timedelta(minutes=5), now=t0)   # a holds it
    False
"""

from __future__ import annotations

import builtins
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from spine.execution.scheduling.errors import DuplicateScheduleError, ScheduleNotFoundError
from spine.execution.scheduling.schedule import Schedule

__all__ = ["FireRecord", "FireStatus", "InMemoryScheduleStore", "ScheduleStore", "StoredSchedule"]


class FireStatus(StrEnum):
    """Outcome of one fire (stored lower-case, like every spine status)."""

    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FireRecord:
    """One line of a schedule's fire history.

    Attributes:
        schedule: The schedule's name.
        scheduled_for: The fire's instant (UTC); for a skipped summary, the latest skipped.
        status: ``submitted``, ``skipped`` or ``failed``.
        recorded_at: When the scheduler settled it.
        execution_id: The submitted execution (also on ``failed`` when the dispatcher
            recorded the refusal).
        params: The rendered params (submitted and failed fires).
        missed: How many fires this record stands for (skipped summaries; else 1).
        first_missed: The earliest fire of a skipped summary.
        reason: Why it was skipped or failed.
        error_type: The error class of a failed submission.
        owner: The scheduler instance that settled it.
    """

    schedule: str
    scheduled_for: datetime
    status: FireStatus
    recorded_at: datetime
    execution_id: str | None = None
    params: dict[str, Any] | None = None
    missed: int = 1
    first_missed: datetime | None = None
    reason: str | None = None
    error_type: str | None = None
    owner: str | None = None

    @property
    def lateness(self) -> timedelta:
        """How late the fire was settled."""
        return self.recorded_at - self.scheduled_for

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "schedule": self.schedule,
            "scheduled_for": self.scheduled_for.isoformat(),
            "status": self.status.value,
            "recorded_at": self.recorded_at.isoformat(),
            "execution_id": self.execution_id,
            "params": self.params,
            "missed": self.missed,
            "first_missed": None if self.first_missed is None else self.first_missed.isoformat(),
            "reason": self.reason,
            "error_type": self.error_type,
            "owner": self.owner,
        }


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    """A schedule with its scheduler state.

    Attributes:
        schedule: The definition.
        cursor: Fires at or before this instant are settled (run, skipped or failed).
        version: Incremented on every change of the definition (caches key on it).
    """

    schedule: Schedule
    cursor: datetime
    version: int = 1


@runtime_checkable
class ScheduleStore(Protocol):
    """Storage of schedules, tick claims and fire history (see the module docstring)."""

    def add(self, schedule: Schedule, *, cursor: datetime, replace: bool = False) -> StoredSchedule:
        """Store a schedule; a new one starts at ``cursor``, a replaced one keeps its own.

        Raises:
            DuplicateScheduleError: the name exists and ``replace`` is false.
        """
        ...

    def get(self, name: str) -> StoredSchedule | None:
        """The stored schedule, or ``None``."""
        ...

    def list(self) -> builtins.list[StoredSchedule]:
        """Every stored schedule, by name."""
        ...

    def remove(self, name: str) -> bool:
        """Delete a schedule (its history too); whether it existed."""
        ...

    def set_enabled(self, name: str, enabled: bool, *, now: datetime) -> StoredSchedule:
        """Pause or resume. Resuming moves the cursor to ``now``: fires that fell while
        paused are not misfires.

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        ...

    def claim_fire(
        self,
        name: str,
        scheduled_for: datetime,
        owner: str,
        lease_until: datetime,
        *,
        now: datetime,
    ) -> bool:
        """Claim the tick ``(name, scheduled_for)`` for ``owner`` until ``lease_until``.
        ``True`` for exactly one claimer; a claim whose lease expired without a record may
        be taken over; a recorded tick is never claimed again."""
        ...

    def release_fire(self, name: str, scheduled_for: datetime, owner: str) -> None:
        """Give back ``owner``'s unrecorded claim (a retryable failure)."""
        ...

    def record(self, record: FireRecord) -> None:
        """Settle a tick (or store a skipped summary) and move the cursor to
        ``max(cursor, record.scheduled_for)``."""
        ...

    def history(self, name: str, limit: int = 50) -> builtins.list[FireRecord]:
        """The latest fire records of ``name``, newest first."""
        ...


@dataclass
class _Tick:
    owner: str
    lease_until: datetime
    done: bool = False


@dataclass
class _Entry:
    stored: StoredSchedule
    history: deque[FireRecord] = field(default_factory=deque)


class InMemoryScheduleStore:
    """The embedded store of the thread and asyncio schedulers: thread-safe, one process.

    Args:
        history_limit: Fire records kept per schedule (oldest dropped first).
    """

    def __init__(self, *, history_limit: int = 1000) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        # schedule -> fire instant -> claim, in claim order (fires are claimed oldest first,
        # so the oldest claims are at the front: pruning pops from there).
        self._ticks: dict[str, dict[datetime, _Tick]] = {}
        self._history_limit = max(1, history_limit)

    def add(self, schedule: Schedule, *, cursor: datetime, replace: bool = False) -> StoredSchedule:
        """Store a schedule (see :meth:`ScheduleStore.add`)."""
        with self._lock:
            entry = self._entries.get(schedule.name)
            if entry is not None:
                if not replace:
                    raise DuplicateScheduleError(schedule.name)
                stored = StoredSchedule(schedule, entry.stored.cursor, entry.stored.version + 1)
                entry.stored = stored
                return stored
            stored = StoredSchedule(schedule, cursor.astimezone(UTC))
            self._entries[schedule.name] = _Entry(stored, deque(maxlen=self._history_limit))
            return stored

    def get(self, name: str) -> StoredSchedule | None:
        """The stored schedule, or ``None``."""
        with self._lock:
            entry = self._entries.get(name)
            return None if entry is None else entry.stored

    def list(self) -> builtins.list[StoredSchedule]:
        """Every stored schedule, by name."""
        with self._lock:
            return [self._entries[name].stored for name in sorted(self._entries)]

    def remove(self, name: str) -> bool:
        """Delete a schedule, its ticks and history."""
        with self._lock:
            if self._entries.pop(name, None) is None:
                return False
            self._ticks.pop(name, None)
            return True

    def set_enabled(self, name: str, enabled: bool, *, now: datetime) -> StoredSchedule:
        """Pause or resume (see :meth:`ScheduleStore.set_enabled`)."""
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                raise ScheduleNotFoundError(name)
            old = entry.stored
            cursor = old.cursor
            if enabled and not old.schedule.enabled:
                cursor = max(cursor, now.astimezone(UTC))
            entry.stored = StoredSchedule(
                old.schedule.replace(enabled=enabled), cursor, old.version + 1
            )
            return entry.stored

    def claim_fire(
        self,
        name: str,
        scheduled_for: datetime,
        owner: str,
        lease_until: datetime,
        *,
        now: datetime,
    ) -> bool:
        """Claim a tick (see :meth:`ScheduleStore.claim_fire`)."""
        at = scheduled_for.astimezone(UTC)
        with self._lock:
            entry = self._entries.get(name)
            if entry is None or at <= entry.stored.cursor:
                return False
            ticks = self._ticks.setdefault(name, {})
            tick = ticks.get(at)
            if tick is not None and (tick.done or tick.lease_until > now):
                return False
            ticks[at] = _Tick(owner, lease_until)
            return True

    def release_fire(self, name: str, scheduled_for: datetime, owner: str) -> None:
        """Give back an unrecorded claim."""
        at = scheduled_for.astimezone(UTC)
        with self._lock:
            ticks = self._ticks.get(name, {})
            tick = ticks.get(at)
            if tick is not None and tick.owner == owner and not tick.done:
                del ticks[at]

    def record(self, record: FireRecord) -> None:
        """Settle a tick and move the cursor."""
        with self._lock:
            entry = self._entries.get(record.schedule)
            if entry is None:
                return
            at = record.scheduled_for.astimezone(UTC)
            tick = self._ticks.get(record.schedule, {}).get(at)
            if tick is not None:
                tick.done = True
            entry.history.append(record)
            if at > entry.stored.cursor:
                entry.stored = replace(entry.stored, cursor=at)
                self._prune(record.schedule, at)

    def _prune(self, name: str, cursor: datetime) -> None:
        # Ticks at or before the cursor can never be claimed again (claim_fire checks the
        # cursor first), so only the recent ones are kept.
        ticks = self._ticks.get(name)
        if not ticks:
            return
        horizon = cursor - timedelta(days=1)
        while ticks:
            oldest = next(iter(ticks))
            if oldest >= horizon:
                break
            del ticks[oldest]

    def history(self, name: str, limit: int = 50) -> builtins.list[FireRecord]:
        """The latest records, newest first."""
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                return []
            records: Iterable[FireRecord] = reversed(entry.history)
            return list(records)[: max(0, limit)]

    def __repr__(self) -> str:
        return f"InMemoryScheduleStore({len(self._entries)} schedules)"
