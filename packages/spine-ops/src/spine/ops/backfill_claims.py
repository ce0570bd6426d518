"""Several workers splitting one backfill plan: claims with a lease.

:meth:`BackfillPlan.claim <spine.ops.backfill.BackfillPlan.claim>` hands a worker the next
``limit`` pending partitions of a plan (in plan order) that nobody holds, each with a
**lease**: until ``lease_expires_at`` no other worker gets it. The claim query is spine-db's
``select_for_claim`` (``SELECT ... FOR UPDATE SKIP LOCKED`` where the backend has it, so
concurrent claimers never wait for or get each other's rows; on SQLite the claim runs under
the database write lock taken by ``BEGIN IMMEDIATE``). The worker then settles each partition
with :meth:`~spine.ops.backfill.BackfillPlan.complete` or
:meth:`~spine.ops.backfill.BackfillPlan.fail`, may extend a long lease with
:meth:`~spine.ops.backfill.BackfillPlan.renew` (a heartbeat), or hand it back with
:meth:`~spine.ops.backfill.BackfillPlan.release`.

A worker that dies keeps its partitions only until the lease expires: the next ``claim``
of any worker takes them over. Each claim increments the partition's ``attempts``, and
``complete`` / ``fail`` / ``renew`` check the claim's worker and attempt (a fencing token):
a worker whose lease was taken over gets :class:`~spine.ops.errors.LeaseLostError` instead
of settling a partition someone else now owns. Lease times are the workers' clocks (aware
UTC): keep them in sync, and choose leases much longer than the clock skew.

Example:
    >>> from datetime import timedelta
    >>> from spine.db.testing import memory_connection
    >>> from spine.ops import BackfillPlan
    >>> conn = memory_connection()
    >>> plan = BackfillPlan.create(conn, "equity", "polygon", ["AAPL", "MSFT", "GOOG"])
    >>> claims = plan.claim("worker-1", limit=2, lease=timedelta(minutes=5))
    >>> [c.partition_key for c in claims], claims[0].attempt
    (['AAPL', 'MSFT'], 1)
    >>> [c.partition_key for c in plan.claim("worker-2", limit=2)]
    ['GOOG']
    >>> plan.claim("worker-3")
    []
    >>> plan.complete(claims[0]); plan.fail(claims[1], "HTTP 500")
    >>> plan.progress()
    BackfillProgress(total=3, done=1, failed=1, pending=1)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spine.db import BaseRepository, Dialect, claim_rows, reading, write
from spine.ops._checks import check_name
from spine.ops.errors import LeaseLostError
from spine.types import ValidationError, utc_now

if TYPE_CHECKING:
    from spine.ops.backfill import BackfillPlan

__all__ = ["DEFAULT_LEASE", "MAX_CLAIM", "PartitionClaim"]

_PARTS = "core_backfill_partitions"
_PENDING = "pending"
_CLAIM_COLUMNS = ("partition_key", "attempts")

DEFAULT_LEASE = _dt.timedelta(minutes=5)
"""Lease of a claim when none is given."""

MAX_CLAIM = 1000
"""Most partitions one :meth:`~spine.ops.backfill.BackfillPlan.claim` call hands out."""


@dataclass(frozen=True, slots=True)
class PartitionClaim:
    """A partition of a backfill plan held by one worker until ``lease_expires_at``.

    Attributes:
        plan_id: The plan.
        partition_key: The partition (as stored: a string, or canonical JSON for a dict key).
        worker_id: Who holds it.
        attempt: How many times the partition has been claimed, this claim included (the
            fencing token checked by ``complete`` / ``fail`` / ``renew``).
        lease_expires_at: Aware UTC end of the lease; after it another worker may take over.
    """

    plan_id: str
    partition_key: str
    worker_id: str
    attempt: int
    lease_expires_at: _dt.datetime


def check_worker(worker_id: object) -> str:
    """A worker id is a str of 1..200 chars (host:pid, a pod name, a ULID...)."""
    return check_name(worker_id, "worker_id", 200)


def check_limit(limit: object) -> int:
    """How many partitions to claim: an int in 1..:data:`MAX_CLAIM`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_CLAIM:
        raise ValidationError(f"limit must be an int in 1..{MAX_CLAIM}, got {limit!r}")
    return limit


def check_lease(lease: object) -> _dt.timedelta:
    """A lease is a positive ``timedelta`` or a positive number of seconds."""
    if isinstance(lease, _dt.timedelta):
        span = lease
    elif isinstance(lease, int | float) and not isinstance(lease, bool):
        span = _dt.timedelta(seconds=lease) if lease == lease else _dt.timedelta(0)  # NaN
    else:
        raise ValidationError(f"lease must be a timedelta or seconds, got {lease!r}")
    if span <= _dt.timedelta(0):
        raise ValidationError(f"lease must be positive, got {lease!r}")
    return span


def check_claim(plan: BackfillPlan, claim: object) -> PartitionClaim:
    """``claim`` must be a :class:`PartitionClaim` of ``plan``."""
    if not isinstance(claim, PartitionClaim):
        raise ValidationError(f"expected a PartitionClaim, got {type(claim).__name__}")
    if claim.plan_id != plan.plan_id:
        raise ValidationError(
            f"claim of plan {claim.plan_id} given to backfill plan {plan.plan_id}"
        )
    return claim


def _claimable(dialect: Dialect) -> str:
    """``WHERE`` of a claim: the plan's pending partitions whose lease is absent or over."""
    ph = dialect.placeholder
    return (
        f"plan_id = {ph(0)} AND status = {ph(1)} "
        f"AND (lease_expires_at IS NULL OR lease_expires_at < {ph(2)})"
    )


def claim_sql(dialect: Dialect, limit: int) -> tuple[str, str]:
    """The two statements of a claim, as ``dialect`` renders them: the query selecting and
    locking up to ``limit`` claimable partitions (``plan_id``, ``status``, now) and the update
    taking one of them (worker, lease end, new attempt, now, plan_id, key, old attempt).

    Example:
        >>> from spine.db import get_dialect
        >>> print(claim_sql(get_dialect("postgresql"), 2)[0])  # doctest: +NORMALIZE_WHITESPACE
        SELECT partition_key, attempts FROM core_backfill_partitions WHERE plan_id = %s AND
        status = %s AND (lease_expires_at IS NULL OR lease_expires_at < %s) ORDER BY position
        LIMIT 2 FOR UPDATE SKIP LOCKED
    """
    ph = dialect.placeholder
    select = dialect.select_for_claim(
        _PARTS, _CLAIM_COLUMNS, _claimable(dialect), "position", limit
    )
    update = (
        f"UPDATE {_PARTS} SET claimed_by = {ph(0)}, lease_expires_at = {ph(1)}, "  # noqa: S608 - validated identifiers, bound values
        f"attempts = {ph(2)}, updated_at = {ph(3)} "
        f"WHERE plan_id = {ph(4)} AND partition_key = {ph(5)} AND attempts = {ph(6)}"
    )
    return select, update


def claim_pending(
    plan: BackfillPlan, worker_id: str, limit: int, lease: _dt.timedelta
) -> list[PartitionClaim]:
    """Claim up to ``limit`` pending, unheld partitions of ``plan`` (in plan order) for
    ``worker_id`` in one transaction (:func:`claim_sql`); the plan must be RUNNING."""
    d = BaseRepository(plan.conn)
    dialect = d.dialect
    now = utc_now()
    until = now + lease
    _, update = claim_sql(dialect, limit)
    claims: list[PartitionClaim] = []
    with write(d.conn) as sc:
        rows = claim_rows(  # renders claim_sql's query: SKIP LOCKED where the backend has it
            sc,
            _PARTS,
            _CLAIM_COLUMNS,
            _claimable(dialect),
            "position",
            limit,
            (plan.plan_id, _PENDING, dialect.encode_timestamp(now)),
        )
        for key, attempts in rows:
            attempt = int(attempts or 0) + 1
            n = d.execute_rowcount(
                update,
                (
                    worker_id,
                    dialect.encode_timestamp(until),
                    attempt,
                    dialect.encode_timestamp(now),
                    plan.plan_id,
                    str(key),
                    int(attempts or 0),
                ),
            )
            if n == 1:
                claims.append(PartitionClaim(plan.plan_id, str(key), worker_id, attempt, until))
    return claims


def fence_sql(plan: BackfillPlan, start: int) -> tuple[str, int]:
    """``WHERE`` of the row a claim still holds: its plan, key, worker and attempt
    (placeholders from ``start``); returns the clause and the next placeholder index."""
    ph = BaseRepository(plan.conn).dialect.placeholder
    clause = (
        f"plan_id = {ph(start)} AND partition_key = {ph(start + 1)} "
        f"AND claimed_by = {ph(start + 2)} AND attempts = {ph(start + 3)}"
    )
    return clause, start + 4


def fence_params(claim: PartitionClaim) -> tuple[Any, ...]:
    """The values of :func:`fence_sql`."""
    return (claim.plan_id, claim.partition_key, claim.worker_id, claim.attempt)


def lost(claim: PartitionClaim, what: str) -> LeaseLostError:
    """The error of a claim whose lease another worker took over."""
    return LeaseLostError(
        f"{claim.worker_id} no longer holds partition {claim.partition_key!r} of backfill plan "
        f"{claim.plan_id} (claim attempt {claim.attempt}): its lease expired and another "
        f"worker claimed it, so it cannot {what}; drop this partition's work"
    ).with_context(
        plan_id=claim.plan_id,
        partition_key=claim.partition_key,
        worker_id=claim.worker_id,
        attempt=claim.attempt,
    )


def renew_claim(plan: BackfillPlan, claim: PartitionClaim, lease: _dt.timedelta) -> PartitionClaim:
    """Extend a held, pending claim's lease to now + ``lease``."""
    d = BaseRepository(plan.conn)
    ph = d.dialect.placeholder
    until = utc_now() + lease
    fence, nxt = fence_sql(plan, 2)
    with write(d.conn):
        n = d.execute_rowcount(
            f"UPDATE {_PARTS} SET lease_expires_at = {ph(0)}, updated_at = {ph(1)} "  # noqa: S608 - validated identifiers, bound values
            f"WHERE {fence} AND status = {ph(nxt)}",
            (
                d.dialect.encode_timestamp(until),
                d.dialect.encode_timestamp(utc_now()),
                *fence_params(claim),
                _PENDING,
            ),
        )
    if n == 0:
        raise lost(claim, "be renewed")
    return PartitionClaim(claim.plan_id, claim.partition_key, claim.worker_id, claim.attempt, until)


def release_claim(plan: BackfillPlan, claim: PartitionClaim) -> bool:
    """Hand a held, pending partition back (claimable at once); ``False`` when this claim no
    longer holds it."""
    d = BaseRepository(plan.conn)
    ph = d.dialect.placeholder
    fence, nxt = fence_sql(plan, 1)
    with write(d.conn):
        n = d.execute_rowcount(
            f"UPDATE {_PARTS} SET lease_expires_at = NULL, updated_at = {ph(0)} "  # noqa: S608 - validated identifiers, bound values
            f"WHERE {fence} AND status = {ph(nxt)}",
            (d.dialect.encode_timestamp(utc_now()), *fence_params(claim), _PENDING),
        )
    return n > 0


def live_claims(plan: BackfillPlan) -> list[PartitionClaim]:
    """Pending partitions of ``plan`` whose lease has not expired, in plan order."""
    d = BaseRepository(plan.conn)
    ph = d.dialect.placeholder
    with reading(d.conn):
        rows = d.query(
            "SELECT partition_key, claimed_by, attempts, lease_expires_at "  # noqa: S608 - validated identifiers, bound values
            f"FROM {_PARTS} WHERE plan_id = {ph(0)} AND status = {ph(1)} "
            f"AND lease_expires_at >= {ph(2)} ORDER BY position",
            (plan.plan_id, _PENDING, d.dialect.encode_timestamp(utc_now())),
        )
    return [_claim_of(plan, r, d) for r in rows]


def _claim_of(plan: BackfillPlan, r: Mapping[str, Any], d: BaseRepository) -> PartitionClaim:
    until = d.dialect.decode_timestamp(r["lease_expires_at"])
    assert until is not None
    return PartitionClaim(
        plan.plan_id, str(r["partition_key"]), str(r["claimed_by"]), int(r["attempts"]), until
    )
