"""Data assets (Dagster-style): what was produced, when, by which run, and is it fresh.

An :class:`AssetKey` names a data artifact by path parts (``AssetKey("sec", "filings",
"10-K")`` <-> ``"sec/filings/10-K"``). An :class:`AssetMaterialization` records that a run
produced (a partition of) it; an :class:`AssetObservation` records that it was looked at
(row counts, lag) without producing it. :class:`AssetStore` persists both to
``core_asset_materializations`` / ``core_asset_observations`` and answers "latest
materialization" and freshness questions.

Example:
    >>> import datetime as dt
    >>> from spine.db.testing import memory_connection
    >>> store = AssetStore(memory_connection())
    >>> key = AssetKey("sec", "filings", "10-K")
    >>> _ = store.record_materialization(AssetMaterialization(
    ...     key, partition="CIK:0001318605", execution_id="exec-1", metadata={"count": 42}))
    >>> store.latest_materialization(key, partition="CIK:0001318605").metadata
    {'count': 42}
    >>> store.is_fresh(key, dt.timedelta(hours=24), partition="CIK:0001318605")
    True
    >>> AssetKey.from_string("sec/filings/10-K") == key
    True
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spine.db import BaseRepository, reading, write
from spine.ops import _json
from spine.ops._checks import check_name
from spine.ops._observe import observe
from spine.types import Connection, ValidationError, generate_ulid, utc_now

__all__ = [
    "AssetKey",
    "AssetMaterialization",
    "AssetObservation",
    "AssetRegistry",
    "AssetStore",
]

_MATS = "core_asset_materializations"
_OBS = "core_asset_observations"


class AssetKey:
    """Path-like name of a data asset; immutable and hashable.

    Raises:
        ValidationError: no parts, an empty part, a part containing ``/``, or a path over
            500 chars.
    """

    __slots__ = ("_parts",)

    def __init__(self, *parts: str) -> None:
        if not parts:
            raise ValidationError("AssetKey needs at least one path part")
        for p in parts:
            if not isinstance(p, str) or not p.strip() or "/" in p:
                raise ValidationError(f"asset key parts must be non-empty str without '/': {p!r}")
        self._parts: tuple[str, ...] = tuple(parts)
        if len(self.to_string()) > 500:
            raise ValidationError("asset key paths are limited to 500 chars")

    @classmethod
    def from_string(cls, path: str) -> AssetKey:
        """Parse ``"a/b/c"``."""
        if not isinstance(path, str) or not path:
            raise ValidationError(f"asset key path must be a non-empty str, got {path!r}")
        return cls(*path.split("/"))

    @classmethod
    def coerce(cls, key: AssetKey | str) -> AssetKey:
        """Accept an ``AssetKey`` or its string form."""
        return key if isinstance(key, AssetKey) else cls.from_string(key)

    @property
    def parts(self) -> tuple[str, ...]:
        """Path parts."""
        return self._parts

    def to_string(self) -> str:
        """``"a/b/c"``."""
        return "/".join(self._parts)

    def child(self, part: str) -> AssetKey:
        """A key one level down."""
        return AssetKey(*self._parts, part)

    @property
    def parent(self) -> AssetKey | None:
        """The key one level up (``None`` at the top)."""
        return AssetKey(*self._parts[:-1]) if len(self._parts) > 1 else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AssetKey) and other._parts == self._parts

    def __hash__(self) -> int:
        return hash(self._parts)

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"AssetKey({', '.join(repr(p) for p in self._parts)})"


def _check_partition(partition: str | None) -> str | None:
    return None if partition is None else check_name(partition, "asset partition", 500)


@dataclass(frozen=True, slots=True)
class _AssetEvent:
    """Fields and checks shared by materializations and observations."""

    asset_key: AssetKey
    partition: str | None = None
    execution_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: _dt.datetime | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_key", AssetKey.coerce(self.asset_key))
        _check_partition(self.partition)


@dataclass(frozen=True, slots=True)
class AssetMaterialization(_AssetEvent):
    """A run produced (a partition of) an asset."""


@dataclass(frozen=True, slots=True)
class AssetObservation(_AssetEvent):
    """An asset was checked (row count, lag...) without being produced."""


class AssetStore:
    """Records materializations/observations and answers freshness questions. Writes commit."""

    def __init__(self, conn: Connection) -> None:
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn

    def _record(self, table: str, event: _AssetEvent) -> str:
        event_id = event.id or generate_ulid()
        created = event.created_at or utc_now()
        d = self._repo
        with (
            observe(
                "assets.record",
                kind=table.removeprefix("core_asset_"),
                asset_key=event.asset_key.to_string(),
                partition=event.partition,
            ) as counts,
            write(d.conn),
        ):
            counts["inserted"] = d.insert_many(
                table,
                [
                    {
                        "id": event_id,
                        "asset_key": event.asset_key.to_string(),
                        "asset_partition": event.partition,
                        "execution_id": event.execution_id,
                        "metadata_json": _json.dumps(dict(event.metadata))
                        if event.metadata
                        else None,
                        "created_at": d.dialect.encode_timestamp(created),
                    }
                ],
            )
        return event_id

    def record_materialization(self, materialization: AssetMaterialization) -> str:
        """Persist a materialization; returns its id."""
        return self._record(_MATS, materialization)

    def record_observation(self, observation: AssetObservation) -> str:
        """Persist an observation; returns its id."""
        return self._record(_OBS, observation)

    def materialize(
        self,
        key: AssetKey | str,
        *,
        partition: str | None = None,
        execution_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Shorthand for :meth:`record_materialization`."""
        return self.record_materialization(
            AssetMaterialization(
                AssetKey.coerce(key), partition, execution_id, dict(metadata or {})
            )
        )

    def _query(
        self,
        table: str,
        key: AssetKey | str,
        partition: str | None,
        limit: int | None,
        any_partition: bool = False,
    ) -> list[dict[str, Any]]:
        d = self._repo
        ph = d.dialect.placeholder
        clauses = [f"asset_key = {ph(0)}"]
        params: list[Any] = [AssetKey.coerce(key).to_string()]
        if not any_partition:
            if partition is None:
                clauses.append("asset_partition IS NULL")
            else:
                clauses.append(f"asset_partition = {ph(1)}")
                params.append(_check_partition(partition))
        sql = (
            "SELECT id, asset_key, asset_partition, execution_id, metadata_json, created_at "  # noqa: S608 - validated identifiers, bound values
            f"FROM {table} WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id DESC"
        )
        if limit is not None:
            sql += f" {d.dialect.limit_offset(limit)}"
        with reading(d.conn):
            return d.query(sql, params)

    def _mat(self, r: Mapping[str, Any]) -> AssetMaterialization:
        meta = _json.loads(r["metadata_json"])
        return AssetMaterialization(
            AssetKey.from_string(str(r["asset_key"])),
            r["asset_partition"],
            r["execution_id"],
            meta if isinstance(meta, dict) else {},
            self._repo.dialect.decode_timestamp(r["created_at"]),
            str(r["id"]),
        )

    def _obs(self, r: Mapping[str, Any]) -> AssetObservation:
        meta = _json.loads(r["metadata_json"])
        return AssetObservation(
            AssetKey.from_string(str(r["asset_key"])),
            r["asset_partition"],
            r["execution_id"],
            meta if isinstance(meta, dict) else {},
            self._repo.dialect.decode_timestamp(r["created_at"]),
            str(r["id"]),
        )

    def latest_materialization(
        self, key: AssetKey | str, partition: str | None = None, *, any_partition: bool = False
    ) -> AssetMaterialization | None:
        """Newest materialization of the asset (that partition; the unpartitioned asset when
        ``partition`` is ``None``; any partition with ``any_partition=True``)."""
        rows = self._query(_MATS, key, partition, 1, any_partition)
        return self._mat(rows[0]) if rows else None

    def materializations(
        self,
        key: AssetKey | str,
        partition: str | None = None,
        *,
        limit: int = 100,
        any_partition: bool = False,
    ) -> list[AssetMaterialization]:
        """Materializations, newest first."""
        return [self._mat(r) for r in self._query(_MATS, key, partition, limit, any_partition)]

    def observations(
        self,
        key: AssetKey | str,
        partition: str | None = None,
        *,
        limit: int = 100,
        any_partition: bool = False,
    ) -> list[AssetObservation]:
        """Observations, newest first."""
        return [self._obs(r) for r in self._query(_OBS, key, partition, limit, any_partition)]

    def latest_by_partition(self, key: AssetKey | str) -> dict[str | None, AssetMaterialization]:
        """Newest materialization of each partition of the asset."""
        out: dict[str | None, AssetMaterialization] = {}
        for r in self._query(_MATS, key, None, None, any_partition=True):
            m = self._mat(r)
            out.setdefault(m.partition, m)
        return out

    def lag(
        self, key: AssetKey | str, partition: str | None = None, *, now: _dt.datetime | None = None
    ) -> _dt.timedelta | None:
        """Time since the latest materialization (``None`` when never materialized)."""
        latest = self.latest_materialization(key, partition)
        if latest is None or latest.created_at is None:
            return None
        return (now or utc_now()) - latest.created_at

    def is_fresh(
        self,
        key: AssetKey | str,
        max_age: _dt.timedelta,
        partition: str | None = None,
        *,
        now: _dt.datetime | None = None,
    ) -> bool:
        """True when the latest materialization is at most ``max_age`` old."""
        if not isinstance(max_age, _dt.timedelta) or max_age < _dt.timedelta(0):
            raise ValidationError(f"max_age must be a non-negative timedelta, got {max_age!r}")
        lag = self.lag(key, partition, now=now)
        return lag is not None and lag <= max_age

    def asset_keys(self) -> list[AssetKey]:
        """Every asset that has at least one materialization, sorted by path."""
        with reading(self.conn):
            rows = self._repo.query(f"SELECT DISTINCT asset_key FROM {_MATS} ORDER BY asset_key")  # noqa: S608 - validated identifiers, bound values
        return [AssetKey.from_string(str(r["asset_key"])) for r in rows]


AssetRegistry = AssetStore
"""Alias: the spec also calls the store a registry."""
