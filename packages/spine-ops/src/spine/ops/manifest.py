"""WorkManifest: which stage each partition of a multi-stage pipeline has reached.

``core_manifest`` holds **one row per stage per partition** (primary key ``domain,
partition_hash, stage``). :meth:`WorkManifest.advance_to` upserts the stage's row in one
statement, so concurrent writers of the same stage never create duplicates; re-running a stage
updates its row (row count, metrics, execution id, time). Partition keys are dicts stored as
canonical JSON, so key order never matters.

A partition "is at least" a stage when it has a row for that stage or a later one (ranks
come from the ``stages`` list given to the manifest, not from stored values, so reordering
stages in code is safe).

Example:
    >>> from spine.db.testing import memory_connection
    >>> m = WorkManifest(memory_connection(), "finra.otc",
    ...                  stages=["PENDING", "INGESTED", "NORMALIZED", "AGGREGATED"])
    >>> key = {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}
    >>> row = m.advance_to(key, "INGESTED", row_count=1000, execution_id="exec-1")
    >>> m.is_at_least({"tier": "NMS_TIER_1", "week_ending": "2025-12-26"}, "INGESTED")
    True
    >>> m.is_before(key, "NORMALIZED"), m.current_stage(key)
    (True, 'INGESTED')
    >>> m.advance_to(key, "PUBLISHED")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.types.errors.ValidationError: unknown stage 'PUBLISHED' ...; valid stages: PENDING, ...
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spine.db import BaseRepository, reading, write, write_retrying
from spine.db.encoding import decode_partition_key, encode_partition_key
from spine.db.schema import CORE_TABLES
from spine.ops import _json
from spine.ops._checks import check_name
from spine.ops._observe import observe, observed
from spine.types import Connection, ValidationError, utc_now

__all__ = ["ManifestRow", "StageChangeHook", "WorkManifest"]

_log = logging.getLogger(__name__)

StageChangeHook = Callable[[str, Mapping[str, Any], str | None, str], None]
"""``hook(domain, partition_key, old_stage, new_stage)``; ``old_stage`` is ``None`` for a new
partition."""

_TABLE = "core_manifest"
_COLUMNS = (
    "domain",
    "partition_key",
    "partition_hash",
    "stage",
    "stage_rank",
    "row_count",
    "metrics_json",
    "execution_id",
    "batch_id",
    "updated_at",
)


_MAX_BIGINT = 2**63 - 1


def _check_row_count(row_count: object) -> None:
    """Refuse a ``row_count`` that is not ``None`` or an int in 0..2**63-1 (a BIGINT)."""
    if row_count is None:
        return
    if isinstance(row_count, bool) or not isinstance(row_count, int):
        raise ValidationError(
            f"row_count must be an int (or None), got {type(row_count).__name__} "
            f"{row_count!r}; pass the number of rows as an int, e.g. row_count=len(rows)"
        ).with_context(argument="row_count", value=repr(row_count))
    if not 0 <= row_count <= _MAX_BIGINT:
        raise ValidationError(
            f"row_count must be between 0 and {_MAX_BIGINT}, got {row_count}"
        ).with_context(argument="row_count", value=repr(row_count))


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One stage of one partition.

    Attributes:
        stage: Stage name (``"INGESTED"``).
        stage_rank: 0-based position of the stage in the manifest's ``stages``.
        row_count: Rows processed at this stage, or ``None``.
        metrics: Custom metrics (``{"null_rate": 0.05}``).
        execution_id: Execution that wrote the row.
        batch_id: Batch correlation.
        updated_at: Aware UTC time of the last write.
    """

    stage: str
    stage_rank: int
    row_count: int | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    execution_id: str | None = None
    batch_id: str | None = None
    updated_at: _dt.datetime | None = None


class WorkManifest:
    """Stage tracking for the partitions of one domain.

    Args:
        conn: A spine connection.
        domain: Domain name (<= 100 chars).
        stages: Ordered stage names, earliest first (unique, <= 100 chars each).
        on_stage_change: Optional hook called after a write moves a partition's latest stage.
            A hook that raises is logged; the write is already committed.

    Raises:
        ValidationError: empty or duplicated stages, bad domain.
    """

    table = _TABLE

    def __init__(
        self,
        conn: Connection,
        domain: str,
        stages: Sequence[str],
        on_stage_change: StageChangeHook | None = None,
    ) -> None:
        check_name(domain, "domain", 100)
        if isinstance(stages, str) or not stages:
            raise ValidationError("stages must be a non-empty list of stage names")
        names = list(stages)
        for s in names:
            if not isinstance(s, str) or not s or len(s) > 100:
                raise ValidationError(f"stage names must be str of 1..100 chars, got {s!r}")
        if len(set(names)) != len(names):
            raise ValidationError(f"duplicate stage names in {names}")
        self.domain = domain
        self.stages: tuple[str, ...] = tuple(names)
        self._stage_ranks = {s: i for i, s in enumerate(names)}
        self.on_stage_change = on_stage_change
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn
        self._upsert_sql = self._repo.dialect.upsert(
            _TABLE,
            list(_COLUMNS),
            ["domain", "partition_hash", "stage"],
            [c for c in _COLUMNS if c not in ("domain", "partition_hash", "stage")],
            column_types={c.name: c.type for c in CORE_TABLES[_TABLE].columns},  # Db2 markers
        )

    # -- stages ----------------------------------------------------------------------------
    def rank(self, stage: str) -> int:
        """0-based rank of ``stage``.

        Raises:
            ValidationError: unknown stage (the message lists the valid ones).
        """
        try:
            return self._stage_ranks[stage]
        except (KeyError, TypeError):
            raise ValidationError(
                f"unknown stage {stage!r} for domain {self.domain!r}; "
                f"valid stages: {', '.join(self.stages)}"
            ).with_context(stage=repr(stage), valid_stages=list(self.stages)) from None

    # -- writes ----------------------------------------------------------------------------
    def advance_to(
        self,
        partition_key: Mapping[str, Any],
        stage: str,
        *,
        row_count: int | None = None,
        metrics: Mapping[str, Any] | None = None,
        execution_id: str | None = None,
        batch_id: str | None = None,
    ) -> ManifestRow:
        """Record that ``partition_key`` reached ``stage`` (upsert of that stage's row; commits).

        Raises:
            ValidationError: unknown stage, a partition key that is not a dict, or a
                ``row_count`` that is not an int in 0..2**63-1 (``"5"`` and ``1.5`` are
                refused, never converted or truncated). Nothing is written.
        """
        rank = self.rank(stage)
        pk_text, pk_hash = encode_partition_key(partition_key)
        _check_row_count(row_count)
        old_stage = self._latest_stage_by_hash(pk_hash) if self.on_stage_change else None
        now = utc_now()
        params = (
            self.domain,
            pk_text,
            pk_hash,
            stage,
            rank,
            row_count,
            _json.dumps(dict(metrics)) if metrics is not None else None,
            execution_id,
            batch_id,
            self._repo.dialect.encode_timestamp(now),
        )
        with observe(
            "manifest.advance_to", domain=self.domain, partition_key=pk_text, stage=stage
        ) as counts:
            write_retrying(self.conn, lambda: self._repo.execute(self._upsert_sql, params))
            counts.update(stage_advanced=stage, stage_rank=rank, row_count=row_count)
        row = ManifestRow(stage, rank, row_count, dict(metrics or {}), execution_id, batch_id, now)
        hook = self.on_stage_change
        if hook is not None and old_stage != self._max_stage([s for s in (old_stage, stage) if s]):
            try:
                hook(self.domain, decode_partition_key(pk_text), old_stage, stage)
            except Exception:
                _log.exception("on_stage_change hook failed for %s %s", self.domain, pk_text)
        return row

    @observed("manifest.clear", fields=("self.domain",))
    def clear(self, partition_key: Mapping[str, Any]) -> int:
        """Delete every stage row of a partition (to reprocess it from scratch); commits."""
        _, pk_hash = encode_partition_key(partition_key)
        d = self._repo
        ph = d.dialect.placeholder
        with write(d.conn):
            return d.execute_rowcount(
                f"DELETE FROM {_TABLE} WHERE domain = {ph(0)} AND partition_hash = {ph(1)}",  # noqa: S608 - validated identifiers, bound values
                (self.domain, pk_hash),
            )

    # -- reads -----------------------------------------------------------------------------
    def _rows_by_hash(self, pk_hash: str) -> list[dict[str, Any]]:
        d = self._repo
        ph = d.dialect.placeholder
        with reading(d.conn):
            return d.query(
                "SELECT stage, stage_rank, row_count, metrics_json, execution_id, batch_id, "  # noqa: S608 - validated identifiers, bound values
                f"updated_at FROM {_TABLE} WHERE domain = {ph(0)} AND partition_hash = {ph(1)}",
                (self.domain, pk_hash),
            )

    def _max_stage(self, stages: Sequence[str]) -> str | None:
        known = [s for s in stages if s in self._stage_ranks]
        return max(known, key=self._stage_ranks.__getitem__) if known else None

    def _latest_stage_by_hash(self, pk_hash: str) -> str | None:
        d = self._repo
        ph = d.dialect.placeholder
        with reading(d.conn):
            rows = d.query(
                f"SELECT stage FROM {_TABLE} WHERE domain = {ph(0)} AND partition_hash = {ph(1)}",  # noqa: S608 - validated identifiers, bound values
                (self.domain, pk_hash),
            )
        return self._max_stage([str(r["stage"]) for r in rows])

    def _to_row(self, r: Mapping[str, Any]) -> ManifestRow:
        stage = str(r["stage"])
        metrics = _json.loads(r["metrics_json"])
        return ManifestRow(
            stage=stage,
            stage_rank=self._stage_ranks.get(stage, int(r["stage_rank"])),
            row_count=None if r["row_count"] is None else int(r["row_count"]),
            metrics=metrics if isinstance(metrics, dict) else {},
            execution_id=r["execution_id"],
            batch_id=r["batch_id"],
            updated_at=self._repo.dialect.decode_timestamp(r["updated_at"]),
        )

    def get(self, partition_key: Mapping[str, Any]) -> list[ManifestRow]:
        """All stage rows of a partition, earliest stage first (``[]`` when unknown)."""
        _, pk_hash = encode_partition_key(partition_key)
        rows = [self._to_row(r) for r in self._rows_by_hash(pk_hash)]
        return sorted(rows, key=lambda r: (r.stage_rank, r.stage))

    def get_stage(self, partition_key: Mapping[str, Any], stage: str) -> ManifestRow | None:
        """The row of one stage, or ``None``."""
        self.rank(stage)
        return next((r for r in self.get(partition_key) if r.stage == stage), None)

    def get_latest(self, partition_key: Mapping[str, Any]) -> ManifestRow | None:
        """The row of the furthest stage reached, or ``None``."""
        rows = [r for r in self.get(partition_key) if r.stage in self._stage_ranks]
        return rows[-1] if rows else None

    def current_stage(self, partition_key: Mapping[str, Any]) -> str | None:
        """Name of the furthest stage reached, or ``None``."""
        _, pk_hash = encode_partition_key(partition_key)
        return self._latest_stage_by_hash(pk_hash)

    def has_stage(self, partition_key: Mapping[str, Any], stage: str) -> bool:
        """True when the partition has a row for exactly ``stage``."""
        return self.get_stage(partition_key, stage) is not None

    def is_at_least(self, partition_key: Mapping[str, Any], stage: str) -> bool:
        """True when the partition reached ``stage`` or a later one."""
        target = self.rank(stage)
        latest = self.current_stage(partition_key)
        return latest is not None and self._stage_ranks[latest] >= target

    def is_before(self, partition_key: Mapping[str, Any], stage: str) -> bool:
        """True when the partition has not reached ``stage`` yet."""
        return not self.is_at_least(partition_key, stage)

    def list_partitions(self, stage: str | None = None) -> list[dict[str, Any]]:
        """Partition keys of the domain (those whose furthest stage is ``stage`` if given)."""
        d = self._repo
        ph = d.dialect.placeholder
        with reading(d.conn):
            rows = d.query(
                f"SELECT partition_key, stage FROM {_TABLE} WHERE domain = {ph(0)}",  # noqa: S608
                (self.domain,),
            )
        by_pk: dict[str, list[str]] = {}
        for r in rows:
            by_pk.setdefault(str(r["partition_key"]), []).append(str(r["stage"]))
        if stage is not None:
            self.rank(stage)
        return [
            decode_partition_key(pk)
            for pk, stages in sorted(by_pk.items())
            if stage is None or self._max_stage(stages) == stage
        ]

    def __repr__(self) -> str:
        return f"WorkManifest(domain={self.domain!r}, stages={list(self.stages)!r})"
