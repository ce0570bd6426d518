"""Backfill plans: a persisted, resumable list of partitions to (re)process.

A :class:`BackfillPlan` lives in ``core_backfill_plans`` (one row) and
``core_backfill_partitions`` (one row per partition, with its position, status and error).
Because every state change is committed as it happens, a worker that crashes mid-backfill
loses nothing: :meth:`BackfillPlan.load` re-opens the plan and :meth:`remaining_keys` says what
is left.

Lifecycle (:class:`BackfillStatus`)::

    PLANNED --start--> RUNNING --(all partitions done)--> COMPLETED
       |                  |------(all settled, some failed)--> FAILED --retry_failed--> RUNNING
       +----cancel--------+--cancel--> CANCELLED

Any other move raises :class:`~spine.ops.errors.InvalidTransitionError`. Plans come from
explicit keys (:meth:`BackfillPlan.create`), watermark gaps (:meth:`from_watermark_gaps`) or a
range of weeks (:meth:`from_week_range`); :func:`preview_backfill` (with :func:`gap_keys` or
:func:`week_range_keys` for the last two) shows exactly which partitions a plan would run
without writing anything.

Partition keys are strings (``"AAPL"``, ``"2025-12-26"``); dicts are stored as canonical JSON.

Example:
    >>> from spine.db.testing import memory_connection
    >>> conn = memory_connection()
    >>> plan = BackfillPlan.create(conn, "equity", "polygon", ["AAPL", "MSFT", "GOOG"],
    ...                            reason="gap after outage")
    >>> plan.start()
    >>> plan.mark_partition_done("AAPL")
    >>> plan.mark_partition_failed("MSFT", "HTTP 500")
    >>> BackfillPlan.load(conn, plan.plan_id).remaining_keys()
    ['GOOG']
    >>> plan.mark_partition_done("GOOG")
    >>> plan.status, plan.progress().percent
    (<BackfillStatus.FAILED: 'failed'>, 100.0)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spine.db import BaseRepository, reading, write
from spine.db.encoding import canonical_partition_key
from spine.db.encoding import decode_text as read_text
from spine.ops import _json
from spine.ops import backfill_claims as _claims
from spine.ops._checks import check_name
from spine.ops._enums import StoredEnum
from spine.ops._observe import observe, observed
from spine.ops.backfill_claims import PartitionClaim
from spine.ops.errors import InvalidTransitionError, NotFoundError
from spine.ops.watermarks import HighWater, WatermarkStore
from spine.types import Connection, ValidationError, WeekEnding, generate_ulid, utc_now

__all__ = [
    "BackfillPartitionStatus",
    "BackfillPlan",
    "BackfillPreview",
    "BackfillProgress",
    "BackfillStatus",
    "PartitionClaim",
    "gap_keys",
    "preview_backfill",
    "week_range_keys",
]

_PLANS = "core_backfill_plans"
_PARTS = "core_backfill_partitions"


class BackfillStatus(StoredEnum):
    """Status of a plan."""

    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """COMPLETED and CANCELLED never change again (FAILED can be retried)."""
        return self in (BackfillStatus.COMPLETED, BackfillStatus.CANCELLED)


class BackfillPartitionStatus(StoredEnum):
    """Status of one partition of a plan."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


_TRANSITIONS: dict[BackfillStatus, frozenset[BackfillStatus]] = {
    BackfillStatus.PLANNED: frozenset({BackfillStatus.RUNNING, BackfillStatus.CANCELLED}),
    BackfillStatus.RUNNING: frozenset(
        {BackfillStatus.COMPLETED, BackfillStatus.FAILED, BackfillStatus.CANCELLED}
    ),
    BackfillStatus.FAILED: frozenset({BackfillStatus.RUNNING, BackfillStatus.CANCELLED}),
    BackfillStatus.COMPLETED: frozenset(),
    BackfillStatus.CANCELLED: frozenset(),
}


def _key_text(key: object) -> str:
    if isinstance(key, Mapping):
        text = canonical_partition_key(key)
    elif isinstance(key, str) and key:
        text = key
    elif isinstance(key, WeekEnding):
        text = str(key)
    else:
        raise ValidationError(f"backfill partition key must be a non-empty str or dict: {key!r}")
    if len(text) > 500:
        raise ValidationError("backfill partition keys are limited to 500 chars")
    return text


def _dedupe(keys: Iterable[str | Mapping[str, Any]]) -> list[str]:
    if isinstance(keys, str | Mapping):
        raise ValidationError("partition_keys must be a list of keys, not a single key")
    return list(dict.fromkeys(_key_text(k) for k in keys))


@dataclass(frozen=True, slots=True)
class BackfillProgress:
    """Partition counts of a plan; ``percent`` is settled (done + failed) over total."""

    total: int
    done: int
    failed: int
    pending: int

    @property
    def percent(self) -> float:
        """0.0-100.0 (100.0 for an empty plan)."""
        return (
            100.0 if self.total == 0 else round(100.0 * (self.done + self.failed) / self.total, 2)
        )


@dataclass(frozen=True, slots=True)
class BackfillPreview:
    """What a plan would run (:func:`preview_backfill`): nothing has been written."""

    domain: str
    source: str
    partition_keys: tuple[str, ...]
    reason: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def partition_count(self) -> int:
        """Number of partitions."""
        return len(self.partition_keys)


def preview_backfill(
    domain: str,
    source: str,
    partition_keys: Iterable[str | Mapping[str, Any]],
    reason: str | None = None,
    *,
    metadata: Mapping[str, Any] | None = None,
) -> BackfillPreview:
    """The exact, de-duplicated, ordered partitions :meth:`BackfillPlan.create` over
    ``partition_keys`` would run; nothing is written. Combine with :func:`week_range_keys` or
    :func:`gap_keys` to preview :meth:`~BackfillPlan.from_week_range` /
    :meth:`~BackfillPlan.from_watermark_gaps`.

    Example:
        >>> preview_backfill("equity", "polygon", ["AAPL", "MSFT", "AAPL"]).partition_keys
        ('AAPL', 'MSFT')
        >>> preview_backfill("otc", "finra", week_range_keys("2025-12-01", "2025-12-19")).partition_keys
        ('2025-12-05', '2025-12-12', '2025-12-19')
    """  # noqa: E501
    _check(domain, source)
    return BackfillPreview(
        domain, source, tuple(_dedupe(partition_keys)), reason, dict(metadata or {})
    )


def week_range_keys(
    start: WeekEnding | _dt.date | str, end: WeekEnding | _dt.date | str
) -> list[str]:
    """Every week ending (Friday) between ``start`` and ``end`` inclusive, oldest first, as
    ``"YYYY-MM-DD"`` keys (the partitions of :meth:`BackfillPlan.from_week_range`).

    Raises:
        ValidationError: no Friday in the range, or unparseable dates.
    """
    first, last = _as_date(start, "start"), _as_date(end, "end")
    first += _dt.timedelta(days=(4 - first.weekday()) % 7)  # first Friday on/after start
    last -= _dt.timedelta(days=(last.weekday() - 4) % 7)  # last Friday on/before end
    weeks = [str(w) for w in WeekEnding.range(first, last)] if first <= last else []
    if not weeks:
        raise ValidationError(f"no week endings between {start} and {end}")
    return weeks


def gap_keys(
    store: WatermarkStore,
    domain: str,
    source: str,
    expected: Iterable[str | Mapping[str, Any]],
    *,
    min_high_water: HighWater | None = None,
) -> list[str]:
    """The ``expected`` partitions that have no watermark in ``store`` (or lag
    ``min_high_water``): the partitions of :meth:`BackfillPlan.from_watermark_gaps`."""
    gaps = store.list_gaps(domain, source, expected, min_high_water=min_high_water)
    return [g.partition_key for g in gaps]


def _as_date(value: WeekEnding | _dt.date | str, what: str) -> _dt.date:
    if isinstance(value, WeekEnding):
        return value.date
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{what} is not an ISO date: {value!r}") from None


def _check(domain: str, source: str) -> None:
    check_name(domain, "domain", 100)
    check_name(source, "source", 200)


class BackfillPlan:
    """A persisted backfill plan. Build with :meth:`create` / :meth:`load` / ``from_*``.

    Every method that changes state commits immediately (a savepoint inside a caller's
    ``spine.db.transaction`` block). Refresh-then-update transitions are compare-and-set, and
    partition marks lock the plan row first, so concurrent workers of one plan stay
    consistent.
    """

    def __init__(
        self,
        conn: Connection,
        plan_id: str,
        domain: str,
        source: str,
        status: BackfillStatus,
        reason: str | None,
        partition_count: int,
        metadata: Mapping[str, Any],
        created_at: _dt.datetime | None = None,
        started_at: _dt.datetime | None = None,
        completed_at: _dt.datetime | None = None,
    ) -> None:
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn
        self.plan_id = plan_id
        self.domain = domain
        self.source = source
        self.status = status
        self.reason = reason
        self.partition_count = partition_count
        self.metadata = dict(metadata)
        self.created_at = created_at
        self.started_at = started_at
        self.completed_at = completed_at

    # -- construction ------------------------------------------------------------------------
    @classmethod
    @observed(
        "backfill.create",
        fields=("domain", "source"),
        counts=lambda plan: {"plan_id": plan.plan_id, "partitions": plan.partition_count},
    )
    def create(
        cls,
        conn: Connection,
        domain: str,
        source: str,
        partition_keys: Iterable[str | Mapping[str, Any]],
        reason: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> BackfillPlan:
        """Persist a planned plan over ``partition_keys`` (de-duplicated, order kept).

        To see what it would run without writing anything, call :func:`preview_backfill`
        with the same arguments.

        Raises:
            ValidationError: bad domain/source/keys, or no partitions.
        """
        _check(domain, source)
        keys = _dedupe(partition_keys)
        meta = dict(metadata or {})
        if not keys:
            raise ValidationError("a backfill plan needs at least one partition")
        db = BaseRepository(conn)
        now = utc_now()
        ts = db.dialect.encode_timestamp(now)
        plan_id = generate_ulid()
        with write(db.conn):
            db.insert_many(
                _PLANS,
                [
                    {
                        "plan_id": plan_id,
                        "domain": domain,
                        "source": source,
                        "status": BackfillStatus.PLANNED.value,
                        "reason": reason,
                        "partition_count": len(keys),
                        "metadata_json": _json.dumps(meta) if meta else None,
                        "created_at": ts,
                        "started_at": None,
                        "completed_at": None,
                        "updated_at": ts,
                    }
                ],
            )
            db.insert_many(
                _PARTS,
                [
                    {
                        "plan_id": plan_id,
                        "partition_key": k,
                        "position": i,
                        "status": BackfillPartitionStatus.PENDING.value,
                        "error": None,
                        "updated_at": ts,
                    }
                    for i, k in enumerate(keys)
                ],
            )
        return cls(
            db.conn, plan_id, domain, source, BackfillStatus.PLANNED, reason, len(keys), meta, now
        )

    @classmethod
    def load(cls, conn: Connection, plan_id: str) -> BackfillPlan:
        """Re-open a persisted plan (after a crash, in another worker).

        Raises:
            NotFoundError: unknown plan id.
        """
        db = BaseRepository(conn)
        ph = db.dialect.placeholder
        with reading(db.conn):
            r = db.query_one(
                "SELECT plan_id, domain, source, status, reason, partition_count, metadata_json, "  # noqa: S608 - validated identifiers, bound values
                f"created_at, started_at, completed_at FROM {_PLANS} WHERE plan_id = {ph()}",
                (plan_id,),
            )
        if r is None:
            raise NotFoundError(f"no backfill plan {plan_id!r}").with_context(plan_id=plan_id)
        meta = _json.loads(r["metadata_json"])
        return cls(
            conn,
            str(r["plan_id"]),
            str(r["domain"]),
            str(r["source"]),
            BackfillStatus(r["status"]),
            read_text(r["reason"]),
            int(r["partition_count"]),
            meta if isinstance(meta, dict) else {},
            db.dialect.decode_timestamp(r["created_at"]),
            db.dialect.decode_timestamp(r["started_at"]),
            db.dialect.decode_timestamp(r["completed_at"]),
        )

    @classmethod
    def list_plans(
        cls, conn: Connection, domain: str, status: BackfillStatus | None = None
    ) -> list[BackfillPlan]:
        """Plans of a domain (optionally in one status), oldest first."""
        db = BaseRepository(conn)
        ph = db.dialect.placeholder
        sql = f"SELECT plan_id FROM {_PLANS} WHERE domain = {ph(0)}"  # noqa: S608 - validated identifiers, bound values
        params: list[Any] = [domain]
        if status is not None:
            sql += f" AND status = {ph(1)}"
            params.append(BackfillStatus(status).value)
        sql += " ORDER BY created_at, plan_id"
        with reading(db.conn):
            rows = db.query(sql, params)
        return [cls.load(conn, str(r["plan_id"])) for r in rows]

    @classmethod
    def from_watermark_gaps(
        cls,
        conn: Connection,
        store: WatermarkStore,
        domain: str,
        source: str,
        expected: Iterable[str | Mapping[str, Any]],
        reason: str | None = None,
        *,
        min_high_water: HighWater | None = None,
    ) -> BackfillPlan | None:
        """Plan the expected partitions that have no watermark (or lag ``min_high_water``);
        ``None`` when there is no gap. Preview with
        ``preview_backfill(domain, source, gap_keys(store, domain, source, expected))``.
        """
        keys = gap_keys(store, domain, source, expected, min_high_water=min_high_water)
        if not keys:
            return None
        why = reason or f"{len(keys)} watermark gap(s)"
        return cls.create(conn, domain, source, keys, why, metadata={"origin": "watermark_gaps"})

    @classmethod
    def from_week_range(
        cls,
        conn: Connection,
        domain: str,
        source: str,
        start: WeekEnding | _dt.date | str,
        end: WeekEnding | _dt.date | str,
        reason: str | None = None,
    ) -> BackfillPlan:
        """Plan every week ending (Friday) between ``start`` and ``end`` inclusive (any dates;
        keys ``"YYYY-MM-DD"``, oldest first). Preview with
        ``preview_backfill(domain, source, week_range_keys(start, end))``.

        Raises:
            ValidationError: no Friday in the range, or unparseable dates.
        """
        weeks = week_range_keys(start, end)
        why = reason or f"weeks {weeks[0]}..{weeks[-1]}"
        meta = {"origin": "week_range", "start": weeks[0], "end": weeks[-1]}
        return cls.create(conn, domain, source, weeks, why, metadata=meta)

    # -- state -------------------------------------------------------------------------------
    def _transition(self, new: BackfillStatus) -> None:
        self.refresh()
        if new not in _TRANSITIONS[self.status]:
            raise InvalidTransitionError(
                f"backfill plan {self.plan_id}: cannot go from {self.status.value} to {new.value}"
            ).with_context(plan_id=self.plan_id, status=self.status.value, target=new.value)
        d = self._repo
        ph = d.dialect.placeholder
        now = utc_now()
        sets = [f"status = {ph(0)}", f"updated_at = {ph(1)}"]
        params: list[Any] = [new.value, d.dialect.encode_timestamp(now)]
        if new is BackfillStatus.RUNNING and self.started_at is None:
            sets.append(f"started_at = {ph(len(params))}")
            params.append(d.dialect.encode_timestamp(now))
            self.started_at = now
        if new in (BackfillStatus.COMPLETED, BackfillStatus.FAILED, BackfillStatus.CANCELLED):
            sets.append(f"completed_at = {ph(len(params))}")
            params.append(d.dialect.encode_timestamp(now))
            self.completed_at = now
        params.extend([self.plan_id, self.status.value])
        n = d.execute_rowcount(
            f"UPDATE {_PLANS} SET {', '.join(sets)} WHERE plan_id = {ph(len(params) - 2)} "  # noqa: S608 - validated identifiers, bound values
            f"AND status = {ph(len(params) - 1)}",
            params,
        )
        if n == 0:  # someone else moved it between refresh and update
            raise InvalidTransitionError(
                f"backfill plan {self.plan_id} changed concurrently (was {self.status.value})"
            )
        self.status = new

    def refresh(self) -> BackfillPlan:
        """Re-read status and timestamps from the database."""
        fresh = BackfillPlan.load(self.conn, self.plan_id)
        self.status = fresh.status
        self.started_at, self.completed_at = fresh.started_at, fresh.completed_at
        return self

    @observed("backfill.start", fields=("self.plan_id",))
    def start(self) -> None:
        """PLANNED (or FAILED, to resume) -> RUNNING."""
        with write(self.conn):
            self._transition(BackfillStatus.RUNNING)

    @observed("backfill.cancel", fields=("self.plan_id",))
    def cancel(self) -> None:
        """PLANNED/RUNNING/FAILED -> CANCELLED (pending partitions stay PENDING)."""
        with write(self.conn):
            self._transition(BackfillStatus.CANCELLED)

    @observed("backfill.retry_failed", fields=("self.plan_id",))
    def retry_failed(self) -> int:
        """FAILED -> RUNNING with the failed partitions back to PENDING; returns how many."""
        d = self._repo
        ph = d.dialect.placeholder
        with write(d.conn):
            self.refresh()
            if self.status is not BackfillStatus.FAILED:
                raise InvalidTransitionError(
                    f"backfill plan {self.plan_id} is {self.status.value}; only a FAILED plan "
                    "can retry its failed partitions"
                ).with_context(plan_id=self.plan_id, status=self.status.value)
            self._transition(BackfillStatus.RUNNING)
            n = d.execute_rowcount(
                f"UPDATE {_PARTS} SET status = {ph(0)}, error = NULL, updated_at = {ph(1)} "  # noqa: S608 - validated identifiers, bound values
                f"WHERE plan_id = {ph(2)} AND status = {ph(3)}",
                (
                    BackfillPartitionStatus.PENDING.value,
                    d.dialect.encode_timestamp(utc_now()),
                    self.plan_id,
                    BackfillPartitionStatus.FAILED.value,
                ),
            )
        return n

    def _mark(
        self,
        key: str | Mapping[str, Any],
        status: BackfillPartitionStatus,
        error: str | None,
        claim: PartitionClaim | None = None,
    ) -> None:
        pk = _key_text(key)
        d = self._repo
        ph = d.dialect.placeholder
        with (
            observe(
                "backfill.mark_partition",
                plan_id=self.plan_id,
                partition_key=pk,
                status=status.value,
                worker_id=claim.worker_id if claim else None,
            ) as counts,
            write(d.conn),
        ):
            # Lock the plan row first: concurrent marks of one plan serialise here, so the
            # last one sees every other partition settled and completes the plan.
            d.execute_rowcount(
                f"UPDATE {_PLANS} SET updated_at = {ph(0)} WHERE plan_id = {ph(1)}",  # noqa: S608 - validated identifiers, bound values
                (d.dialect.encode_timestamp(utc_now()), self.plan_id),
            )
            self.refresh()
            if self.status is not BackfillStatus.RUNNING:
                raise InvalidTransitionError(
                    f"backfill plan {self.plan_id} is {self.status.value}; start() it before "
                    "marking partitions"
                ).with_context(plan_id=self.plan_id, status=self.status.value)
            row = d.query_one(
                f"SELECT status FROM {_PARTS} WHERE plan_id = {ph(0)} "  # noqa: S608 - validated identifiers, bound values
                f"AND partition_key = {ph(1)}",
                (self.plan_id, pk),
            )
            if row is None:
                raise NotFoundError(
                    f"partition {pk!r} is not part of backfill plan {self.plan_id}"
                ).with_context(plan_id=self.plan_id, partition_key=pk)
            sets = (
                f"UPDATE {_PARTS} SET status = {ph(0)}, error = {ph(1)}, "  # noqa: S608 - validated identifiers, bound values
                f"updated_at = {ph(2)}, lease_expires_at = NULL WHERE "
            )
            params: tuple[Any, ...] = (status.value, error, d.dialect.encode_timestamp(utc_now()))
            if claim is None:
                n = d.execute_rowcount(
                    f"{sets}plan_id = {ph(3)} AND partition_key = {ph(4)}",
                    (*params, self.plan_id, pk),
                )
            else:  # only while the claim still holds the partition (fenced by its attempt)
                fence, _ = _claims.fence_sql(self, 3)
                n = d.execute_rowcount(f"{sets}{fence}", (*params, *_claims.fence_params(claim)))
                if n == 0:
                    raise _claims.lost(claim, f"be marked {status.value}")
            progress = self._progress_uncommitted()
            if progress.pending == 0:
                self._transition(
                    BackfillStatus.FAILED if progress.failed else BackfillStatus.COMPLETED
                )
            counts.update(updated=n, pending=progress.pending, plan_status=self.status.value)

    def mark_partition_done(self, key: str | Mapping[str, Any]) -> None:
        """Mark a partition DONE (idempotent); completes the plan when none is pending.

        Raises:
            InvalidTransitionError: the plan is not RUNNING.
            NotFoundError: the key is not in the plan.
        """
        self._mark(key, BackfillPartitionStatus.DONE, None)

    def mark_partition_failed(self, key: str | Mapping[str, Any], error: str) -> None:
        """Mark a partition FAILED with its error; the plan becomes FAILED once nothing is
        pending and something failed."""
        self._mark(key, BackfillPartitionStatus.FAILED, str(error))

    # -- several workers: claims with a lease --------------------------------------------------
    def claim(
        self,
        worker_id: str,
        limit: int = 1,
        *,
        lease: _dt.timedelta | float = _claims.DEFAULT_LEASE,
    ) -> list[PartitionClaim]:
        """Claim up to ``limit`` pending partitions nobody holds (in plan order) for
        ``worker_id``, each leased until now + ``lease`` (see :mod:`spine.ops.backfill_claims`).

        Concurrent callers (threads or processes, each with its own connection) never get the
        same partition; a partition whose lease expired is claimed again (taken over). A
        PLANNED plan is started by its first claim. Returns ``[]`` when nothing is claimable:
        every pending partition is held, or the plan is completed, failed or cancelled.

        Raises:
            ValidationError: bad ``worker_id`` (1..200 chars), ``limit`` (1..1000) or
                ``lease`` (a positive timedelta or number of seconds).
        """
        worker = _claims.check_worker(worker_id)
        n = _claims.check_limit(limit)
        span = _claims.check_lease(lease)
        with observe("backfill.claim", plan_id=self.plan_id, worker_id=worker, limit=n) as counts:
            self.refresh()
            if self.status is BackfillStatus.PLANNED:
                with contextlib.suppress(InvalidTransitionError):  # another worker started it
                    self.start()
                self.refresh()
            claims = (
                _claims.claim_pending(self, worker, n, span)
                if self.status is BackfillStatus.RUNNING
                else []
            )
            counts.update(claimed=len(claims), plan_status=self.status.value)
        return claims

    def complete(self, claim: PartitionClaim) -> None:
        """Mark a claimed partition DONE; completes the plan when none is pending.

        Raises:
            LeaseLostError: the lease expired and another worker claimed the partition.
            InvalidTransitionError: the plan is no longer RUNNING (e.g. cancelled).
        """
        c = _claims.check_claim(self, claim)
        self._mark(c.partition_key, BackfillPartitionStatus.DONE, None, c)

    def fail(self, claim: PartitionClaim, error: str) -> None:
        """Mark a claimed partition FAILED with its error (see :meth:`complete`)."""
        c = _claims.check_claim(self, claim)
        self._mark(c.partition_key, BackfillPartitionStatus.FAILED, str(error), c)

    def renew(
        self, claim: PartitionClaim, lease: _dt.timedelta | float = _claims.DEFAULT_LEASE
    ) -> PartitionClaim:
        """Extend a held claim's lease to now + ``lease`` (a heartbeat for long partitions);
        returns the renewed claim.

        Raises:
            LeaseLostError: the lease expired and another worker claimed the partition (or it
                is already settled).
        """
        c = _claims.check_claim(self, claim)
        span = _claims.check_lease(lease)
        with observe(
            "backfill.renew", plan_id=self.plan_id, partition_key=c.partition_key
        ) as counts:
            renewed = _claims.renew_claim(self, c, span)
            counts["renewed"] = 1
        return renewed

    def release(self, claim: PartitionClaim) -> bool:
        """Hand a held partition back unsettled, claimable again at once; ``False`` when the
        claim no longer held it."""
        c = _claims.check_claim(self, claim)
        with observe(
            "backfill.release", plan_id=self.plan_id, partition_key=c.partition_key
        ) as counts:
            released = _claims.release_claim(self, c)
            counts["released"] = int(released)
        return released

    def claims(self) -> list[PartitionClaim]:
        """Partitions held now (pending, lease not expired), in plan order."""
        return _claims.live_claims(self)

    # -- reads -------------------------------------------------------------------------------
    def _progress_uncommitted(self) -> BackfillProgress:
        d = self._repo
        ph = d.dialect.placeholder
        with reading(d.conn):
            rows = d.query(
                f"SELECT status, COUNT(*) AS n FROM {_PARTS} "  # noqa: S608 - validated identifiers, bound values
                f"WHERE plan_id = {ph()} GROUP BY status",
                (self.plan_id,),
            )
        counts = {BackfillPartitionStatus(r["status"]): int(r["n"]) for r in rows}
        done = counts.get(BackfillPartitionStatus.DONE, 0)
        failed = counts.get(BackfillPartitionStatus.FAILED, 0)
        pending = counts.get(BackfillPartitionStatus.PENDING, 0)
        return BackfillProgress(done + failed + pending, done, failed, pending)

    def progress(self) -> BackfillProgress:
        """Counts of done / failed / pending partitions."""
        return self._progress_uncommitted()

    def _keys(self, status: BackfillPartitionStatus | None) -> list[str]:
        d = self._repo
        ph = d.dialect.placeholder
        sql = f"SELECT partition_key FROM {_PARTS} WHERE plan_id = {ph(0)}"  # noqa: S608 - validated identifiers, bound values
        params: list[Any] = [self.plan_id]
        if status is not None:
            sql += f" AND status = {ph(1)}"
            params.append(status.value)
        sql += " ORDER BY position"
        with reading(d.conn):
            rows = d.query(sql, params)
        return [str(r["partition_key"]) for r in rows]

    def remaining_keys(self) -> list[str]:
        """PENDING partitions, in plan order: what a resumed run still has to do."""
        return self._keys(BackfillPartitionStatus.PENDING)

    def failed_partitions(self) -> dict[str, str | None]:
        """``{partition_key: error}`` of FAILED partitions, in plan order."""
        d = self._repo
        ph = d.dialect.placeholder
        with reading(d.conn):
            rows = d.query(
                f"SELECT partition_key, error FROM {_PARTS} WHERE plan_id = {ph(0)} "  # noqa: S608 - validated identifiers, bound values
                f"AND status = {ph(1)} ORDER BY position",
                (self.plan_id, BackfillPartitionStatus.FAILED.value),
            )
        return {str(r["partition_key"]): read_text(r["error"]) for r in rows}

    def partition_keys(self) -> list[str]:
        """All partitions, in plan order."""
        return self._keys(None)

    def preview(self) -> BackfillPreview:
        """What running (or resuming) this plan would process now: its PENDING partitions."""
        return BackfillPreview(
            self.domain, self.source, tuple(self.remaining_keys()), self.reason, self.metadata
        )

    def __repr__(self) -> str:
        return (
            f"BackfillPlan({self.plan_id!r}, {self.domain}/{self.source}, "
            f"{self.status.value}, {self.partition_count} partitions)"
        )
