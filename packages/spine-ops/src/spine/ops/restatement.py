"""Restatements: L3 writes that keep history instead of deleting it.

A plain L3 replace (:meth:`~spine.ops.idempotency.IdempotencyHelper.replace_key`) deletes a
logical key's rows. When a source re-publishes a week with corrections, auditors want both
answers: what we reported then, and what we know now. :func:`restate` does the L3 replace on
the **system time** axis instead:

- the key's current rows (``system_to IS NULL``) are closed: ``system_to = t``;
- the new rows are inserted with ``system_from = t``, ``system_to = NULL``;
- both in one transaction (a failure leaves the previous version current);
- a re-publish whose content is unchanged (same multiset of row hashes) writes nothing.

Row hashes are :func:`row_content_hash` with the table's scheme: ``blake2b-128``
(``compute_hash_fast``) on new tables, ``sha256`` (``compute_hash``) on tables that already
store those (read from a stored hash; a table never mixes two, or an unchanged re-publish
would look changed). :func:`spine.ops.rehash_table` converts a table.

Intervals are half-open ``[system_from, system_to)`` with ``NULL`` = still current, exactly
like :class:`spine.types.BiTemporalRecord`: :func:`as_of` returns the rows known at a system
time, :func:`history` returns each version as a ``BiTemporalRecord`` whose payload is the
version's rows (so ``spine.types.as_of(history(...), system_time=t)`` agrees with the SQL).

The user's table carries three extra columns (render them with :func:`bitemporal_column_defs`
or add :func:`bitemporal_columns` to a ``spine.db.schema.Table``)::

    system_from  TS NOT NULL        -- when this row became the current belief
    system_to    TS NULL            -- when it stopped being it (NULL: current)
    row_hash     STR(64) NOT NULL   -- hash of the row's content columns (row_content_hash)

Index ``(<key columns>, system_to)`` for fast current-row look-ups.

Concurrent writers of one key never leave it with two current versions, also on its very first
publication: inside its transaction :func:`restate` first claims the key's row of
``core_restatement_locks`` with an upsert (install spine-ops' tables with
``spine.db.create_core_tables``), which makes writers of one key wait for each other, then
reads the current version, closes **every** current row of the key and checks it closed
exactly the rows it read (else it rolls back and retries). A writer that waits too long or
hits a deadlock retries with jittered exponential backoff until ``timeout`` seconds have
passed, then raises ``ConstraintError`` (nothing written).

Detecting and repairing a corrupted key (several current versions, written by releases before
the lock, or by a writer that bypassed :func:`restate`): :func:`corrupted_keys` lists the keys
whose current rows have more than one ``system_from``; :func:`repair_key` keeps the newest
current version and closes the older ones at its start (history keeps them). Restating the key
with its correct content also repairs it (every current row is closed).

Example:
    >>> import datetime as dt
    >>> from spine.db.testing import memory_connection
    >>> from spine.db import create_core_tables, get_dialect
    >>> conn = memory_connection()
    >>> create_core_tables(conn)
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
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spine.db import BaseRepository, Dialect, reading, write
from spine.db.encoding import encode_partition_key
from spine.db.schema import STR, TS, Column
from spine.ops._checks import ident
from spine.ops._hashes import resolve_scheme
from spine.ops._observe import observed
from spine.ops._rows import RowShaper
from spine.ops.idempotency import LogicalKey
from spine.ops.schema import CORE_RESTATEMENT_LOCKS
from spine.types import (
    BiTemporalRecord,
    Connection,
    ConstraintError,
    DatabaseConnectionError,
    DatabaseError,
    HashScheme,
    ValidationError,
    utc_now,
)

__all__ = [
    "RestatementResult",
    "as_of",
    "bitemporal_column_defs",
    "bitemporal_columns",
    "corrupted_keys",
    "current_rows",
    "history",
    "repair_key",
    "restate",
    "row_content_hash",
]

SYSTEM_FROM = "system_from"
SYSTEM_TO = "system_to"
ROW_HASH = "row_hash"
_SYSTEM_COLUMNS = frozenset({SYSTEM_FROM, SYSTEM_TO})
_BACKOFF_BASE = 0.01
_BACKOFF_CAP = 1.0
_LOCK_COLUMNS = ("table_name", "key_hash", "partition_key", "locked_at")
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


def row_content_hash(
    row: Mapping[str, Any],
    *,
    hash_column: str = ROW_HASH,
    scheme: HashScheme | str = HashScheme.BLAKE2B_128,
) -> str:
    """The row hash :func:`restate` stores: ``scheme``'s hash of the dict of the row's
    columns, without the system columns and ``hash_column``."""
    content = {k: v for k, v in row.items() if k not in _SYSTEM_COLUMNS and k != hash_column}
    return HashScheme.coerce(scheme).compute(content)


def _prepare(
    rows: Iterable[Mapping[str, Any]], key: LogicalKey, hash_column: str, scheme: HashScheme
) -> list[dict[str, Any]]:
    key_dict = key.as_dict()
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValidationError(f"row {i} is a {type(row).__name__}, expected a dict")
        r = {k: v for k, v in row.items() if k not in _SYSTEM_COLUMNS and k != hash_column}
        for col, v in r.items():
            ident(col)
            if isinstance(v, _dt.datetime):
                if v.tzinfo is None or v.utcoffset() is None:
                    raise ValidationError(
                        f"row {i} column {col!r} is the naive datetime {v.isoformat()}: spine "
                        "stores timezone-aware UTC (attach a tzinfo, e.g. datetime.now(UTC))"
                    )
                r[col] = v.astimezone(_dt.UTC)  # one instant, one hash, whatever its zone
        bad = key.conflicts(r)
        if bad is not None:
            raise ValidationError(
                f"row {i} has {bad}={r[bad]!r}, outside the key being restated ({key_dict[bad]!r})"
            )
        for col, value in key_dict.items():
            r.setdefault(col, value)
        out.append(r)
    # the union of the rows' keys: a key absent from a row is NULL there, in the hash too
    union = dict.fromkeys(k for r in out for k in r)
    for r in out:
        if len(r) != len(union):
            for k in union:
                r.setdefault(k, None)
        r[hash_column] = row_content_hash(r, hash_column=hash_column, scheme=scheme)
    return out


def _backoff(attempt: int, deadline: float) -> bool:
    """Sleep a jittered exponential pause (full jitter, capped); False when the deadline
    would pass first."""
    delay = random.random() * min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)
    if time.monotonic() + delay > deadline:
        return False
    time.sleep(delay)
    return True


def _claim_key(d: BaseRepository, table: str, key: LogicalKey) -> None:
    """Upsert the key's lock row: held until the transaction ends, it serialises writers."""
    text, digest = encode_partition_key(key.as_dict())
    sql = d.dialect.upsert(
        CORE_RESTATEMENT_LOCKS.name,
        _LOCK_COLUMNS,
        _LOCK_COLUMNS[:2],
        update_columns=_LOCK_COLUMNS[3:],
    )
    d.execute(sql, (table, digest, text, d.dialect.encode_timestamp(utc_now())))


@observed("restate", fields=("table", "key"))
def restate(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    *,
    system_time: _dt.datetime | None = None,
    hash_column: str = ROW_HASH,
    timeout: float = 30.0,
    hash_scheme: HashScheme | str | None = None,
) -> RestatementResult:
    """Make ``rows`` the current version of ``key`` in ``table``, keeping the old version.

    Args:
        conn: A spine connection (spine-ops' tables installed: the key's lock row lives in
            ``core_restatement_locks``).
        table: A table with the :func:`bitemporal_columns`.
        key: The logical key (dict or :class:`~spine.ops.idempotency.LogicalKey`); rows
            missing a key column get its value.
        rows: The complete new content of the key (an empty list retracts it). Columns are
            the union of the rows' keys (absent -> NULL, also in the row hash); a key that is
            not a column of the table is refused.
        system_time: Start of the new version (default now; nudged 1 µs past the current
            version's start if the clock did not move).
        hash_column: Name of the row hash column.
        timeout: Seconds to keep retrying (jittered exponential backoff) while other
            writers hold the key or a deadlock is reported.
        hash_scheme: The row-hash scheme. ``None`` follows the table: the scheme of its
            stored row hashes (``sha256`` on tables written before ``blake2b-128``
            existed), ``blake2b-128`` on a table that stores none yet. Change detection
            compares hashes of one scheme only, so another scheme than the stored one is
            refused (convert the table with :func:`~spine.ops.rehash_table`).

    Raises:
        ValidationError: bad identifiers, a row outside the key, an unknown column, a naive
            datetime, a non-finite float, ``system_time`` before the current version's
            start, or a ``hash_scheme`` other than the table's.
        ConstraintError: the key stayed contended for ``timeout`` seconds (nothing written).
    """
    raw_hc = ident(hash_column)
    raw_t = ident(table)
    lk = LogicalKey.coerce(key)
    d = BaseRepository(conn)
    shaper = RowShaper(d.conn, raw_t, d.dialect)
    shaper.require(raw_hc, "the row hash column")
    # lenient: a row hash written by hand (bypassing restate) just compares as changed
    scheme = resolve_scheme(d, raw_t, raw_hc, hash_scheme, strict=False)
    new_rows = _prepare(rows, lk, raw_hc, scheme)
    new_hashes = sorted(r[raw_hc] for r in new_rows)
    columns = shaper.columns(new_rows[:1])
    for r in new_rows:
        r[SYSTEM_FROM] = r[SYSTEM_TO] = None
    columns += [SYSTEM_FROM, SYSTEM_TO]
    values = [
        shaper.encode(tuple(r[c] for c in columns), columns, i) for i, r in enumerate(new_rows)
    ]
    with reading(d.conn):
        if sorted(str(r["h"]) for r in _read_current(d, raw_t, lk, raw_hc)) == new_hashes:
            return RestatementResult(False, 0, 0, None)  # unchanged: no lock, no write
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        owned = not d.conn.has_pending_writes
        try:
            with write(d.conn):
                _claim_key(d, raw_t, lk)
                return _restate_locked(
                    d, raw_t, lk, raw_hc, columns, values, new_hashes, system_time
                )
        except _ConflictError:
            pass
        except DatabaseConnectionError:
            raise
        except DatabaseError as exc:
            if not (exc.retryable and owned):
                raise
        attempt += 1
        if not _backoff(attempt, deadline):
            raise ConstraintError(
                f"restatement of {lk!r} in {raw_t} kept conflicting with other writers for "
                f"{timeout:g}s; nothing was written - retry later"
            )


def _read_current(
    d: BaseRepository, table: str, key: LogicalKey, hash_column: str
) -> list[dict[str, Any]]:
    return d.query(
        f"SELECT {d.q(hash_column)} AS h, {SYSTEM_FROM} AS sf FROM {d.q(table)} "  # noqa: S608 - validated identifiers, bound values
        f"WHERE {key.where_clause(d.dialect)} AND {SYSTEM_TO} IS NULL",
        key.values(),
    )


def _restate_locked(
    d: BaseRepository,
    table: str,
    key: LogicalKey,
    hash_column: str,
    columns: list[str],
    values: list[tuple[Any, ...]],
    new_hashes: list[str],
    system_time: _dt.datetime | None,
) -> RestatementResult:
    """The restatement proper, inside the write scope with the key's lock row held."""
    current = _read_current(d, table, key, hash_column)
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
    ph = d.dialect.placeholder
    n = len(key.values())
    closed = 0
    if current:
        # close every current row of the key that started before us; a count other than
        # what we read means our read was stale: roll back and retry
        closed = d.execute_rowcount(
            f"UPDATE {d.q(table)} SET {SYSTEM_TO} = {ph(0)} WHERE "  # noqa: S608 - validated identifiers, bound values
            f"{key.where_clause(d.dialect, start=1)} AND {SYSTEM_TO} IS NULL "
            f"AND {SYSTEM_FROM} <= {ph(n + 1)}",
            (stamp, *key.values(), stamp),
        )
    if closed != len(current):
        raise _ConflictError
    i_from = columns.index(SYSTEM_FROM)
    rows = [(*v[:i_from], stamp, *v[i_from + 1 :]) for v in values]
    inserted = d.conn.insert_rows(table, columns, rows) if rows else 0
    return RestatementResult(True, closed, inserted, when)


def corrupted_keys(
    conn: Connection, table: str, key_columns: Sequence[str]
) -> list[dict[str, Any]]:
    """Keys of ``table`` (over ``key_columns``) with more than one current version - current
    rows with different ``system_from`` - as dicts. Empty on a healthy table.

    Repair each with :func:`repair_key` (keeps the newest) or by restating it with its
    correct content.
    """
    d = BaseRepository(conn)
    cols = d.dialect.quote_list([ident(c) for c in key_columns])
    if not key_columns:
        raise ValidationError("key_columns needs at least one column")
    sql = (
        f"SELECT {cols} FROM {d.q(ident(table))} WHERE {SYSTEM_TO} IS NULL "  # noqa: S608 - validated identifiers
        f"GROUP BY {cols} HAVING COUNT(DISTINCT {SYSTEM_FROM}) > 1"
    )
    with reading(d.conn):
        return d.query(sql)


def repair_key(conn: Connection, table: str, key: LogicalKey | Mapping[str, Any]) -> int:
    """Repair a key with several current versions: keep the newest (latest
    ``system_from``) current and close the older ones at its start. Returns the number of
    rows closed (0 on a healthy key). Takes the key's lock row like :func:`restate`.
    """
    raw_t = ident(table)
    lk = LogicalKey.coerce(key)
    d = BaseRepository(conn)
    ph = d.dialect.placeholder
    n = len(lk.values())
    with write(d.conn):
        _claim_key(d, raw_t, lk)
        starts = [
            ts
            for r in _read_current(d, raw_t, lk, SYSTEM_FROM)
            if (ts := d.dialect.decode_timestamp(r["sf"])) is not None
        ]
        if len(set(starts)) < 2:
            return 0
        newest = d.dialect.encode_timestamp(max(starts))
        return d.execute_rowcount(
            f"UPDATE {d.q(raw_t)} SET {SYSTEM_TO} = {ph(0)} WHERE "  # noqa: S608 - validated identifiers, bound values
            f"{lk.where_clause(d.dialect, start=1)} AND {SYSTEM_TO} IS NULL "
            f"AND {SYSTEM_FROM} < {ph(n + 1)}",
            (newest, *lk.values(), newest),
        )


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
