"""Reject sink: bad records are kept with a reason, never silently dropped.

A :class:`Reject` says where (stage), why (machine ``reason_code`` + human detail) and what
(the raw record, its source file and line). :class:`RejectSink` writes them to
``core_rejects``; :meth:`RejectSink.write_batch` writes a whole batch in **one** round trip
(``executemany`` / ``COPY``). :meth:`RejectSink.summary` counts rejects by reason code per
partition for reports.

**Re-runs replace, never add up.** The first time a sink writes rejects of a partition and
stage, the rejects stored for that partition and stage before (by an earlier run) are deleted
in the same transaction; its later writes to that partition and stage add to its own. So
re-processing a file gives the same reject rows and counts as processing it once, and a re-run
that now rejects fewer lines leaves fewer rejects. Use one sink per run (several chunks of one
run go through the same sink). A re-run that rejects nothing calls :meth:`RejectSink.clear`;
workers that write one partition's rejects in parallel use ``replace=False`` after one
:meth:`~RejectSink.clear`.

Example:
    >>> from spine.db.testing import memory_connection
    >>> conn = memory_connection()
    >>> sink = RejectSink(conn, domain="otc", execution_id="exec-1")
    >>> _ = sink.write(Reject(
    ...     stage="NORMALIZE", reason_code="INVALID_SYMBOL",
    ...     reason_detail="Symbol 'BAD$YM' contains $", raw_data={"symbol": "BAD$YM"},
    ...     source_locator="file://data/raw.csv", line_number=42,
    ... ), partition_key={"week_ending": "2025-12-26"})
    >>> sink.write_batch([Reject("NORMALIZE", "NEGATIVE_VOLUME")] * 2, {"week_ending": "2025-12"})
    2
    >>> sink.count, sink.counts_by_reason()
    (3, {'NEGATIVE_VOLUME': 2, 'INVALID_SYMBOL': 1})
    >>> rerun = RejectSink(conn, domain="otc", execution_id="exec-2")
    >>> rerun.write_batch([Reject("NORMALIZE", "NEGATIVE_VOLUME")] * 2, {"week_ending": "2025-12"})
    2
    >>> rerun.counts_by_reason()  # replaced, not doubled
    {'NEGATIVE_VOLUME': 2, 'INVALID_SYMBOL': 1}
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spine.db import BaseRepository, reading, write
from spine.db.encoding import decode_partition_key, encode_partition_key
from spine.db.encoding import decode_text as read_text
from spine.ops import _json
from spine.ops._checks import check_name
from spine.ops._observe import observe
from spine.types import Connection, ValidationError, generate_ulid, utc_now

__all__ = ["Reject", "RejectCount", "RejectSink", "StoredReject"]

_TABLE = "core_rejects"


@dataclass(frozen=True, slots=True)
class Reject:
    """A rejected record.

    Attributes:
        stage: Where it was rejected (``"INGEST"``, ``"NORMALIZE"``).
        reason_code: Machine-readable code (``"INVALID_SYMBOL"``), <= 100 chars.
        reason_detail: Human-readable explanation.
        raw_data: The original record (stored as JSON; unknown types by ``repr``).
        source_locator: File path or URL of the source (<= 1000 chars).
        line_number: Line in the source file.
    """

    stage: str
    reason_code: str
    reason_detail: str | None = None
    raw_data: Any = None
    source_locator: str | None = None
    line_number: int | None = None

    def __post_init__(self) -> None:
        for name, value, limit in (
            ("stage", self.stage, 100),
            ("reason_code", self.reason_code, 100),
        ):
            check_name(value, f"reject {name}", limit)
        if self.source_locator is not None and len(self.source_locator) > 1000:
            raise ValidationError("source_locator is limited to 1000 chars")


@dataclass(frozen=True, slots=True)
class StoredReject:
    """A reject read back from ``core_rejects``."""

    id: str
    partition_key: Mapping[str, Any]
    reject: Reject
    execution_id: str | None
    batch_id: str | None
    created_at: _dt.datetime | None


@dataclass(frozen=True, slots=True)
class RejectCount:
    """Rejects of one reason code in one partition."""

    partition_key: Mapping[str, Any] = field(hash=False)
    reason_code: str
    count: int


class RejectSink:
    """Writes rejects of one domain (and optionally one execution/batch) to ``core_rejects``.

    Args:
        conn: A spine connection.
        domain: Domain name.
        execution_id: Execution correlation for every reject written.
        batch_id: Batch correlation.
        replace: ``True`` (default): the first write of this sink to a partition and stage
            replaces the rejects stored there before (see the module docstring), so re-runs
            never double the rejects. ``False``: always add (for parallel writers of one
            partition, after one :meth:`clear`).

    Each write commits (a savepoint inside a caller's ``spine.db.transaction`` block).
    ``count`` counts rejects written through this sink. A sink remembers which partitions and
    stages it has replaced: if your transaction around a write rolls back, use a new sink.
    """

    table = _TABLE

    def __init__(
        self,
        conn: Connection,
        domain: str,
        execution_id: str | None = None,
        batch_id: str | None = None,
        *,
        replace: bool = True,
    ) -> None:
        check_name(domain, "domain", 100)
        if not isinstance(replace, bool):
            raise ValidationError(f"replace must be True or False, got {replace!r}")
        self.domain = domain
        self.execution_id = execution_id
        self.batch_id = batch_id
        self.replace = replace
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn
        self._count = 0
        self._replaced: set[tuple[str, str]] = set()  # (partition_hash, stage) owned by this sink

    @property
    def count(self) -> int:
        """Rejects written through this sink."""
        return self._count

    def _row(self, reject: Reject, pk_text: str, pk_hash: str, now: Any) -> dict[str, Any]:
        if not isinstance(reject, Reject):
            raise ValidationError(f"expected Reject, got {type(reject).__name__}")
        return {
            "id": generate_ulid(),
            "domain": self.domain,
            "partition_key": pk_text,
            "partition_hash": pk_hash,
            "stage": reject.stage,
            "reason_code": reject.reason_code,
            "reason_detail": reject.reason_detail,
            "raw_json": _json.dumps(reject.raw_data),
            "source_locator": reject.source_locator,
            "line_number": reject.line_number,
            "execution_id": self.execution_id,
            "batch_id": self.batch_id,
            "created_at": now,
        }

    def _delete(self, pk_hash: str, stage: str | None) -> int:
        d = self._repo
        ph = d.dialect.placeholder
        sql = f"DELETE FROM {_TABLE} WHERE domain = {ph(0)} AND partition_hash = {ph(1)}"  # noqa: S608 - validated identifiers, bound values
        params: list[Any] = [self.domain, pk_hash]
        if stage is not None:
            sql += f" AND stage = {ph(2)}"
            params.append(stage)
        return d.execute_rowcount(sql, params)

    def _store(self, rows: list[dict[str, Any]], pk_hash: str, counts: dict[str, Any]) -> None:
        """Insert ``rows`` (one partition), first replacing what earlier runs stored for the
        stages this sink has not written yet, in one transaction."""
        fresh = [
            stage
            for stage in dict.fromkeys(str(r["stage"]) for r in rows)
            if self.replace and (pk_hash, stage) not in self._replaced
        ]
        with write(self.conn):
            replaced = sum(self._delete(pk_hash, stage) for stage in fresh)
            self._repo.insert_many(_TABLE, rows)
        self._replaced.update((pk_hash, stage) for stage in fresh)
        self._count += len(rows)
        counts.update(rows_in=len(rows), inserted=len(rows), replaced=replaced)

    def write(self, reject: Reject, partition_key: Mapping[str, Any]) -> str:
        """Write one reject; returns its id (ULID). The first write of this sink to the
        partition and stage replaces the rejects an earlier run stored there."""
        pk_text, pk_hash = encode_partition_key(partition_key)
        row = self._row(reject, pk_text, pk_hash, self._repo.dialect.encode_timestamp(utc_now()))
        with observe("rejects.write", domain=self.domain, stage=reject.stage) as counts:
            self._store([row], pk_hash, counts)
        return str(row["id"])

    def write_batch(self, rejects: Iterable[Reject], partition_key: Mapping[str, Any]) -> int:
        """Write many rejects of one partition in one round trip; returns how many were
        written. For each stage in the batch, the first write of this sink to the partition and
        that stage replaces the rejects an earlier run stored there (same transaction)."""
        pk_text, pk_hash = encode_partition_key(partition_key)
        now = self._repo.dialect.encode_timestamp(utc_now())
        rows = [self._row(r, pk_text, pk_hash, now) for r in rejects]
        with observe("rejects.write_batch", domain=self.domain) as counts:
            if not rows:
                counts.update(rows_in=0, inserted=0, replaced=0)
                return 0
            self._store(rows, pk_hash, counts)
        return len(rows)

    def clear(self, partition_key: Mapping[str, Any], stage: str | None = None) -> int:
        """Delete the stored rejects of a partition (of one stage, or of every stage); returns
        how many. For a re-run that rejects nothing, or before parallel ``replace=False``
        writers start. Later writes of this sink to that partition and stage add to it."""
        _, pk_hash = encode_partition_key(partition_key)
        if stage is not None:
            check_name(stage, "reject stage", 100)
        with observe("rejects.clear", domain=self.domain, stage=stage) as counts:
            with write(self.conn):
                deleted = self._delete(pk_hash, stage)
            if stage is not None:
                self._replaced.add((pk_hash, stage))
            counts["deleted"] = deleted
        return deleted

    def summary(self, partition_key: Mapping[str, Any] | None = None) -> list[RejectCount]:
        """Reject counts by reason code per partition of the domain (one partition if given),
        ordered by partition then count (highest first)."""
        d = self._repo
        ph = d.dialect.placeholder
        sql = (
            f"SELECT partition_hash, partition_key, reason_code, COUNT(*) AS n FROM {_TABLE} "  # noqa: S608 - validated identifiers, bound values
            f"WHERE domain = {ph(0)}"
        )
        params: list[Any] = [self.domain]
        if partition_key is not None:
            params.append(encode_partition_key(partition_key)[1])
            sql += f" AND partition_hash = {ph(1)}"
        sql += " GROUP BY partition_hash, partition_key, reason_code"
        with reading(d.conn):
            rows = d.query(sql, params)
        out = [
            RejectCount(
                decode_partition_key(r["partition_key"]), str(r["reason_code"]), int(r["n"])
            )
            for r in rows
        ]
        return sorted(
            out, key=lambda c: (str(sorted(c.partition_key.items())), -c.count, c.reason_code)
        )

    def counts_by_reason(self, partition_key: Mapping[str, Any] | None = None) -> dict[str, int]:
        """``{reason_code: count}`` over the domain (or one partition)."""
        totals: dict[str, int] = {}
        for c in self.summary(partition_key):
            totals[c.reason_code] = totals.get(c.reason_code, 0) + c.count
        return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))

    def fetch(
        self,
        partition_key: Mapping[str, Any] | None = None,
        *,
        reason_code: str | None = None,
        execution_id: str | None = None,
        limit: int = 100,
    ) -> list[StoredReject]:
        """Stored rejects of the domain, oldest first, filtered and limited."""
        d = self._repo
        ph = d.dialect.placeholder
        clauses = [f"domain = {ph(0)}"]
        params: list[Any] = [self.domain]
        if partition_key is not None:
            clauses.append(f"partition_hash = {ph(len(params))}")
            params.append(encode_partition_key(partition_key)[1])
        if reason_code is not None:
            clauses.append(f"reason_code = {ph(len(params))}")
            params.append(reason_code)
        if execution_id is not None:
            clauses.append(f"execution_id = {ph(len(params))}")
            params.append(execution_id)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError(f"limit must be an int >= 1, got {limit!r}")
        sql = (
            "SELECT id, partition_key, stage, reason_code, reason_detail, raw_json, "  # noqa: S608 - validated identifiers, bound values
            "source_locator, line_number, execution_id, batch_id, created_at "
            f"FROM {_TABLE} WHERE {' AND '.join(clauses)} ORDER BY created_at, id "
            f"{d.dialect.limit_offset(limit)}"
        )
        with reading(d.conn):
            rows = d.query(sql, params)
        return [
            StoredReject(
                id=str(r["id"]),
                partition_key=decode_partition_key(r["partition_key"]),
                reject=Reject(
                    stage=str(r["stage"]),
                    reason_code=str(r["reason_code"]),
                    reason_detail=read_text(r["reason_detail"]),
                    raw_data=_json.loads(r["raw_json"]),
                    source_locator=r["source_locator"],
                    line_number=None if r["line_number"] is None else int(r["line_number"]),
                ),
                execution_id=r["execution_id"],
                batch_id=r["batch_id"],
                created_at=d.dialect.decode_timestamp(r["created_at"]),
            )
            for r in rows
        ]
