"""Retention: purge old rows of the core tables in bounded, separately committed batches.

:func:`purge_table` deletes rows older than N days **batch by batch** (``batch_size`` rows per
``DELETE``, each committed), so purging millions of rows never holds one giant transaction or
lock, and an interrupted purge leaves a consistent table: the oldest rows are gone, the rest
intact, and a re-run finishes the job. Per dialect: ``DELETE ... WHERE id IN (SELECT id ...
ORDER BY ts LIMIT n)``, or ``DELETE ... ORDER BY ts LIMIT n`` on MySQL/MariaDB, which cannot
``LIMIT`` inside ``IN`` (the dialect's bounded delete).

Only known tables can be purged (:data:`RETENTION_TARGETS`), each with its timestamp column
and a safety filter: executions and work items that are still active are kept; anomalies and
dead letters are purged only once resolved. Domain tables can be purged by passing a
:class:`RetentionTarget` (its identifiers are validated).

:func:`purge_all` applies a :class:`RetentionConfig` (days per table; defaults from the spec:
executions 90, rejects 30, quality 90, anomalies 180, work items 30) and returns a
:class:`RetentionReport`; a failing table is reported, the others still run.

Example:
    >>> from spine.db.testing import memory_connection
    >>> conn = memory_connection()
    >>> purge_table(conn, "core_rejects", older_than_days=30).deleted
    0
    >>> report = purge_all(conn, RetentionConfig(rejects=7))
    >>> [(r.table, r.deleted) for r in report.results][:2]
    [('core_rejects', 0), ('core_quality', 0)]
    >>> report.absent[:2]  # spine-exec declares these when it is installed
    ('core_executions', 'core_work_items')
    >>> purge_table(conn, "users; DROP TABLE x", 30)
    Traceback (most recent call last):
    ...
    spine.types.errors.ValidationError: no retention target 'users; DROP TABLE x'; known: ...
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from spine.db import BaseRepository, Dialect, table_exists, write
from spine.ops._checks import ident
from spine.ops._observe import observed
from spine.types import Connection, ValidationError, utc_now

__all__ = [
    "RETENTION_TARGETS",
    "PurgeResult",
    "RetentionConfig",
    "RetentionReport",
    "RetentionTarget",
    "delete_batch_sql",
    "purge_all",
    "purge_table",
]

_ACTIVE_STATUSES = ("pending", "queued", "running", "scheduled", "retrying")


@dataclass(frozen=True, slots=True)
class RetentionTarget:
    """A purgeable table.

    Attributes:
        table: Table name.
        ts_column: Timestamp column compared with the cutoff.
        id_column: Unique row id used to delete a batch.
        keep_statuses: Rows whose ``status_column`` is one of these are kept (stored status
            values are lower case; these are compared lower-cased).
        status_column: Column holding the status (when ``keep_statuses``).
        require_not_null: Rows are purged only when this column is set (``resolved_at``).
    """

    table: str
    ts_column: str
    id_column: str = "id"
    keep_statuses: tuple[str, ...] = ()
    status_column: str = "status"
    require_not_null: str | None = None

    def __post_init__(self) -> None:
        ident(self.table)
        ident(self.ts_column)
        ident(self.id_column)
        ident(self.status_column)
        if self.require_not_null is not None:
            ident(self.require_not_null)


RETENTION_TARGETS: Mapping[str, RetentionTarget] = {
    "executions": RetentionTarget("core_executions", "created_at", keep_statuses=_ACTIVE_STATUSES),
    "execution_events": RetentionTarget("core_execution_events", "occurred_at"),
    "rejects": RetentionTarget("core_rejects", "created_at"),
    "quality": RetentionTarget("core_quality", "created_at"),
    "anomalies": RetentionTarget("core_anomalies", "created_at", require_not_null="resolved_at"),
    "work_items": RetentionTarget("core_work_items", "created_at", keep_statuses=_ACTIVE_STATUSES),
    "dead_letters": RetentionTarget(
        "core_dead_letters", "created_at", require_not_null="resolved_at"
    ),
    "asset_materializations": RetentionTarget("core_asset_materializations", "created_at"),
    "asset_observations": RetentionTarget("core_asset_observations", "created_at"),
}
"""Known purge targets by short name (``"rejects"``); full table names are accepted too."""


def _target(table: str | RetentionTarget, ts_column: str | None) -> RetentionTarget:
    found: RetentionTarget | None
    if isinstance(table, RetentionTarget):
        found = table
    else:
        found = RETENTION_TARGETS.get(table) if isinstance(table, str) else None
        if found is None:
            found = next((t for t in RETENTION_TARGETS.values() if t.table == table), None)
        if found is None:
            raise ValidationError(
                f"no retention target {table!r}; known: "
                f"{', '.join(sorted(RETENTION_TARGETS))} (or pass a RetentionTarget)"
            )
    if ts_column is not None and ts_column != found.ts_column:
        found = replace(found, ts_column=ident(ts_column))
    return found


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """Outcome of purging one table.

    Attributes:
        table: Table name.
        deleted: Rows deleted (committed).
        batches: Batches committed.
        duration: Seconds spent.
        error: Error text when the purge stopped on an error (rows of committed batches stay
            deleted).
        completed: ``True`` when no eligible row is left.
        cutoff: Rows older than this were eligible.
    """

    table: str
    deleted: int
    batches: int
    duration: float
    error: str | None = None
    completed: bool = True
    cutoff: _dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """Results of :func:`purge_all`, one per purged table.

    ``absent`` names the configured tables that do not exist in this database (their
    package is not installed, e.g. the execution tables without spine-exec): nothing to
    purge there.
    """

    results: tuple[PurgeResult, ...]
    started_at: _dt.datetime
    finished_at: _dt.datetime
    absent: tuple[str, ...] = ()

    @property
    def total_deleted(self) -> int:
        """Rows deleted over all tables."""
        return sum(r.deleted for r in self.results)

    @property
    def failed(self) -> list[PurgeResult]:
        """Tables that stopped on an error."""
        return [r for r in self.results if r.error is not None]

    @property
    def ok(self) -> bool:
        """True when no table failed."""
        return not self.failed


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    """Days to keep per table (``None``: never purge). Names are :data:`RETENTION_TARGETS`.

    Example:
        >>> RetentionConfig().rejects, RetentionConfig.from_dict({"core_rejects": 7}).rejects
        (30, 7)
    """

    executions: int | None = 90
    rejects: int | None = 30
    quality: int | None = 90
    anomalies: int | None = 180
    work_items: int | None = 30
    execution_events: int | None = None
    dead_letters: int | None = None
    asset_materializations: int | None = None
    asset_observations: int | None = None
    extra: tuple[tuple[RetentionTarget, int], ...] = field(default=())

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "extra":
                continue
            _check_days(getattr(self, f.name), f.name)
        for target, days in self.extra:
            if not isinstance(target, RetentionTarget):
                raise ValidationError("extra entries must be (RetentionTarget, days)")
            _check_days(days, target.table)

    @classmethod
    def from_dict(cls, days: Mapping[str, int | None]) -> RetentionConfig:
        """Defaults overridden by ``{"rejects": 7, "core_quality": None, ...}``.

        Raises:
            ValidationError: unknown table name.
        """
        return cls().with_overrides(days)

    def with_overrides(self, days: Mapping[str, int | None]) -> RetentionConfig:
        """A copy with some tables' days changed (short or full table names)."""
        changes: dict[str, Any] = {}
        for name, value in days.items():
            short = (
                name
                if name in RETENTION_TARGETS
                else next((k for k, t in RETENTION_TARGETS.items() if t.table == name), None)
            )
            if short is None:
                known = ", ".join(sorted(RETENTION_TARGETS))
                raise ValidationError(f"unknown retention table {name!r}; known: {known}")
            changes[short] = value
        return replace(self, **changes)

    def items(self) -> list[tuple[RetentionTarget, int]]:
        """``(target, days)`` for every table that is purged."""
        out = [
            (RETENTION_TARGETS[f.name], getattr(self, f.name))
            for f in fields(self)
            if f.name != "extra" and getattr(self, f.name) is not None
        ]
        out.extend(self.extra)
        return out


def _check_days(days: object, name: str) -> None:
    if days is None:
        return
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValidationError(f"retention days for {name} must be an int >= 0 or None: {days!r}")


def delete_batch_sql(dialect: Dialect, target: RetentionTarget, batch_size: int) -> str:
    """The statement deleting one batch of ``target`` (placeholder 0: the cutoff, then the
    kept statuses), oldest rows first: the dialect's bounded delete
    (``Dialect.delete_batch_sql``).

    Example:
        >>> from spine.db import get_dialect
        >>> delete_batch_sql(get_dialect("mysql"), RETENTION_TARGETS["rejects"], 500)
        'DELETE FROM core_rejects WHERE created_at < %s ORDER BY created_at LIMIT 500'
    """
    q = dialect.quote
    ts = q(target.ts_column)
    where = [f"{ts} < {dialect.placeholder(0)}"]
    keep = _keep_values(target)
    if keep:
        where.append(f"{q(target.status_column)} NOT IN ({dialect.placeholders(len(keep), 1)})")
    if target.require_not_null:
        where.append(f"{q(target.require_not_null)} IS NOT NULL")
    return dialect.delete_batch_sql(
        target.table, " AND ".join(where), ts, batch_size, id_column=target.id_column
    )


def _keep_values(target: RetentionTarget) -> list[str]:
    """Kept statuses as stored: lower case (docs/core-schema.md)."""
    return sorted({s.lower() for s in target.keep_statuses})


@observed(
    "retention.purge_table",
    counts=lambda r: {
        "table": r.table,
        "deleted": r.deleted,
        "batches": r.batches,
        "completed": r.completed,
        "error": r.error,
    },
)
def purge_table(
    conn: Connection,
    table: str | RetentionTarget,
    older_than_days: int,
    *,
    batch_size: int = 10_000,
    ts_column: str | None = None,
    max_batches: int | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    now: _dt.datetime | None = None,
    raise_errors: bool = True,
) -> PurgeResult:
    """Delete rows of ``table`` older than ``older_than_days``, ``batch_size`` rows at a time.

    Args:
        conn: A spine connection.
        table: A short name (``"rejects"``), a core table name, or a :class:`RetentionTarget`.
        older_than_days: Rows whose timestamp is before ``now - days`` are eligible.
        batch_size: Rows per ``DELETE`` (each batch commits).
        ts_column: Override the target's timestamp column (validated identifier).
        max_batches: Stop after this many batches (``completed=False`` if rows remain).
        on_batch: Called as ``on_batch(batch_number, deleted_in_batch)`` after each commit;
            if it raises, the purge stops there and the error propagates (committed batches
            stay deleted).
        now: Reference time (default :func:`~spine.types.utc_now`).
        raise_errors: ``False`` reports a database error in ``PurgeResult.error`` (with the
            counts of the batches committed before it) instead of raising.

    Raises:
        ValidationError: unknown table, bad identifiers, bad days/batch size.
    """
    target = _target(table, ts_column)
    _check_days(older_than_days, target.table)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(f"batch_size must be an int >= 1, got {batch_size!r}")
    db = BaseRepository(conn)
    cutoff = (now or utc_now()) - _dt.timedelta(days=older_than_days)
    sql = delete_batch_sql(db.dialect, target, batch_size)
    params = [db.dialect.encode_timestamp(cutoff), *_keep_values(target)]
    started = time.perf_counter()
    deleted = batches = 0
    completed = False
    error: str | None = None
    while max_batches is None or batches < max_batches:
        try:
            with write(db.conn):
                n = db.execute_rowcount(sql, params)
        except Exception as exc:
            if raise_errors:
                raise
            error = f"{type(exc).__name__}: {exc}"
            break
        if n <= 0:
            completed = True
            break
        batches += 1
        deleted += n
        if on_batch is not None:
            on_batch(batches, n)
        if n < batch_size:
            completed = True
            break
    return PurgeResult(
        target.table, deleted, batches, time.perf_counter() - started, error, completed, cutoff
    )


@observed(
    "retention.purge_all",
    fields=(),
    counts=lambda report: {
        "tables": len(report.results),
        "deleted": report.total_deleted,
        "failed": len(report.failed),
        "absent": len(report.absent),
    },
)
def purge_all(
    conn: Connection,
    config: RetentionConfig | None = None,
    *,
    batch_size: int = 10_000,
    now: _dt.datetime | None = None,
    tables: Sequence[str] | None = None,
) -> RetentionReport:
    """Purge every table of ``config`` (defaults: the spec's days); errors are reported per
    table and do not stop the other tables. Tables that do not exist are listed in
    ``RetentionReport.absent``.

    ``tables`` restricts the run to some short names.
    """
    cfg = config or RetentionConfig()
    reference = now or utc_now()
    started_at = utc_now()
    results: list[PurgeResult] = []
    absent: list[str] = []
    wanted = set(tables) if tables is not None else None
    for target, days in cfg.items():
        short = next((k for k, t in RETENTION_TARGETS.items() if t == target), target.table)
        if wanted is not None and short not in wanted and target.table not in wanted:
            continue
        if not table_exists(conn, target.table):
            absent.append(target.table)
            continue
        results.append(
            purge_table(
                conn, target, days, batch_size=batch_size, now=reference, raise_errors=False
            )
        )
    return RetentionReport(tuple(results), started_at, utc_now(), tuple(absent))
