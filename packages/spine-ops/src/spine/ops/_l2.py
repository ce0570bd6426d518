"""The L2 ingest loop: read a chunk, drop its repeats, write the new rows; repeat.

Memory is bounded by the chunk size: nothing of an earlier chunk is kept. The database decides
what is new across chunks: with a unique index over the conflict key (the hash column, or the
natural key in natural-key mode) every write is conflict-tolerant (``ON CONFLICT DO NOTHING``
/ ``ON DUPLICATE KEY UPDATE k = k`` / ``MERGE``), so concurrent ingests of overlapping data
never fail for a duplicate; without one, each chunk is anti-joined against the table (which
sees the earlier chunks of the same transaction).

Write path per chunk: with a unique index, chunks of <= 200 rows and backends whose dialect
says ``direct_insert_if_absent`` (SQLite, MySQL/MariaDB) use ``executemany`` of an
insert-if-absent straight into the table; bigger chunks are staged in a
session-private temporary table (``COPY`` on PostgreSQL) and inserted with one set-based
statement (``dialect.insert_ignoring_sql`` with a unique index, ``insert_missing_sql``
without); small chunks without a unique index look the hashes up first.

Overlap: the set-based statement of chunk ``k`` is sent with ``Connection.start_rowcount``
and collected only after chunk ``k + 1`` has been read, de-duplicated and prepared - on
PostgreSQL (pipeline mode) the server inserts chunk ``k`` while Python prepares the next one;
elsewhere it runs at once. One thread, one statement at a time on the connection.

Preparation: a chunk whose rows all have the first row's keys (the common case) is turned
into tuples, checked and de-duplicated with C-level ``map``/``dict`` passes
(:meth:`L2Plan._uniform`); any other chunk (sparse rows, rows carrying their own hash, bad
rows) goes through the per-row path, which also words the errors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar, cast

from spine.ops._checks import ident
from spine.ops._rows import RowShaper
from spine.types import ValidationError, generate_ulid

if TYPE_CHECKING:
    from spine.ops.idempotency import IdempotencyHelper

__all__ = ["DEFAULT_CHUNK_SIZE", "L2Plan", "batched_list", "getter", "missing"]

DEFAULT_CHUNK_SIZE = 20_000
"""Records per ingest step (bounds memory; big enough that per-statement costs vanish)."""

SMALL_BATCH = 200
"""Chunks up to this size skip the staging table."""

EXECUTEMANY_ROWS = 5_000
"""Rows per ``executemany`` call (a driver that rewrites it into one multi-row statement
stays well under the server's packet limit)."""

T = TypeVar("T")
_Prepared = tuple[list[str], list[tuple[Any, ...]], list[str]]
"""``(columns, value tuples, hashes)`` of a de-duplicated chunk, ready to write."""


def batched_list(iterable: Iterable[T], n: int) -> Iterator[list[T]]:
    """Successive lists of up to ``n`` items of ``iterable``."""
    it = iter(iterable)
    while chunk := list(islice(it, n)):
        yield chunk


def getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """``row -> tuple of row[c]`` for ``columns`` (always a tuple, even for one column)."""
    if not columns:
        return lambda row: ()
    if len(columns) == 1:
        only = columns[0]
        return lambda row: (row[only],)
    return cast(Callable[[Mapping[str, Any]], tuple[Any, ...]], itemgetter(*columns))


def missing(row: object, columns: Sequence[str], index: int) -> ValidationError:
    """The error for a row lacking one of ``columns`` (or not a dict at all)."""
    if not isinstance(row, Mapping):
        return ValidationError(f"row {index} is a {type(row).__name__}, expected a dict")
    lacking = [c for c in columns if c not in row]
    return ValidationError(f"row {index} lacks column(s) {lacking}")


class L2Plan:
    """One ``insert_new`` call's settings; :meth:`run` ingests chunks inside the caller's
    write scope and returns ``(total, inserted, duplicates_in_batch)``."""

    def __init__(
        self,
        helper: IdempotencyHelper,
        table: str,
        hash_column: str | None,
        natural_key: Sequence[str] | None,
        unique: bool,
        shaper: RowShaper,
        hasher: Callable[..., str] | None = None,
        hash_length: int | None = None,
    ) -> None:
        self.helper = helper
        self.hasher = hasher
        self.hash_length = hash_length
        self.table = table
        self.hc = hash_column
        self.keys = natural_key
        self.unique = unique
        self.shaper = shaper
        self.conflict: list[str] = [hash_column] if hash_column else list(natural_key or ())
        self._key_of = getter(list(natural_key) if natural_key is not None else [hash_column or ""])

    def run(self, chunks: Iterable[list[Mapping[str, Any]]]) -> tuple[int, int, int]:
        """Ingest ``chunks`` inside the caller's write scope.

        Chunk ``k``'s set-based statement is sent and left running on the server (where the
        driver can: ``Connection.start_rowcount``, PostgreSQL's pipeline mode) while chunk
        ``k + 1`` is read, de-duplicated and prepared; its count is collected before chunk
        ``k + 1`` is written. The connection is never used by two statements at once, and a
        failure anywhere still rolls back the whole call."""
        total = inserted = dupes = 0
        pending: Callable[[], int] | None = None
        try:
            for chunk in chunks:
                prepared, repeats = self._chunk(chunk, total)
                dupes += repeats
                total += len(chunk)
                del chunk
                if pending is not None:
                    done, pending = pending, None
                    inserted += done()
                pending = self._send(*prepared)
                del prepared
            if pending is not None:
                done, pending = pending, None
                inserted += done()
        finally:
            if pending is not None:  # failing: collect the statement in flight first
                with contextlib.suppress(Exception):
                    pending()
        return total, inserted, dupes

    def _chunk(self, chunk: list[Mapping[str, Any]], base: int) -> tuple[_Prepared, int]:
        """A chunk de-duplicated and prepared: ``((columns, tuples, hashes), repeats)``."""
        fast = self._uniform(chunk, base)
        if fast is not None:
            return fast
        batch = self._dedupe(chunk, base)
        return self._prepare(batch, base), len(chunk) - len(batch)

    def _uniform(self, chunk: list[Mapping[str, Any]], base: int) -> tuple[_Prepared, int] | None:
        """The common case at C speed: every row has the first row's keys (no per-row Python
        for natural-key mode with plain values). ``None``: anything else (sparse rows, rows
        carrying their own hash, bad rows), which :meth:`_dedupe` / :meth:`_prepare` handle
        and explain."""
        keys, hc, hasher = self.keys, self.hc, self.hasher
        if keys is None or (hc is not None and hasher is None) or not chunk:
            return None
        try:
            columns = list(chunk[0])
            if len(set(map(len, chunk))) != 1:  # (the first row's width is in it)
                return None
            if hc is not None and hc in columns:
                return None
            positions = [columns.index(k) for k in keys]
            tuples = list(map(getter(columns), chunk))  # KeyError: another key set
        except (KeyError, TypeError, ValueError):
            return None
        columns = self.shaper.columns(chunk[:1])  # names checked once: all rows share them
        plain, encode = self.shaper.plain, self.shaper.encode
        if not plain(set(map(type, chain.from_iterable(tuples)))):
            tuples = [
                t if plain(map(type, t)) else encode(t, columns, base + i)
                for i, t in enumerate(tuples)
            ]
        key_of = itemgetter(*positions)
        if hasher is None:
            ids: list[Any] = list(map(key_of, tuples))
        elif len(positions) == 1:
            ids = list(map(hasher, map(key_of, tuples)))
        else:
            ids = [hasher(*k) for k in map(key_of, tuples)]
        try:
            repeats = len(ids) - len(set(ids))
        except TypeError:  # an unhashable key value: _dedupe names the row
            return None
        if repeats:  # keep each key's first row, in input order
            first = dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True))
            keep = sorted(first.values())
            tuples = [tuples[i] for i in keep]
            ids = [ids[i] for i in keep]
        if hasher is None:
            return (columns, tuples, []), repeats
        return ([*columns, cast(str, hc)], list(map(_appended, tuples, ids)), ids), repeats

    def _dedupe(self, chunk: list[Mapping[str, Any]], base: int) -> dict[Any, Mapping[str, Any]]:
        """First occurrence of each conflict key in ``chunk`` (hash, or natural-key tuple)."""
        key_of, hc, keys, hasher = self._key_of, self.hc, self.keys, self.hasher
        length = self.hash_length
        batch: dict[Any, Mapping[str, Any]] = {}
        for i, row in enumerate(chunk):
            try:
                kv = key_of(row)
            except (KeyError, TypeError):
                raise missing(row, keys or [hc or ""], base + i) from None
            if hc is None:
                k: Any = kv
            elif hasher is not None:
                k = hasher(*kv)
            else:
                k = kv[0]
                if not isinstance(k, str) or not k:
                    raise ValidationError(
                        f"row {base + i} has no {hc!r} value; pass natural_key to compute it"
                    )
                if length is not None and len(k) != length:
                    raise ValidationError(
                        f"row {base + i} carries a {len(k)}-character {hc!r}; the table's "
                        f"hash scheme makes {length}-character hashes (one table, one scheme)"
                    )
            try:
                batch.setdefault(k, row)
            except TypeError:
                raise ValidationError(
                    f"row {base + i} has an unhashable natural-key value {kv!r}"
                ) from None
        return batch

    def _prepare(self, batch: dict[Any, Mapping[str, Any]], base: int) -> _Prepared:
        """``(columns, value tuples, hashes)`` of a deduplicated chunk, ready to write."""
        hc = self.hc
        columns = self.shaper.columns(batch.values(), exclude=(hc,) if hc else ())
        if hc is None and not columns:
            return [], [], []
        values_of = getter(columns)
        encode, plain = self.shaper.encode, self.shaper.plain
        tuples: list[tuple[Any, ...]] = []
        append = tuples.append
        i = base
        for k, row in batch.items():
            try:
                vals = values_of(row)
            except KeyError:  # a sparse row: its missing columns are NULL
                vals = tuple(row.get(c) for c in columns)
            if not plain(map(type, vals)):
                vals = encode(vals, columns, i)
            append((*vals, k) if hc is not None else vals)
            i += 1
        all_cols = [*columns, hc] if hc is not None else columns
        return all_cols, tuples, list(batch) if hc is not None else []

    def _send(
        self, columns: list[str], tuples: list[tuple[Any, ...]], hashes: list[str]
    ) -> Callable[[], int]:
        """Write a prepared chunk: the bulk transfer into a staging table runs now and its
        set-based insert is sent; the returned callable completes the write and returns the
        count of rows inserted (direct and look-up writes run in it)."""
        if not tuples:
            return _none
        repo = self.helper._repo
        d, conn, t = repo.dialect, repo.conn, self.table
        if self.unique:
            if d.direct_insert_if_absent or len(tuples) <= SMALL_BATCH:
                # SQLite (in process) and MySQL (multi-row rewrite of executemany): an
                # insert-if-absent straight into the table beats staging
                sql = d.upsert(t, columns, self.conflict, update_columns=[])

                def direct() -> int:
                    done = 0
                    for i in range(0, len(tuples), EXECUTEMANY_ROWS):
                        cur = conn.executemany(sql, tuples[i : i + EXECUTEMANY_ROWS])
                        done += max(int(cur.rowcount or 0), 0)
                    return done

                return direct
            return self._staged(
                columns, tuples, lambda s: d.insert_ignoring_sql(t, s, columns, self.conflict)
            )
        hc = cast(str, self.hc)
        if len(tuples) <= SMALL_BATCH:

            def looked_up() -> int:
                existing = self.helper.existing_among(t, hc, hashes)
                new = [v for h, v in zip(hashes, tuples, strict=True) if h not in existing]
                return conn.insert_rows(t, columns, new) if new else 0

            return looked_up
        return self._staged(columns, tuples, lambda s: d.insert_missing_sql(t, s, columns, hc))

    def _staged(
        self, columns: list[str], tuples: list[tuple[Any, ...]], sql_for: Callable[[str], str]
    ) -> Callable[[], int]:
        """Stage ``tuples`` in a session-private temporary table (``COPY`` on PostgreSQL) and
        send the set-based insert ``sql_for(stage)``; the returned callable collects its
        count and drops the stage."""
        repo = self.helper._repo
        d, conn = repo.dialect, repo.conn
        stage = ident(f"spine_l2_stage_{generate_ulid().lower()}")
        conn.execute(d.create_temp_table_as_sql(stage, self.table, columns))
        try:
            conn.insert_rows(stage, columns, tuples, temporary=True)
            running = conn.start_rowcount(sql_for(stage))
        except BaseException:
            self._drop(stage)
            raise

        def finish() -> int:
            try:
                return running()
            finally:
                self._drop(stage)

        return finish

    def _drop(self, stage: str) -> None:
        d = self.helper._repo.dialect
        if not d.staging_dropped_at_commit:
            with contextlib.suppress(Exception):  # a failed transaction dropped it already
                self.helper._repo.conn.execute(d.drop_temp_table_sql(stage))


def _none() -> int:
    return 0


def _appended(values: tuple[Any, ...], value: Any) -> tuple[Any, ...]:
    return (*values, value)
