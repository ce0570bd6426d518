"""Idempotency levels and helpers: re-running a stage never duplicates or half-writes data.

Three levels (the spec's progression raw -> bronze -> silver):

- **L1_APPEND** - append everything (audit logs); re-runs append again.
- **L2_INPUT** - every record carries a hash of its natural key (or, in natural-key mode,
  the table has a unique index over the natural key); a record already stored is skipped
  (:meth:`IdempotencyHelper.insert_new` / :func:`ingest_l2`). The input is consumed in
  chunks (memory stays flat) inside one transaction; the database is the arbiter across
  chunks and against concurrent writers (see :mod:`spine.ops._l2` for the write paths).
  Rows are shaped by :mod:`spine.ops._rows`: the union of their keys is the column list,
  aware datetimes are stored as UTC, naive datetimes and non-finite floats are refused.
- **L3_STATE** - a logical key's rows are replaced (delete + insert) in **one** transaction
  (:meth:`IdempotencyHelper.replace_key` / :func:`replace_l3`): a failure part-way leaves the
  old rows, never half of the new ones. :mod:`spine.ops.restatement` keeps history instead
  of deleting.

The hash is ``compute_hash_fast`` (``blake2b-128``, 32 hex characters) on new tables and
stays ``compute_hash`` (``sha256``, 64) on tables that already store those: the scheme is
read from the stored hashes (:mod:`spine.ops._hashes`), one table never mixes two, and
:func:`spine.ops.rehash_table` converts a table.

Index the hash column (``helper.ensure_hash_index(table, "record_hash")`` creates a unique
index; ``helper.ensure_unique_key(table, natural_key)`` for natural-key mode): without one,
the anti-join scans the table and concurrent overlapping ingests can store a record twice.

Example:
    >>> from spine.db.testing import memory_connection
    >>> conn = memory_connection()
    >>> _ = conn.execute(
    ...     "CREATE TABLE bronze (week TEXT, symbol TEXT, shares INT, record_hash TEXT)")
    >>> helper = IdempotencyHelper(conn)
    >>> rows = [{"week": "2025-12-26", "symbol": "AAPL", "shares": 10},
    ...         {"week": "2025-12-26", "symbol": "AAPL", "shares": 10}]
    >>> helper.insert_new("bronze", rows, hash_column="record_hash", natural_key=["week", "symbol"])
    IngestResult(total=2, inserted=1, skipped=1, duplicates_in_batch=1)
    >>> helper.insert_new("bronze", rows, hash_column="record_hash", natural_key=["week", "symbol"])
    IngestResult(total=2, inserted=0, skipped=2, duplicates_in_batch=1)
    >>> key = LogicalKey(week="2025-12-26")
    >>> helper.replace_key("bronze", key, [{"week": "2025-12-26", "symbol": "MSFT", "shares": 5}])
    ReplaceResult(deleted=1, inserted=1)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain, islice
from typing import Any, Protocol, cast

from spine.db import BaseRepository, Dialect, reading, write, write_retrying
from spine.db.encoding import canonical_partition_key, canonical_partition_value
from spine.db.schema import Index, ensure_index, table_indexes
from spine.ops._checks import ident
from spine.ops._hashes import resolve_scheme, stored_scheme
from spine.ops._l2 import DEFAULT_CHUNK_SIZE, L2Plan, batched_list, getter, missing
from spine.ops._observe import observed
from spine.ops._rows import RowShaper
from spine.types import Connection, HashScheme, ValidationError

__all__ = [
    "IdempotencyHelper",
    "IdempotencyLevel",
    "IngestResult",
    "LogicalKey",
    "ReplaceResult",
    "ingest_l2",
    "replace_l3",
]

_IN_CHUNK = 500
"""Hashes per ``IN (...)`` look-up (well below every backend's parameter limit)."""


def _same_value(a: Any, b: Any) -> bool:
    if a is b or a == b:
        return True
    try:
        return bool(canonical_partition_value(a) == canonical_partition_value(b))
    except ValidationError:
        return False


class IdempotencyLevel(StrEnum):
    """How a stage stays safe to re-run."""

    L1_APPEND = "L1_APPEND"
    """Append only; no re-run safety (audit logs, raw captures)."""
    L2_INPUT = "L2_INPUT"
    """Skip records whose natural-key hash is already stored (bronze)."""
    L3_STATE = "L3_STATE"
    """Replace a logical key's rows atomically (silver/gold)."""

    @property
    def rank(self) -> int:
        """1, 2 or 3."""
        return int(self.value[1])


class LogicalKey:
    """A logical key: named column values that identify a slice of a table.

    Parts keep the order they were given in, so the rendered SQL is stable. A ``None`` part
    renders ``col IS NULL`` and binds no value.

    Example:
        >>> key = LogicalKey(week_ending="2025-12-26", tier="NMS_TIER_1")
        >>> key.where_clause()
        'week_ending = ? AND tier = ?'
        >>> key.values()
        ('2025-12-26', 'NMS_TIER_1')
        >>> key.as_dict()
        {'week_ending': '2025-12-26', 'tier': 'NMS_TIER_1'}

    Raises:
        ValidationError: no parts, or a part name that is not a plain identifier.
    """

    __slots__ = ("_parts",)

    def __init__(self, **parts: Any) -> None:
        if not parts:
            raise ValidationError("LogicalKey needs at least one part")
        for name in parts:
            ident(name)
        self._parts: dict[str, Any] = dict(parts)

    @classmethod
    def coerce(cls, key: LogicalKey | Mapping[str, Any]) -> LogicalKey:
        """Accept a ``LogicalKey`` or a dict of column -> value.

        Raises:
            ValidationError: anything else.
        """
        if isinstance(key, LogicalKey):
            return key
        if isinstance(key, Mapping):
            if not all(isinstance(k, str) for k in key):
                raise ValidationError("logical key column names must be str")
            return cls(**dict(key))
        raise ValidationError(f"logical key must be a dict or LogicalKey, got {type(key).__name__}")

    @property
    def columns(self) -> tuple[str, ...]:
        """Part names, in order."""
        return tuple(self._parts)

    def where_clause(self, dialect: Dialect | None = None, *, start: int = 0) -> str:
        """``"a = ? AND b = ?"``; with a dialect, its placeholders (numbered from ``start``) and
        its identifier quoting (reserved words quoted)."""
        out: list[str] = []
        i = start
        for name, value in self._parts.items():
            if value is None:
                out.append(f"{dialect.quote(name) if dialect is not None else name} IS NULL")
            else:
                if dialect is not None:
                    out.append(f"{dialect.quote(name)} = {dialect.placeholder(i)}")
                else:
                    out.append(f"{name} = ?")
                i += 1
        return " AND ".join(out)

    def values(self) -> tuple[Any, ...]:
        """Bound values for :meth:`where_clause`, in order (``None`` parts omitted)."""
        return tuple(v for v in self._parts.values() if v is not None)

    def as_dict(self) -> dict[str, Any]:
        """Parts as a dict."""
        return dict(self._parts)

    def partition_key(self) -> str:
        """Canonical JSON of the parts (see :mod:`spine.db.encoding`)."""
        return canonical_partition_key(self._parts)

    def matches(self, row: Mapping[str, Any]) -> bool:
        """True when ``row`` has every part's value (date-likes compared by ISO text)."""
        return all(
            name in row and _same_value(row[name], value) for name, value in self._parts.items()
        )

    def conflicts(self, row: Mapping[str, Any]) -> str | None:
        """Name of the first part that ``row`` carries with a different value, else ``None``
        (missing parts do not conflict)."""
        for name, value in self._parts.items():
            if name in row and not _same_value(row[name], value):
                return name
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogicalKey):
            return NotImplemented
        return self.partition_key() == other.partition_key()

    def __hash__(self) -> int:
        return hash(self.partition_key())

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._parts.items())
        return f"LogicalKey({inner})"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Counts of an L2 ingest.

    Attributes:
        total: Records offered.
        inserted: Records written.
        skipped: ``total - inserted`` (already stored, or repeated within the batch).
        duplicates_in_batch: Records dropped because an earlier record of the same chunk
            (``chunk_size`` records) had the same key; a repeat in a later chunk is left
            to the database and counts as skipped only.
    """

    total: int
    inserted: int
    skipped: int
    duplicates_in_batch: int = 0


@dataclass(frozen=True, slots=True)
class ReplaceResult:
    """Counts of an L3 replace: rows deleted for the key, rows inserted."""

    deleted: int
    inserted: int


class _StageTracker(Protocol):
    def is_at_least(self, partition_key: Mapping[str, Any], stage: str) -> bool: ...


class IdempotencyHelper:
    """Skip/force checks, hash look-ups, L2 dedup ingest and L3 atomic replace.

    Args:
        conn: A spine connection.

    :meth:`delete_for_key` does not commit (pair it with your insert in one
    ``spine.db.transaction`` block); :meth:`insert_new` and :meth:`replace_key` run in
    ``spine.db.transaction``: committed on their own, a savepoint inside a caller's block.
    """

    def __init__(self, conn: Connection) -> None:
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn
        self._unique_cache: dict[tuple[str, ...], bool] = {}

    # -- look-ups --------------------------------------------------------------------------
    def hash_exists(self, table: str, hash_column: str, hash_value: str) -> bool:
        """True when ``table`` has a row with ``hash_column = hash_value``."""
        t, c = self._repo.q(table), self._repo.q(hash_column)
        sql = f"SELECT 1 AS found FROM {t} WHERE {c} = {self._repo.dialect.placeholder()}"  # noqa: S608 - validated identifiers, bound values
        with reading(self.conn):
            return self._repo.query_one(sql, (hash_value,)) is not None

    def get_existing_hashes(
        self,
        table: str,
        hash_column: str,
        key_filter: LogicalKey | Mapping[str, Any] | None = None,
    ) -> set[str]:
        """All stored hashes (restricted to a logical key with ``key_filter``)."""
        t, c = self._repo.q(table), self._repo.q(hash_column)
        sql = f"SELECT {c} AS h FROM {t}"  # noqa: S608 - validated identifiers, bound values
        params: tuple[Any, ...] = ()
        if key_filter is not None:
            key = LogicalKey.coerce(key_filter)
            sql += f" WHERE {key.where_clause(self._repo.dialect)}"
            params = key.values()
        with reading(self.conn):
            rows = self._repo.query(sql, params)
        return {str(r["h"]) for r in rows}

    def existing_among(self, table: str, hash_column: str, hashes: Iterable[str]) -> set[str]:
        """Which of ``hashes`` are stored (chunked ``IN`` look-ups, never one per hash)."""
        t, c = self._repo.q(table), self._repo.q(hash_column)
        wanted = list(dict.fromkeys(hashes))
        found: set[str] = set()
        with reading(self.conn):
            for i in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[i : i + _IN_CHUNK]
                sql = f"SELECT {c} AS h FROM {t} WHERE {c} IN ({self._repo.ph(len(chunk))})"  # noqa: S608 - validated identifiers, bound values
                found.update(str(r["h"]) for r in self._repo.query(sql, chunk))
        return found

    def hash_scheme(self, table: str, hash_column: str) -> HashScheme | None:
        """The :class:`~spine.types.HashScheme` of the hashes stored in ``hash_column``
        (read from one stored value); ``None`` when the table stores none yet.

        Raises:
            ValidationError: bad identifiers, or a stored value that is no spine hash.
        """
        return stored_scheme(self._repo, ident(table), ident(hash_column))

    @observed("idempotency.delete_for_key")
    def delete_for_key(self, table: str, key: LogicalKey | Mapping[str, Any]) -> int:
        """Delete a logical key's rows; returns the count. Does not commit.

        Raises:
            ValidationError: bad table or key column names (``"t; DROP TABLE x"``).
        """
        t = self._repo.q(table)
        lk = LogicalKey.coerce(key)
        sql = f"DELETE FROM {t} WHERE {lk.where_clause(self._repo.dialect)}"  # noqa: S608 - validated identifiers, bound values
        return self._repo.execute_rowcount(sql, lk.values())

    # -- skip / force ----------------------------------------------------------------------
    @observed("idempotency.should_skip", fields=("stage",), counts=lambda skip: {"skip": skip})
    def should_skip(
        self,
        done: _StageTracker | Callable[[], bool],
        partition_key: Mapping[str, Any] | None = None,
        stage: str | None = None,
        *,
        force: bool = False,
    ) -> bool:
        """Whether a stage can be skipped because its work is already done.

        ``done`` is either a :class:`~spine.ops.manifest.WorkManifest` (then give
        ``partition_key`` and ``stage``: skip when the partition is at least at ``stage``) or
        a predicate returning True when the work is done. ``force=True`` never skips.

        Example:
            >>> IdempotencyHelper.__new__(IdempotencyHelper).should_skip(lambda: True)
            True
        """
        if force:
            return False
        if callable(done) and not hasattr(done, "is_at_least"):
            return bool(done())
        if partition_key is None or stage is None:
            raise ValidationError("should_skip with a manifest needs partition_key and stage")
        return bool(cast(_StageTracker, done).is_at_least(partition_key, stage))

    # -- L2 --------------------------------------------------------------------------------
    def ensure_hash_index(self, table: str, hash_column: str, *, unique: bool = True) -> str:
        """Create (if missing) an index on ``hash_column``; returns its name.

        An index named ``ux_<table>_<column>`` (``ix_...`` when not unique) is created unless
        the table already has it, or an equivalent one (a unique single-column index on the
        column; for ``unique=False`` any index led by it), whose name is returned then.
        Safe to call every run and from concurrent processes. With a unique index the
        database itself guarantees one row per hash: concurrent L2 ingests of overlapping
        batches never duplicate (the loser of a race re-runs with a conflict-tolerant insert).

        Raises:
            OpenTransactionError: on MySQL, Oracle or Db2 inside the caller's open transaction
                (they commit DDL implicitly); call it before opening yours.
        """
        t, c = ident(table), ident(hash_column)
        base = t.split(".")[-1]
        name = ident(f"ux_{base}_{c}"[:60] if unique else f"ix_{base}_{c}"[:60])
        existing = self._equivalent_index(t, c, unique=unique)
        if existing is None:
            ensure_index(self.conn, t, Index(name, (c,), unique=unique))
        self._unique_cache.pop((t, c), None)
        return existing or name

    def _equivalent_index(self, table: str, column: str, *, unique: bool) -> str | None:
        """The name of an index of ``table`` that serves as the hash index of ``column``."""
        col = column.lower()
        for ix in table_indexes(self.conn, table):
            if not ix.columns or ix.columns[0] != col:
                continue
            if ix.is_unique_on_one_column or not unique:
                return ix.name
        return None

    def _key_is_unique(self, table: str, columns: Sequence[str]) -> bool:
        """Whether ``table`` has a total unique index over exactly ``columns`` (any order)."""
        k = (table, *columns)
        if k not in self._unique_cache:
            want = {c.lower() for c in columns}
            self._unique_cache[k] = any(
                ix.unique
                and not ix.partial
                and len(ix.columns) == len(want)
                and set(ix.columns) == want
                for ix in table_indexes(self.conn, table)
            )
        return self._unique_cache[k]

    @observed("ingest_l2", fields=("table", "hash_column"))
    def insert_new(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        hash_column: str | None = "record_hash",
        natural_key: Sequence[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        hash_scheme: HashScheme | str | None = None,
    ) -> IngestResult:
        """L2 ingest: insert the records whose natural key is not stored yet.

        Args:
            table: Target table.
            rows: Dict records, any iterable (a generator is consumed once, in chunks of
                ``chunk_size``: memory stays flat whatever the input size). The column list
                of a chunk is the union of its rows' keys (absent -> NULL); a key that is
                not a column of the table is refused.
            hash_column: Column holding the hash of the natural-key values; ``None``
                selects **natural-key mode**: no hash is computed, the table's unique index
                over ``natural_key`` decides what is new.
            natural_key: Columns forming the natural key; ``None`` means the rows already
                carry ``hash_column``.
            chunk_size: Records read, deduplicated and written per step.
            hash_scheme: Which hash (:class:`~spine.types.HashScheme`) to compute. ``None``
                follows the table: the scheme of its stored hashes (``sha256``:
                ``compute_hash``, on tables written before ``blake2b-128`` existed), or
                ``blake2b-128`` (``compute_hash_fast``) on a table that stores none yet. A
                scheme other than the stored one is refused (one table never mixes
                schemes; convert it with :func:`~spine.ops.rehash_table`). With rows that
                carry their own hash, an explicit scheme checks their length.

        The whole call is one transaction (all or nothing: a generator that raises midway
        leaves nothing written). Duplicates are found by the database across chunks (the
        anti-join sees the earlier chunks of the same transaction; a unique index is the
        arbiter against concurrent writers), so ``duplicates_in_batch`` counts the repeats
        found inside one chunk; a repeat in a later chunk counts as skipped.

        Returns:
            :class:`IngestResult` with inserted/skipped counts.

        Raises:
            ValidationError: bad identifiers, a row without a natural-key column, a key that
                is not a column of the table, a value the hash cannot hash, a naive
                datetime or a non-finite float (see :mod:`spine.ops._rows`), natural-key
                mode on a table without a unique index over ``natural_key``, or a
                ``hash_scheme`` other than the table's.
        """
        t = ident(table)
        hc = ident(hash_column) if hash_column is not None else None
        if isinstance(natural_key, str):
            raise ValidationError("natural_key must be a list of column names, not a str")
        keys = [ident(c) for c in natural_key] if natural_key is not None else None
        if keys is not None and not keys:
            raise ValidationError("natural_key needs at least one column")
        if hc is None and keys is None:
            raise ValidationError("natural-key mode (hash_column=None) needs natural_key")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValidationError(f"chunk_size must be an int >= 1, got {chunk_size!r}")
        it = iter(rows)
        first = list(islice(it, chunk_size))
        if not first:
            return IngestResult(0, 0, 0, 0)
        conflict = [hc] if hc is not None else cast(list[str], keys)
        # catalog look-ups outside the write transaction
        unique = self._key_is_unique(t, conflict)
        if hc is None and not unique:
            raise ValidationError(
                f"natural-key mode needs a unique index over {conflict} on {t}: create one "
                "(ensure_unique_key) or pass hash_column"
            )
        shaper = RowShaper(self.conn, t, self._repo.dialect)
        hasher: Callable[..., str] | None = None
        length: int | None = None
        if hc is not None and (keys is not None or hash_scheme is not None):
            shaper.require(hc, "the hash column")
            scheme = resolve_scheme(self._repo, t, hc, hash_scheme)
            if keys is not None:
                hasher = scheme.function
            else:
                length = scheme.hex_length
        plan = L2Plan(self, t, hc, keys, unique, shaper, hasher, length)
        if isinstance(rows, Sequence):  # re-iterable: safe to retry on a deadlock
            total, inserted, dupes = write_retrying(
                self.conn, lambda: plan.run(batched_list(rows, chunk_size))
            )
        else:
            with write(self.conn):
                total, inserted, dupes = plan.run(chain((first,), batched_list(it, chunk_size)))
        return IngestResult(total, inserted, total - inserted, dupes)

    def ensure_unique_key(self, table: str, columns: Sequence[str]) -> str:
        """Create (if missing) a unique index over ``columns`` for natural-key mode; returns
        its name (an existing unique index over exactly these columns is reused).

        Raises:
            OpenTransactionError: as :meth:`ensure_hash_index`.
        """
        t = ident(table)
        cols = [ident(c) for c in columns]
        if not cols:
            raise ValidationError("a unique key needs at least one column")
        want = {c.lower() for c in cols}
        for ix in table_indexes(self.conn, t):
            if ix.unique and not ix.partial and set(ix.columns) == want:
                return ix.name
        name = ident(f"ux_{t.split('.')[-1]}_{'_'.join(cols)}"[:60])
        ensure_index(self.conn, t, Index(name, tuple(cols), unique=True))
        self._unique_cache.pop((t, *cols), None)
        return name

    # -- L3 --------------------------------------------------------------------------------
    @observed("replace_l3", fields=("table", "key"))
    def replace_key(
        self,
        table: str,
        key: LogicalKey | Mapping[str, Any],
        rows: Iterable[Mapping[str, Any]],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ReplaceResult:
        """L3: delete ``key``'s rows and insert ``rows`` in one transaction.

        ``rows`` is consumed in chunks of ``chunk_size`` (memory stays flat). Columns are
        the union of each chunk's row keys (absent -> NULL; a key that is not a column of
        the table is refused). Rows missing a key column get the key's value; a row whose
        key column disagrees with the key raises ``ValidationError`` (it would escape the
        next replace). On any failure - also a generator raising midway - the transaction
        rolls back: the old rows stay, none of the new ones are written.

        Raises:
            ValidationError: bad identifiers, a row outside the key, an unknown column, a
                naive datetime or a non-finite float.
        """
        t = ident(table)
        lk = LogicalKey.coerce(key)
        key_dict = lk.as_dict()
        d = self._repo
        shaper = RowShaper(self.conn, t, d.dialect)
        sql = f"DELETE FROM {d.q(t)} WHERE {lk.where_clause(d.dialect)}"  # noqa: S608 - validated identifiers, bound values
        inserted = 0
        with write(d.conn):
            deleted = d.execute_rowcount(sql, lk.values())
            base = 0
            for chunk in batched_list(rows, chunk_size):
                inserted += self._insert_key_chunk(t, key_dict, chunk, base, shaper)
                base += len(chunk)
        return ReplaceResult(deleted, inserted)

    def _insert_key_chunk(
        self,
        table: str,
        key_dict: dict[str, Any],
        chunk: list[Mapping[str, Any]],
        base: int,
        shaper: RowShaper,
    ) -> int:
        for i, row in enumerate(chunk):
            if not isinstance(row, Mapping):
                raise missing(row, [], base + i)
            for col, value in key_dict.items():
                got = row.get(col, value)
                if got is not value and got != value and not _same_value(got, value):
                    raise ValidationError(
                        f"row {base + i} has {col}={got!r}, outside the key being replaced "
                        f"({col}={value!r})"
                    )
        row_cols = shaper.columns(chunk)
        fill_cols = [c for c in key_dict if c not in row_cols]
        fill = tuple(key_dict[c] for c in fill_cols)
        columns = row_cols + fill_cols
        values_of = getter(row_cols)
        prepared: list[tuple[Any, ...]] = []
        for i, row in enumerate(chunk):
            try:
                vals = (*values_of(row), *fill)
            except KeyError:
                vals = (*[row.get(c, key_dict.get(c)) for c in row_cols], *fill)
            prepared.append(shaper.encode(vals, columns, base + i))
        return self.conn.insert_rows(table, columns, prepared) if prepared else 0


def ingest_l2(
    conn: Connection,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    hash_column: str | None = "record_hash",
    natural_key: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    hash_scheme: HashScheme | str | None = None,
) -> IngestResult:
    """Function form of :meth:`IdempotencyHelper.insert_new`."""
    return IdempotencyHelper(conn).insert_new(
        table,
        rows,
        hash_column=hash_column,
        natural_key=natural_key,
        chunk_size=chunk_size,
        hash_scheme=hash_scheme,
    )


def replace_l3(
    conn: Connection,
    table: str,
    key: LogicalKey | Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ReplaceResult:
    """Function form of :meth:`IdempotencyHelper.replace_key`."""
    return IdempotencyHelper(conn).replace_key(table, key, rows, chunk_size=chunk_size)
