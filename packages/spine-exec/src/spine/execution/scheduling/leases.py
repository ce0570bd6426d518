"""``LeaderLease``: which of many database schedulers ticks (the others stand by).

A lease is one row of ``core_scheduler_leases``: its holder and the instant it ends. The
holder renews it on every tick; when the holder dies the lease runs out and the next
scheduler that asks takes it over (a compare-and-set ``UPDATE ... WHERE lease_until <=
now``, so exactly one of several standbys wins). The lease is an optimisation - one process
does the tick work; exactly-once fires do not depend on it: two schedulers that both believe
they lead (a paused leader whose lease ran out) still cannot both claim a tick.

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> from spine.db import connect
    >>> from spine.execution.scheduling.sql_store import SqlScheduleStore
    >>> lease = SqlLeaderLease(SqlScheduleStore(connect("memory")), "default")
    >>> t0 = datetime(2025, 1, 3, tzinfo=timezone.utc)
    >>> lease.acquire("a", t0 + timedelta(seconds=30), now=t0)
    True
    >>> lease.acquire("b", t0 + timedelta(seconds=30), now=t0)           # a holds it
    False
    >>> lease.acquire("b", t0 + timedelta(seconds=90), now=t0 + timedelta(seconds=31))
    True
"""

from __future__ import annotations

from datetime import datetime

from spine.db import reading, write
from spine.execution.scheduling.schema import CORE_SCHEDULER_LEASES
from spine.execution.scheduling.sql_store import SqlScheduleStore
from spine.types import IntegrityError

__all__ = ["SqlLeaderLease"]

_L = CORE_SCHEDULER_LEASES.name


class SqlLeaderLease:
    """A named leader lease in ``core_scheduler_leases`` (see the module docstring).

    Args:
        store: The scheduler's :class:`SqlScheduleStore` (its connection and lock are used).
        name: The lease's name: schedulers sharing a name elect one leader among them.
    """

    def __init__(self, store: SqlScheduleStore, name: str = "default") -> None:
        self.store = store
        self.name = name

    def acquire(self, holder: str, lease_until: datetime, *, now: datetime) -> bool:
        """Take or renew the lease for ``holder`` until ``lease_until``; whether ``holder``
        leads now."""
        s = self.store
        ph = s.dialect.placeholder
        ts = s.encode_ts
        with s.lock:
            with write(s.conn):
                n = s.repo.execute_rowcount(
                    f"UPDATE {_L} SET holder = {ph(0)}, lease_until = {ph(1)}, "  # noqa: S608 - constant identifiers, bound values
                    f"renewed_at = {ph(2)} WHERE lease_name = {ph(3)} "
                    f"AND (holder = {ph(4)} OR lease_until <= {ph(5)})",
                    (holder, ts(lease_until), ts(now), self.name, holder, ts(now)),
                )
            if n == 1:
                return True
            try:
                with write(s.conn):
                    s.repo.insert(
                        _L,
                        {
                            "lease_name": self.name,
                            "holder": holder,
                            "lease_until": ts(lease_until),
                            "acquired_at": ts(now),
                            "renewed_at": ts(now),
                        },
                    )
            except IntegrityError:  # it exists and someone else holds it
                return False
            return True

    def release(self, holder: str) -> bool:
        """Give the lease up (a clean shutdown: a standby takes over at once)."""
        s = self.store
        ph = s.dialect.placeholder
        with s.lock, write(s.conn):
            n = s.repo.execute_rowcount(
                f"DELETE FROM {_L} WHERE lease_name = {ph(0)} AND holder = {ph(1)}",  # noqa: S608 - constant identifiers, bound values
                (self.name, holder),
            )
        return n > 0

    def holder(self) -> tuple[str, datetime] | None:
        """The current ``(holder, lease_until)``, or ``None`` (it may have run out)."""
        s = self.store
        with s.lock, reading(s.conn):
            row = s.repo.query_one(
                f"SELECT holder, lease_until FROM {_L} WHERE lease_name = {s.dialect.placeholder(0)}",  # noqa: S608, E501 - constant identifiers, bound values
                (self.name,),
            )
        if row is None:
            return None
        return str(row["holder"]), s.decode_ts(row["lease_until"])

    def __repr__(self) -> str:
        return f"SqlLeaderLease({self.name!r})"
