"""``DatabaseScheduler``: one schedule set, many scheduler processes, each fire exactly once.

For deployments with several hosts: run a ``DatabaseScheduler`` in as many processes as you
like against one server database (PostgreSQL, MySQL/MariaDB, Oracle, Db2; SQLite for one
machine). They share the schedules of ``core_schedules`` and:

* **elect a leader** through a lease row
  (:class:`~spine.execution.scheduling.leases.SqlLeaderLease`): only the leader ticks;
  the others stand by and check the lease every ``max_sleep``.
  The leader renews its lease on every tick; when it dies (killed, host lost, partitioned)
  the lease runs out after ``leader_lease`` and a standby takes over;
* **claim every tick** in ``core_schedule_fires``: one row per (schedule, fire instant),
  inserted by exactly one scheduler (the primary key refuses the others). A leader that died
  mid-submit leaves a claim that another scheduler takes over after ``claim_lease`` - and
  submits the same fire again with the **same idempotency key**
  (:meth:`Schedule.idempotency_key`), which the dispatcher's ledger maps to the execution
  already created, so the fire still runs once.

So no tick is lost (the new leader resumes from each schedule's ``settled_until``, applying
the misfire policy to whatever fell due while nobody led) and none is doubled (claims plus
idempotency keys), even when two processes briefly both believe they lead.

Example:
    >>> from datetime import datetime, timezone
    >>> from spine.db import connect
    >>> from spine.execution import Dispatcher
    >>> from spine.execution.scheduling import DatabaseScheduler, ManualClock, Schedule
    >>> dispatcher = Dispatcher()
    >>> _ = dispatcher.registry.register("otc.ingest", lambda params: params)
    >>> clock = ManualClock(datetime(2025, 12, 26, 22, 59, tzinfo=timezone.utc))
    >>> scheduler = DatabaseScheduler(dispatcher, connect("memory"), clock=clock, owner="a")
    >>> _ = scheduler.add(Schedule("weekly", "otc.ingest", cron="0 23 * * FRI"))
    >>> _ = clock.advance(minutes=1)
    >>> [(r.status.value, r.owner) for r in scheduler.tick()]
    [('submitted', 'a')]
    >>> scheduler.is_leader
    True
"""

from __future__ import annotations

import builtins
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from spine.execution.scheduling.leases import SqlLeaderLease
from spine.execution.scheduling.sql_store import SqlScheduleStore
from spine.execution.scheduling.store import FireRecord
from spine.execution.scheduling.threaded import ThreadScheduler
from spine.types import ValidationError

__all__ = ["DatabaseScheduler"]

log = logging.getLogger("spine.execution.scheduling")


class DatabaseScheduler(ThreadScheduler):
    """A :class:`ThreadScheduler` over :class:`SqlScheduleStore` with a leader lease.

    Args:
        dispatcher: Where fires are submitted. For exactly-once runs across processes its
            ledger must be shared too (the SQL ledger), so idempotency keys are seen by all.
        conn: A connection of this scheduler's own (its thread uses it; calls from other
            threads are serialised on it).
        lease_name: Schedulers with the same lease name elect one leader (default
            ``"default"``).
        leader_lease: How long a leader's lease lasts without renewal (default 30 s); a
            standby takes over at most this long after the leader died.
        max_sleep: Longest wait between ticks, in seconds (default and at most a third of
            ``leader_lease``, so the leader renews in time).
        install: Create the scheduling tables when missing (default ``True``).
        **options: See :class:`SchedulerCore` (``clock``, ``event_bus``, ``owner``,
            ``claim_lease``, ``check_targets``).
    """

    def __init__(
        self,
        dispatcher: Any,
        conn: Any,
        *,
        lease_name: str = "default",
        leader_lease: timedelta = timedelta(seconds=30),
        max_sleep: float | None = None,
        install: bool = True,
        **options: Any,
    ) -> None:
        if not isinstance(leader_lease, timedelta) or leader_lease <= timedelta(0):
            raise ValidationError(
                f"leader_lease must be a positive timedelta, got {leader_lease!r}"
            )
        if "store" in options:
            raise ValidationError("DatabaseScheduler builds its own SqlScheduleStore from conn")
        store = SqlScheduleStore(conn, install=install)
        longest = leader_lease.total_seconds() / 3
        sleep = longest if max_sleep is None else min(max_sleep, longest)
        super().__init__(dispatcher, store=store, max_sleep=sleep, **options)
        self.sql_store = store
        self.lease = SqlLeaderLease(store, lease_name)
        self.leader_lease = leader_lease
        self._leading = False
        self._renewed_at: datetime | None = None
        self._renew_every = leader_lease / 3

    @property
    def is_leader(self) -> bool:
        """Whether this scheduler held the lease at its last tick."""
        return self._leading

    def tick(self, now: datetime | None = None) -> builtins.list[FireRecord]:
        """Renew (or try to take) the leader lease; the leader then settles every due fire.
        A standby returns ``[]``."""
        at = self.clock.now() if now is None else now
        renewed = self._renewed_at
        if self._leading and renewed is not None and renewed <= at < renewed + self._renew_every:
            leading = True  # renewed a moment ago: at least two thirds of the lease are left
        else:
            leading = self.lease.acquire(self.owner, at + self.leader_lease, now=at)
            self._renewed_at = at if leading else None
        if leading != self._leading:
            log.info(
                "scheduler %s %s lease %r",
                self.owner,
                "took the" if leading else "lost the",
                self.lease.name,
            )
        self._leading = leading
        if not leading:
            return []
        return super().tick(at)

    def wake_deadline(self, max_sleep: timedelta) -> datetime:
        """A standby checks the lease every ``max_sleep``; a leader whose earliest fire is
        already due but held by someone else's claim re-checks within a second."""
        now = self.clock.now()
        if not self._leading:
            return now + max_sleep
        deadline = super().wake_deadline(max_sleep)
        return deadline if deadline > now else now + min(max_sleep, timedelta(seconds=1))

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop ticking and give the lease up, so a standby takes over at once."""
        super().stop(timeout)
        if self._leading:
            with contextlib.suppress(Exception):  # best effort: the lease also runs out
                self.lease.release(self.owner)
            self._leading = False
            self._renewed_at = None
