"""Restatements: L3 writes that keep history instead of deleting it.

A plain L3 replace (:meth:`~spine.ops.idempotency.IdempotencyHelper.replace_key`) deletes a
logical key's rows. When a source re-publishes a week with corrections, auditors want both
answers: what we reported then, and what we know now. :func:`restate` does the L3 replace on
the **system time** axis instead:

- the key's current rows (``system_to IS NULL``) are closed: ``system_to = t``;
- the new rows are inserted with ``system_from = t``, ``system_to = NULL``;
- both in one transaction (a failure leaves the previous version current);
- a re-publish whose content is unchanged (same multiset of row hashes) writes nothing.

Intervals are half-open ``[system_from, system_to)`` with ``NULL`` = still current, exactly
like :class:`spine.types.BiTemporalRecord`: :func:`as_of` returns the rows known at a system
time, :func:`history` returns each version as a ``BiTemporalRecord`` whose payload is the
version's rows (so ``spine.types.as_of(history(...), system_time=t)`` agrees with the SQL).

The user's table carries three extra columns (render them with :func:`bitemporal_column_defs`
or add :func:`bitemporal_columns` to a ``spine.db.schema.Table``)::

    system_from  TS NOT NULL        -- when this row became the current belief
    system_to    TS NULL            -- when it stopped being it (NULL: current)
    row_hash     STR(64) NOT NULL   -- compute_hash of the row's content columns

Index ``(<key columns>, system_to)`` for fast current-row look-ups.

Concurrent restatements of the same key are safe once the key has a current version: the
close only matches the version that was read (``system_from = <its start>``), so a writer
that lost the race finds nothing to close, rolls back and retries on the winner's version
(never two current versions, never an interval closed before it started). The very first
publication of a key (or one after a retraction) has no row to lock: serialise first loads of
one key (one writer per key, e.g. a concurrency lock or the work queue).

Example:
    >>> import datetime as dt
    >>> from spine.db.testing import memory_connection
    >>> from spine.db import get_dialect
    >>> conn = memory_connection()
    >>> cols = ", ".join(bitemporal_column_defs(get_dialect(conn)))
    >>> _ = conn.execute(f"CREATE TABLE vol (week TEXT, symbol TEXT, shares INT, {cols})")
    >>> t1 = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    >>> restate(conn, "vol", {"week": "2025-12-26"}, [{"symbol": "AAPL", "shares": 100}],
    ...         system_time=t1).changed
    True
    >>> restate(conn, "vol", {"week": "2025-12-26"}, [{"symbol": "AAPL", "shares": 100}]).changed
    False
    >>> r = restate(conn, "vol", {"week": "2025-12-26"}, [{"symbol": "AAPL", "shares": 120}])
    >>> [row["shares"] for row in as_of(conn, "vol", {"week": "2025-12-26"}, t1)]
    [100]
    >>> [row["shares"] for row in current_rows(conn, "vol", {"week": "2025-12-26"})]
    [120]
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spine.db import BaseRepository, Dialect, reading, write
from spine.db.schema import STR, TS, Column
from spine.ops._checks import ident
from spine.ops._observe import observed
from spine.ops.idempotency import LogicalKey
from spine.types import (
    BiTemporalRecord,
    Connection,
    ConstraintError,
    ValidationError,
    compute_hash,
    utc_now,
)

__all__ = [
    "RestatementResult",
    "as_of",
    "bitemporal_column_defs",
    "bitemporal_columns",
    "current_rows",
    "history",
    "restate",
]

SYSTEM_FROM = "system_from"
SYSTEM_TO = "system_to"
ROW_HASH = "row_hash"
_SYSTEM_COLUMNS = frozenset({SYSTEM_FROM, SYSTEM_TO})
_RETRIES = 8
_TICK = _dt.timedelta(microseconds=1)


class _ConflictError(Exception):
    """The key changed between the read and the close: roll back and retry."""


def bitemporal_columns(hash_column: str = ROW_HASH) -> tuple[Column, ...]:
    """The three columns a restatable table needs, as spine-db schema columns."""
    return (
        Column(SYSTEM_FROM, TS),
        Column(SYSTEM_TO, TS, nullable=True),
        Column(ident(hash_column), STR(64)),
    )


def bitemporal_column_defs(dialect: Dialect, hash_column: str = ROW_HASH) -> list[str]:
    """Column definitions rendered for ``dialect`` (for a hand-written ``CREATE TABLE``).

    Example:
        >>> from spine.db import get_dialect
        >>> bitemporal_column_defs(get_dialect("postgresql"))[0]
        'system_from TIMESTAMPTZ NOT NULL'
    """
    return [dialect.column_sql(c) for c in bitemporal_columns(hash_column)]


@dataclass(frozen=True, slots=True)
class RestatementResult:
    """Outcome of :func:`restate`.

    Attributes:
        changed: ``False`` when the content was identical and nothing was written.
        closed: Rows of the previous version closed.
        inserted: Rows of the new version.
        system_time: Start of the new version (``None`` when unchanged).
    """

    changed: bool
    closed: int
    inserted: int
    system_time: _dt.datetime | None


def _content_hash(row: Mapping[str, Any], hash_column: str) -> str:
    return compute_hash(
        {k: v for k, v in row.items() if k not in _SYSTEM_COLUMNS and k != hash_column}
    )


def _prepare(
    rows: Iterable[Mapping[str, Any]], key: LogicalKey, hash_column: str
) -> list[dict[str, Any]]:
    key_dict = key.as_dict()
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        r = {k: v for k, v in row.items() if k not in _SYSTEM_COLUMNS and k != hash_column}
        for col in r:
            ident(col)
        bad = key.conflicts(r)
        if bad is not None:
            raise ValidationError(
                f"row {i} has {bad}={r[bad]!r}, outside the key being restated ({key_dict[bad]!r})"
            )
        for col, value in key_dict.items():
            r.setdefault(col, value)
        r[hash_column] = _content_hash(r, hash_column)
        out.append(r)
    return out


@observed("restate", fields=("table", "key"))
def restate(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    *,
    system_time: _dt.datetime | None = None,
    hash_column: str = ROW_HASH,
) -> RestatementResult:
    """Make ``rows`` the current version of ``key`` in ``table``, keeping the old version.

    Args:
        conn: A spine connection.
        table: A table with the :func:`bitemporal_columns`.
        key: The logical key (dict or :class:`~spine.ops.idempotency.LogicalKey`); rows
            missing a key column get its value.
        rows: The complete new content of the key (an empty list retracts it).
        system_time: Start of the new version (default now; nudged 1 µs past the current
            version's start if the clock did not move).
        hash_column: Name of the row hash column.

    Raises:
        ValidationError: bad identifiers, a row outside the key, or ``system_time`` before the
            current version's start.
        ConstraintError: the key kept changing under concurrent writers.
    """
    raw_hc = ident(hash_column)
    lk = LogicalKey.coerce(key)
    new_rows = _prepare(rows, lk, raw_hc)
    new_hashes = sorted(r[raw_hc] for r in new_rows)
    d = BaseRepository(conn)
    ph = d.dialect.placeholder
    t, hc = d.q(table), d.q(raw_hc)
    where = lk.where_clause(d.dialect)
    for _ in range(_RETRIES):
        with reading(d.conn):
            current = d.query(
                f"SELECT {hc} AS h, {SYSTEM_FROM} AS sf FROM {t} "  # noqa: S608 - validated identifiers, bound values
                f"WHERE {where} AND {SYSTEM_TO} IS NULL",
                lk.values(),
            )
        if sorted(str(r["h"]) for r in current) == new_hashes:
            return RestatementResult(False, 0, 0, None)
        latest = max(
            (ts for r in current if (ts := d.dialect.decode_timestamp(r["sf"])) is not None),
            default=None,
        )
        when = system_time or utc_now()
        if latest is not None and when <= latest:
            if system_time is not None:
                raise ValidationError(
                    f"system_time {when.isoformat()} is not after the current version's start "
                    f"{latest.isoformat()}"
                )
            when = latest + _TICK
        stamp = d.dialect.encode_timestamp(when)
        n = len(lk.values())
        try:
            with write(d.conn):
                closed = 0
                if current:
                    # close exactly the version we read: a writer that restated the key
                    # meanwhile leaves fewer matching rows, and we retry on its version
                    closed = d.execute_rowcount(
                        f"UPDATE {t} SET {SYSTEM_TO} = {ph(0)} WHERE "  # noqa: S608 - validated identifiers, bound values
                        f"{lk.where_clause(d.dialect, start=1)} AND {SYSTEM_TO} IS NULL "
                        f"AND {SYSTEM_FROM} = {ph(n + 1)}",
                        (
                            stamp,
                            *lk.values(),
                            d.dialect.encode_timestamp(latest) if latest else None,
                        ),
                    )
                if closed != len(current):
                    raise _ConflictError
                for r in new_rows:
                    r[SYSTEM_FROM] = stamp
                    r[SYSTEM_TO] = None
                inserted = d.insert_many(table, new_rows) if new_rows else 0
        except _ConflictError:
            continue
        return RestatementResult(True, closed, inserted, when)
    raise ConstraintError(f"restatement of {lk!r} in {t} kept conflicting with other writers")


def _select(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
    extra: str,
    extra_params: Sequence[Any],
    columns: Sequence[str] | None,
) -> list[dict[str, Any]]:
    lk = LogicalKey.coerce(key)
    d = BaseRepository(conn)
    ph = d.dialect.placeholder
    t = d.q(table)
    cols = d.dialect.quote_list(columns) if columns else "*"
    n = len(lk.values())
    sql = f"SELECT {cols} FROM {t} WHERE {lk.where_clause(d.dialect)}"  # noqa: S608 - validated identifiers, bound values
    if extra:
        sql += " AND " + extra.format(*[ph(n + i) for i in range(len(extra_params))])
    with reading(d.conn):
        return d.query(sql, (*lk.values(), *extra_params))


def as_of(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
    system_time: _dt.datetime,
    *,
    columns: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``key`` as they were known at ``system_time``
    (``system_from <= t < system_to``, open ``system_to`` = still known)."""
    stamp = BaseRepository(conn).dialect.encode_timestamp(system_time)
    return _select(
        conn,
        table,
        key,
        f"{SYSTEM_FROM} <= {{0}} AND ({SYSTEM_TO} IS NULL OR {SYSTEM_TO} > {{1}})",
        (stamp, stamp),
        columns,
    )


def current_rows(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
    *,
    columns: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of the current version of ``key``."""
    return _select(conn, table, key, f"{SYSTEM_TO} IS NULL", (), columns)


def history(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
) -> list[BiTemporalRecord[list[dict[str, Any]]]]:
    """Every version of ``key``, oldest first, as ``BiTemporalRecord`` s.

    Each record's payload is the version's rows; ``entity_key`` is the key's canonical JSON;
    ``system_from``/``system_to`` are the version's interval; ``valid_from`` is set to
    ``system_from`` (restatements track system time only).
    """
    lk = LogicalKey.coerce(key)
    d = BaseRepository(conn)
    versions: dict[_dt.datetime, tuple[_dt.datetime | None, list[dict[str, Any]]]] = {}
    for r in _select(conn, table, lk, "", (), None):
        start = d.dialect.decode_timestamp(r.get(SYSTEM_FROM))
        if start is None:
            continue
        end = d.dialect.decode_timestamp(r.get(SYSTEM_TO))
        versions.setdefault(start, (end, []))[1].append(r)
    entity = lk.partition_key()
    out: list[BiTemporalRecord[list[dict[str, Any]]]] = []
    for start in sorted(versions):
        end, payload = versions[start]
        out.append(
            BiTemporalRecord(
                entity_key=entity,
                payload=payload,
                valid_from=start,
                system_from=start,
                system_to=end,
            )
        )
    return out
