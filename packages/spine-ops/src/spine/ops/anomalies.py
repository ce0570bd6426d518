"""Anomaly recording: problems worth a human's attention, kept until resolved.

:class:`AnomalyRecorder` writes to ``core_anomalies`` (one row per anomaly, ULID ids), resolves
them with a note, and lists the open ones filtered by severity (exact or minimum), category,
stage or partition. :class:`Severity` routes alerts; :class:`AnomalyCategory` routes teams.

Example:
    >>> from spine.db.testing import memory_connection
    >>> recorder = AnomalyRecorder(memory_connection(), domain="finra.otc")
    >>> anomaly_id = recorder.record(
    ...     stage="ingest",
    ...     partition_key={"week_ending": "2025-12-26"},
    ...     severity=Severity.ERROR,
    ...     category=AnomalyCategory.QUALITY_GATE,
    ...     message="Null rate 35% exceeds threshold 25%",
    ...     metadata={"null_rate": 0.35},
    ... )
    >>> [a.message for a in recorder.list_unresolved(min_severity=Severity.WARN)]
    ['Null rate 35% exceeds threshold 25%']
    >>> recorder.resolve(anomaly_id, "Fixed in re-run abc123")
    True
    >>> recorder.list_unresolved()
    []
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from spine.db import BaseRepository, reading, write
from spine.db.encoding import decode_partition_key, encode_partition_key
from spine.db.encoding import decode_text as read_text
from spine.ops import _json
from spine.ops._checks import check_name
from spine.ops._enums import StoredEnum
from spine.ops._observe import observe, observed
from spine.ops.errors import NotFoundError
from spine.types import Connection, ValidationError, generate_ulid, utc_now

__all__ = ["Anomaly", "AnomalyCategory", "AnomalyRecorder", "Severity"]

_TABLE = "core_anomalies"
_SELECT = (
    "SELECT id, domain, partition_key, stage, workflow, severity, category, message, "  # noqa: S608 - validated identifiers, bound values
    "details_json, execution_id, batch_id, created_at, resolved_at, resolution_note "
    f"FROM {_TABLE}"
)


class Severity(StoredEnum):
    """How urgent an anomaly is (ordered: DEBUG < INFO < WARN < ERROR < CRITICAL)."""

    DEBUG = "debug"
    """Diagnostic information; log only."""
    INFO = "info"
    """Notable, not a problem; metrics."""
    WARN = "warn"
    """May need attention; dashboard/ticket."""
    ERROR = "error"
    """A step or operation failed; alert, needs resolution."""
    CRITICAL = "critical"
    """Page on-call now."""

    @property
    def level(self) -> int:
        """0 (DEBUG) .. 4 (CRITICAL)."""
        return _SEVERITY_ORDER.index(self)

    def at_least(self) -> list[Severity]:
        """This severity and every higher one."""
        return list(_SEVERITY_ORDER[self.level :])


_SEVERITY_ORDER = (
    Severity.DEBUG,
    Severity.INFO,
    Severity.WARN,
    Severity.ERROR,
    Severity.CRITICAL,
)


class AnomalyCategory(StoredEnum):
    """What kind of problem it is (and which team it routes to)."""

    QUALITY_GATE = "quality_gate"
    """Data quality threshold not met (data quality team)."""
    NETWORK = "network"
    """Network/connectivity issues (infrastructure)."""
    DATA_QUALITY = "data_quality"
    """Data validation failures (data engineering)."""
    STEP_FAILURE = "step_failure"
    """Individual step failures (operation owners)."""
    WORKFLOW_FAILURE = "workflow_failure"
    """Entire workflow failures (operation owners)."""
    CONFIGURATION = "configuration"
    """Configuration errors (devops)."""
    SOURCE_ERROR = "source_error"
    """Source data issues (data source owners)."""
    TIMEOUT = "timeout"
    """Operation timeouts (infrastructure)."""
    RESOURCE = "resource"
    """Resource exhaustion (infrastructure)."""
    UNKNOWN = "unknown"
    """Uncategorised (on-call triage)."""


E = TypeVar("E", Severity, AnomalyCategory)


def _enum(cls: type[E], value: E | str, what: str) -> E:
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(
            f"unknown {what} {value!r}; valid: {', '.join(m.value for m in cls)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A stored anomaly."""

    id: str
    domain: str
    severity: Severity
    category: AnomalyCategory
    message: str
    partition_key: Mapping[str, Any] | None = None
    stage: str | None = None
    workflow: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    execution_id: str | None = None
    batch_id: str | None = None
    created_at: _dt.datetime | None = None
    resolved_at: _dt.datetime | None = None
    resolution_note: str | None = None

    @property
    def is_resolved(self) -> bool:
        """True once resolved."""
        return self.resolved_at is not None


class AnomalyRecorder:
    """Records, resolves and lists anomalies of one domain in ``core_anomalies``.

    Every write commits.
    """

    table = _TABLE

    def __init__(self, conn: Connection, domain: str) -> None:
        check_name(domain, "domain", 100)
        self.domain = domain
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn

    def record(
        self,
        *,
        severity: Severity | str,
        category: AnomalyCategory | str,
        message: str,
        stage: str | None = None,
        partition_key: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        workflow: str | None = None,
        execution_id: str | None = None,
        batch_id: str | None = None,
    ) -> str:
        """Record an anomaly; returns its id (ULID).

        Raises:
            ValidationError: unknown severity/category, empty message, bad partition key.
        """
        sev = _enum(Severity, severity, "severity")
        cat = _enum(AnomalyCategory, category, "category")
        if not isinstance(message, str) or not message.strip():
            raise ValidationError("anomaly message must be a non-empty str")
        pk_text = pk_hash = None
        if partition_key is not None:
            pk_text, pk_hash = encode_partition_key(partition_key)
        anomaly_id = generate_ulid()
        row = {
            "id": anomaly_id,
            "domain": self.domain,
            "partition_key": pk_text,
            "partition_hash": pk_hash,
            "stage": stage,
            "workflow": workflow,
            "severity": sev.value,
            "category": cat.value,
            "message": message,
            "details_json": _json.dumps(dict(metadata)) if metadata else None,
            "execution_id": execution_id,
            "batch_id": batch_id,
            "created_at": self._repo.dialect.encode_timestamp(utc_now()),
            "resolved_at": None,
            "resolution_note": None,
        }
        with (
            observe(
                "anomalies.record", domain=self.domain, severity=sev.value, category=cat.value
            ) as counts,
            write(self.conn),
        ):
            counts["inserted"] = self._repo.insert_many(_TABLE, [row])
        return anomaly_id

    def get(self, anomaly_id: str) -> Anomaly | None:
        """The anomaly with this id in this domain, or ``None``."""
        d = self._repo
        ph = d.dialect.placeholder
        with reading(d.conn):
            row = d.query_one(
                f"{_SELECT} WHERE id = {ph(0)} AND domain = {ph(1)}", (anomaly_id, self.domain)
            )
        return self._to_anomaly(row) if row else None

    @observed(
        "anomalies.resolve",
        fields=("self.domain", "anomaly_id"),
        counts=lambda resolved: {"resolved": int(resolved)},
    )
    def resolve(self, anomaly_id: str, note: str | None = None) -> bool:
        """Mark an anomaly resolved (``resolved_at = now``) with an optional note.

        Returns ``True`` when it was open, ``False`` when it was already resolved (the first
        resolution is kept).

        Raises:
            NotFoundError: no anomaly with this id in this domain.
        """
        current = self.get(anomaly_id)
        if current is None:
            raise NotFoundError(
                f"no anomaly {anomaly_id!r} in domain {self.domain!r}"
            ).with_context(anomaly_id=anomaly_id, domain=self.domain)
        if current.is_resolved:
            return False
        d = self._repo
        ph = d.dialect.placeholder
        with write(d.conn):
            n = d.execute_rowcount(
                f"UPDATE {_TABLE} SET resolved_at = {ph(0)}, resolution_note = {ph(1)} "  # noqa: S608 - validated identifiers, bound values
                f"WHERE id = {ph(2)} AND domain = {ph(3)} AND resolved_at IS NULL",
                (d.dialect.encode_timestamp(utc_now()), note, anomaly_id, self.domain),
            )
        return n > 0

    def list_unresolved(
        self,
        *,
        severity: Severity | str | None = None,
        category: AnomalyCategory | str | None = None,
        stage: str | None = None,
        partition_key: Mapping[str, Any] | None = None,
        min_severity: Severity | str | None = None,
        limit: int | None = None,
    ) -> list[Anomaly]:
        """Open anomalies of the domain, newest first.

        Args:
            severity: Exactly this severity.
            category: Only this category.
            stage: Only this stage.
            partition_key: Only this partition.
            min_severity: This severity or higher.
            limit: At most this many.
        """
        d = self._repo
        ph = d.dialect.placeholder
        clauses = [f"domain = {ph(0)}", "resolved_at IS NULL"]
        params: list[Any] = [self.domain]

        def add(sql_col: str, value: Any) -> None:
            clauses.append(f"{sql_col} = {ph(len(params))}")
            params.append(value)

        if severity is not None:
            add("severity", _enum(Severity, severity, "severity").value)
        if category is not None:
            add("category", _enum(AnomalyCategory, category, "category").value)
        if stage is not None:
            add("stage", stage)
        if partition_key is not None:
            add("partition_hash", encode_partition_key(partition_key)[1])
        if min_severity is not None:
            levels = [s.value for s in _enum(Severity, min_severity, "severity").at_least()]
            clauses.append(f"severity IN ({d.ph(len(levels), len(params))})")
            params.extend(levels)
        sql = f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id DESC"
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ValidationError(f"limit must be an int >= 1, got {limit!r}")
            sql += f" {d.dialect.limit_offset(limit)}"
        with reading(d.conn):
            rows = d.query(sql, params)
        return [self._to_anomaly(r) for r in rows]

    def count_unresolved(self, *, min_severity: Severity | str = Severity.DEBUG) -> int:
        """Number of open anomalies at ``min_severity`` or above."""
        d = self._repo
        ph = d.dialect.placeholder
        levels = [s.value for s in _enum(Severity, min_severity, "severity").at_least()]
        with reading(d.conn):
            row = d.query_one(
                f"SELECT COUNT(*) AS n FROM {_TABLE} WHERE domain = {ph(0)} "  # noqa: S608 - validated identifiers, bound values
                f"AND resolved_at IS NULL AND severity IN ({d.ph(len(levels), 1)})",
                (self.domain, *levels),
            )
        return int(row["n"]) if row else 0

    def _to_anomaly(self, r: Mapping[str, Any]) -> Anomaly:
        details = _json.loads(r["details_json"])
        pk = r["partition_key"]
        return Anomaly(
            id=str(r["id"]),
            domain=str(r["domain"]),
            severity=Severity(r["severity"]),
            category=AnomalyCategory(r["category"]),
            message=read_text(r["message"]) or "",
            partition_key=decode_partition_key(pk) if pk else None,
            stage=r["stage"],
            workflow=r["workflow"],
            metadata=details if isinstance(details, dict) else {},
            execution_id=r["execution_id"],
            batch_id=r["batch_id"],
            created_at=self._repo.dialect.decode_timestamp(r["created_at"]),
            resolved_at=self._repo.dialect.decode_timestamp(r["resolved_at"]),
            resolution_note=read_text(r["resolution_note"]),
        )
