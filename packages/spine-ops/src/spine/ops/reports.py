"""Read-side views across domains, for operators and tools (the ``spine`` command, dashboards).

The primitives are scoped to one domain (``AnomalyRecorder(conn, "finra.otc")``); these
functions read the same tables across every domain, or one when ``domain`` is given, newest
first, with a ``limit``. They only read.

Example:
    >>> from spine.db import create_core_tables
    >>> from spine.db.testing import memory_connection
    >>> from spine.ops import AnomalyRecorder, Severity, AnomalyCategory
    >>> conn = memory_connection()
    >>> _ = create_core_tables(conn)
    >>> _ = AnomalyRecorder(conn, "otc").record(
    ...     severity=Severity.WARN, category=AnomalyCategory.QUALITY_GATE, message="late file")
    >>> [a.message for a in list_anomalies(conn)], known_domains(conn)
    (['late file'], ['otc'])
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spine.db import BaseRepository, reading
from spine.db.encoding import decode_partition_key, encode_partition_key
from spine.db.encoding import decode_text as read_text
from spine.ops import _json
from spine.ops.anomalies import _SELECT as _ANOMALY_SELECT
from spine.ops.anomalies import Anomaly, AnomalyRecorder, Severity
from spine.ops.quality.framework import QualityCategory, QualityStatus
from spine.ops.watermarks import DBWatermarkStore, Watermark
from spine.types import Connection, ValidationError

__all__ = [
    "ManifestEntry",
    "QualityRecord",
    "RejectTally",
    "known_domains",
    "list_anomalies",
    "list_manifest",
    "list_quality_results",
    "list_watermarks",
    "reject_tallies",
]


class _Db(BaseRepository):
    """Reads that end the transaction they open on an idle connection."""

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with reading(self.conn):
            return self.query(sql, tuple(params))

    def decode_ts(self, value: Any) -> _dt.datetime | None:
        return None if value is None else self.dialect.decode_timestamp(value)


_DOMAIN_TABLES = (
    "core_manifest",
    "core_rejects",
    "core_quality",
    "core_anomalies",
    "core_watermarks",
    "core_backfill_plans",
)


@dataclass(frozen=True, slots=True)
class QualityRecord:
    """One stored quality check result (``core_quality``)."""

    id: str
    domain: str
    partition_key: Mapping[str, Any]
    check_name: str
    category: QualityCategory
    status: QualityStatus
    message: str
    actual_value: Any = None
    expected_value: Any = None
    execution_id: str | None = None
    created_at: _dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One stage of one partition of one domain (``core_manifest``)."""

    domain: str
    partition_key: Mapping[str, Any]
    stage: str
    stage_rank: int
    row_count: int | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    execution_id: str | None = None
    updated_at: _dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RejectTally:
    """Rejected rows of one domain, stage and reason code (``core_rejects``)."""

    domain: str
    stage: str
    reason_code: str
    count: int
    partitions: int


def _limit(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValidationError(f"limit must be an int >= 1, got {limit!r}")
    return limit


class _Where:
    def __init__(self, db: _Db) -> None:
        self.db = db
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, value: Any) -> None:
        self.clauses.append(sql.format(ph=self.db.dialect.placeholder(len(self.params))))
        self.params.append(value)

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""

    @classmethod
    def scoped(cls, db: _Db, domain: str | None, partition_key: Mapping[str, Any] | None) -> _Where:
        """The clauses every listing takes: one domain, one partition."""
        where = cls(db)
        if domain is not None:
            where.add("domain = {ph}", domain)
        if partition_key is not None:
            where.add("partition_hash = {ph}", encode_partition_key(partition_key)[1])
        return where


def _tail(db: _Db, order: str, limit: int | None) -> str:
    sql = f" ORDER BY {order}"
    if _limit(limit) is not None:
        sql += f" {db.dialect.limit_offset(limit)}"
    return sql


def known_domains(conn: Connection) -> list[str]:
    """Every domain with manifest rows, rejects, quality results, anomalies, watermarks or
    backfill plans, sorted."""
    db = _Db(conn)
    found: set[str] = set()
    for table in _DOMAIN_TABLES:
        found.update(str(r["domain"]) for r in db.rows(f"SELECT DISTINCT domain FROM {table}"))  # noqa: S608 - constant names
    return sorted(found)


def list_anomalies(
    conn: Connection,
    *,
    domain: str | None = None,
    include_resolved: bool = False,
    min_severity: Severity | str | None = None,
    partition_key: Mapping[str, Any] | None = None,
    limit: int | None = 100,
) -> list[Anomaly]:
    """Anomalies (open ones unless ``include_resolved``), newest first."""
    db = _Db(conn)
    where = _Where.scoped(db, domain, partition_key)
    if not include_resolved:
        where.clauses.append("resolved_at IS NULL")
    if min_severity is not None:
        levels = Severity(_enum_value(Severity, min_severity)).at_least()
        start = len(where.params)
        where.clauses.append(f"severity IN ({db.ph(len(levels), start)})")
        where.params.extend(s.value for s in levels)
    sql = _ANOMALY_SELECT + where.sql() + _tail(db, "created_at DESC, id DESC", limit)
    rows = db.rows(sql, where.params)
    return [AnomalyRecorder(conn, str(r["domain"]))._to_anomaly(r) for r in rows]


def _enum_value(enum_cls: Any, value: Any) -> str:
    for member in enum_cls:
        if str(value).lower() in (member.value.lower(), member.name.lower()):
            return str(member.value)
    known = ", ".join(m.value.lower() for m in enum_cls)
    raise ValidationError(f"unknown {enum_cls.__name__} {value!r}; known: {known}")


def list_quality_results(
    conn: Connection,
    *,
    domain: str | None = None,
    status: QualityStatus | str | None = None,
    partition_key: Mapping[str, Any] | None = None,
    check_name: str | None = None,
    limit: int | None = 100,
) -> list[QualityRecord]:
    """Stored quality results, newest first."""
    db = _Db(conn)
    where = _Where.scoped(db, domain, partition_key)
    if status is not None:
        where.add("status = {ph}", _enum_value(QualityStatus, status))
    if check_name is not None:
        where.add("check_name = {ph}", check_name)
    sql = (
        "SELECT id, domain, partition_key, check_name, category, status, message, "  # noqa: S608 - constant names, bound values
        "actual_json, expected_json, execution_id, created_at FROM core_quality"
        + where.sql()
        + _tail(db, "created_at DESC, id DESC", limit)
    )
    return [
        QualityRecord(
            id=str(r["id"]),
            domain=str(r["domain"]),
            partition_key=decode_partition_key(r["partition_key"]),
            check_name=str(r["check_name"]),
            category=QualityCategory(_enum_value(QualityCategory, r["category"])),
            status=QualityStatus(_enum_value(QualityStatus, r["status"])),
            message=read_text(r["message"]) or "",
            actual_value=_json.loads(r["actual_json"]),
            expected_value=_json.loads(r["expected_json"]),
            execution_id=r["execution_id"],
            created_at=db.decode_ts(r["created_at"]),
        )
        for r in db.rows(sql, where.params)
    ]


def list_manifest(
    conn: Connection,
    *,
    domain: str | None = None,
    partition_key: Mapping[str, Any] | None = None,
    limit: int | None = 500,
) -> list[ManifestEntry]:
    """Manifest rows by domain, partition and stage order (most recently updated first
    within the limit)."""
    db = _Db(conn)
    where = _Where.scoped(db, domain, partition_key)
    sql = (
        "SELECT domain, partition_key, stage, stage_rank, row_count, metrics_json, "  # noqa: S608 - constant names, bound values
        "execution_id, updated_at FROM core_manifest"
        + where.sql()
        + _tail(db, "updated_at DESC, domain, partition_hash, stage_rank", limit)
    )
    entries = [
        ManifestEntry(
            domain=str(r["domain"]),
            partition_key=decode_partition_key(r["partition_key"]),
            stage=str(r["stage"]),
            stage_rank=int(r["stage_rank"]),
            row_count=None if r["row_count"] is None else int(r["row_count"]),
            metrics=_json.loads(r["metrics_json"]) or {},
            execution_id=r["execution_id"],
            updated_at=db.decode_ts(r["updated_at"]),
        )
        for r in db.rows(sql, where.params)
    ]
    return sorted(entries, key=lambda e: (e.domain, sorted(e.partition_key.items()), e.stage_rank))


def reject_tallies(
    conn: Connection,
    *,
    domain: str | None = None,
    partition_key: Mapping[str, Any] | None = None,
) -> list[RejectTally]:
    """Rejected rows counted by domain, stage and reason code (most first)."""
    db = _Db(conn)
    where = _Where.scoped(db, domain, partition_key)
    sql = (
        "SELECT domain, stage, reason_code, COUNT(*) AS n, "  # noqa: S608 - constant names, bound values
        "COUNT(DISTINCT partition_hash) AS parts FROM core_rejects"
        + where.sql()
        + " GROUP BY domain, stage, reason_code"
    )
    tallies = [
        RejectTally(
            str(r["domain"]), str(r["stage"]), str(r["reason_code"]), int(r["n"]), int(r["parts"])
        )
        for r in db.rows(sql, where.params)
    ]
    return sorted(tallies, key=lambda t: (t.domain, -t.count, t.stage, t.reason_code))


def list_watermarks(conn: Connection, *, domain: str | None = None) -> list[Watermark]:
    """Watermarks of one domain, or of every domain, by domain, source and partition."""
    store = DBWatermarkStore(conn)
    if domain is not None:
        return store.list(domain)
    db = _Db(conn)
    domains = [str(r["domain"]) for r in db.rows("SELECT DISTINCT domain FROM core_watermarks")]
    return [w for d in sorted(domains) for w in store.list(d)]
