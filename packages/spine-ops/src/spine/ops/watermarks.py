"""Watermarks: how far each (domain, source, partition) has been processed.

A :class:`Watermark` stores a ``high_water`` cursor (a date, timestamp, sequence number or any
ordered text). :meth:`WatermarkStore.advance` only moves it **forward**: an older or equal
value is refused and ``advance`` returns ``False`` (nothing is written) unless ``force=True``,
which overwrites (for deliberate re-processing). Returning ``False`` rather than raising lets a
re-run of an old window proceed without special-casing; callers that must not go backwards
check the return value.

Ordering of cursors (:func:`compare_high_water`): two integers compare numerically, two
decimals numerically, two ISO-8601 dates/timestamps as instants (naive taken as UTC), anything
else as text. ``date``/``datetime``/numbers passed to ``advance`` are stored as their ISO/decimal
text.

Two implementations share one contract (tested by the same suite): :class:`InMemoryWatermarkStore`
(tests, single process) and :class:`DBWatermarkStore` (``core_watermarks``; concurrent writers
are safe: advances use a compare-and-set update and retry on conflict).

Partition keys are strings (``"AAPL"``); a dict is stored as its canonical JSON (<= 255 chars).

Example:
    >>> store = InMemoryWatermarkStore()
    >>> store.advance("equity", "polygon", "AAPL", "2026-02-15")
    True
    >>> store.advance("equity", "polygon", "AAPL", "2026-02-14")  # backwards: refused
    False
    >>> store.get("equity", "polygon", "AAPL").high_water
    '2026-02-15'
    >>> [g.partition_key for g in store.list_gaps("equity", "polygon", ["AAPL", "MSFT"])]
    ['MSFT']
"""

from __future__ import annotations

import builtins
import datetime as _dt
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable

from spine.db import BaseRepository, reading, write
from spine.db.encoding import canonical_partition_key
from spine.ops import _json
from spine.ops._checks import check_name
from spine.ops._observe import observed
from spine.types import Connection, IntegrityError, ValidationError, utc_now

__all__ = [
    "DBWatermarkStore",
    "HighWater",
    "InMemoryWatermarkStore",
    "Watermark",
    "WatermarkGap",
    "WatermarkStore",
    "compare_high_water",
]

_TABLE = "core_watermarks"

HighWater = str | int | float | Decimal | _dt.date | _dt.datetime
"""What ``advance`` accepts as a cursor; stored as text."""

_INT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _as_text(value: HighWater) -> str:
    if isinstance(value, bool):
        raise ValidationError("high_water cannot be a bool")
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValidationError("high_water datetimes must be timezone-aware")
        return value.astimezone(_dt.UTC).isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str) and value:
        if len(value) > 500:
            raise ValidationError("high_water text is limited to 500 chars")
        return value
    raise ValidationError(
        f"high_water must be a non-empty str, number, date or datetime: {value!r}"
    )


def _instant(text: str) -> _dt.datetime | None:
    if not _ISO.match(text):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def compare_high_water(a: str, b: str) -> int:
    """-1, 0 or 1 as cursor ``a`` is before, equal to or after ``b`` (see module doc).

    Example:
        >>> compare_high_water("9", "10"), compare_high_water("2025-01-02", "2025-01-01T23:00Z")
        (-1, 1)
    """
    if _INT.match(a) and _INT.match(b):
        x: Any = int(a)
        y: Any = int(b)
    elif _DEC.match(a) and _DEC.match(b):
        try:
            x, y = Decimal(a), Decimal(b)
        except InvalidOperation:
            x, y = a, b
    else:
        ia, ib = _instant(a), _instant(b)
        if ia is not None and ib is not None:
            x, y = ia, ib
        else:
            x, y = a, b
    return int(x > y) - int(x < y)


def _partition_text(partition_key: str | Mapping[str, Any]) -> str:
    if isinstance(partition_key, Mapping):
        text = canonical_partition_key(partition_key)
    elif isinstance(partition_key, str) and partition_key:
        text = partition_key
    else:
        raise ValidationError(
            f"watermark partition key must be a non-empty str or a dict, got {partition_key!r}"
        )
    if len(text) > 255:
        raise ValidationError("watermark partition key is limited to 255 chars")
    return text


def _check_names(domain: str, source: str) -> None:
    check_name(domain, "domain", 100)
    check_name(source, "source", 200)


@dataclass(frozen=True, slots=True)
class Watermark:
    """The processed-up-to cursor of one (domain, source, partition)."""

    domain: str
    source: str
    partition_key: str
    high_water: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    updated_at: _dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class WatermarkGap:
    """An expected partition with no watermark (``high_water is None``) or one behind
    ``min_high_water`` (``high_water`` is its current cursor)."""

    domain: str
    source: str
    partition_key: str
    high_water: str | None = None

    @property
    def is_missing(self) -> bool:
        """True when the partition was never processed."""
        return self.high_water is None


@runtime_checkable
class WatermarkStore(Protocol):
    """Storage of watermarks (see :class:`InMemoryWatermarkStore`, :class:`DBWatermarkStore`)."""

    def advance(
        self,
        domain: str,
        source: str,
        partition_key: str | Mapping[str, Any],
        high_water: HighWater,
        metadata: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> bool:
        """Move the cursor forward; ``False`` (no write) when not ahead, unless ``force``."""
        ...

    def get(
        self, domain: str, source: str, partition_key: str | Mapping[str, Any]
    ) -> Watermark | None:
        """The watermark, or ``None``."""
        ...

    def list(self, domain: str, source: str | None = None) -> builtins.list[Watermark]:
        """Watermarks of a domain (one source if given), ordered by source then partition."""
        ...

    def list_gaps(
        self,
        domain: str,
        source: str,
        expected: Iterable[str | Mapping[str, Any]],
        *,
        min_high_water: HighWater | None = None,
    ) -> builtins.list[WatermarkGap]:
        """Expected partitions without a watermark (or behind ``min_high_water``), in the
        order of ``expected``."""
        ...

    def delete(self, domain: str, source: str, partition_key: str | Mapping[str, Any]) -> bool:
        """Remove a watermark; ``True`` when one existed."""
        ...


def _checked_args(
    domain: str, source: str, partition_key: str | Mapping[str, Any], high_water: HighWater
) -> tuple[str, str]:
    """Validate ``advance`` arguments; return the partition text and the cursor text."""
    _check_names(domain, source)
    return _partition_text(partition_key), _as_text(high_water)


def _moves_cursor(current: Watermark | None, high_water: str, force: bool) -> bool:
    """Whether ``advance`` writes ``high_water`` over ``current`` (forward only unless forced)."""
    return current is None or force or compare_high_water(high_water, current.high_water) > 0


class _StoreBase:
    """What both stores share: gaps are derived from ``list`` the same way."""

    def list(self, domain: str, source: str | None = None) -> builtins.list[Watermark]:
        raise NotImplementedError

    def list_gaps(
        self,
        domain: str,
        source: str,
        expected: Iterable[str | Mapping[str, Any]],
        *,
        min_high_water: HighWater | None = None,
    ) -> builtins.list[WatermarkGap]:
        """Expected partitions without a watermark (or behind ``min_high_water``), in the
        order of ``expected``."""
        have = {w.partition_key: w.high_water for w in self.list(domain, source)}
        floor = _as_text(min_high_water) if min_high_water is not None else None
        out: builtins.list[WatermarkGap] = []
        seen: set[str] = set()
        for key in expected:
            pk = _partition_text(key)
            if pk in seen:
                continue
            seen.add(pk)
            hw = have.get(pk)
            if hw is None:
                out.append(WatermarkGap(domain, source, pk, None))
            elif floor is not None and compare_high_water(hw, floor) < 0:
                out.append(WatermarkGap(domain, source, pk, hw))
        return out


class InMemoryWatermarkStore(_StoreBase):
    """Thread-safe in-process :class:`WatermarkStore` (tests, single-process tools)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[tuple[str, str, str], Watermark] = {}

    def advance(
        self,
        domain: str,
        source: str,
        partition_key: str | Mapping[str, Any],
        high_water: HighWater,
        metadata: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> bool:
        pk, hw = _checked_args(domain, source, partition_key, high_water)
        with self._lock:
            current = self._data.get((domain, source, pk))
            if not _moves_cursor(current, hw, force):
                return False
            self._data[(domain, source, pk)] = Watermark(
                domain, source, pk, hw, dict(metadata or {}), utc_now()
            )
            return True

    def get(
        self, domain: str, source: str, partition_key: str | Mapping[str, Any]
    ) -> Watermark | None:
        with self._lock:
            return self._data.get((domain, source, _partition_text(partition_key)))

    def list(self, domain: str, source: str | None = None) -> builtins.list[Watermark]:
        with self._lock:
            items = [
                w
                for (d, s, _), w in self._data.items()
                if d == domain and (source is None or s == source)
            ]
        return sorted(items, key=lambda w: (w.source, w.partition_key))

    def delete(self, domain: str, source: str, partition_key: str | Mapping[str, Any]) -> bool:
        with self._lock:
            return (
                self._data.pop((domain, source, _partition_text(partition_key)), None) is not None
            )


class DBWatermarkStore(_StoreBase):
    """:class:`WatermarkStore` over ``core_watermarks``.

    ``advance`` reads the current cursor, compares in Python (so the ordering rules are the
    same on every backend) and writes with a compare-and-set ``UPDATE ... WHERE high_water =
    <value read>``; a concurrent writer makes it re-read and retry, so a cursor never moves
    backwards under concurrency. Every write commits (a savepoint inside a caller's
    ``spine.db.transaction`` block).
    """

    table = _TABLE
    _RETRIES = 5

    def __init__(self, conn: Connection) -> None:
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn

    def _where_pk(self, start: int = 0) -> str:
        d = self._repo
        ph = d.dialect.placeholder
        return (
            f"domain = {ph(start)} AND source = {ph(start + 1)} AND partition_key = {ph(start + 2)}"
        )

    @observed(
        "watermarks.advance",
        fields=("domain", "source", "partition_key", "high_water"),
        counts=lambda moved: {"advanced": int(moved)},
    )
    def advance(
        self,
        domain: str,
        source: str,
        partition_key: str | Mapping[str, Any],
        high_water: HighWater,
        metadata: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> bool:
        pk, hw = _checked_args(domain, source, partition_key, high_water)
        d = self._repo
        ph = d.dialect.placeholder
        meta = _json.dumps(dict(metadata)) if metadata is not None else None
        for _ in range(self._RETRIES):
            current = self.get(domain, source, pk)
            if not _moves_cursor(current, hw, force):
                return False
            now = d.dialect.encode_timestamp(utc_now())
            try:
                with write(d.conn):
                    if current is None:
                        d.insert_many(
                            _TABLE,
                            [
                                {
                                    "domain": domain,
                                    "source": source,
                                    "partition_key": pk,
                                    "high_water": hw,
                                    "metadata_json": meta,
                                    "updated_at": now,
                                }
                            ],
                        )
                        return True
                    n = d.execute_rowcount(
                        f"UPDATE {_TABLE} SET high_water = {ph(0)}, metadata_json = {ph(1)}, "  # noqa: S608 - validated identifiers, bound values
                        f"updated_at = {ph(2)} WHERE {self._where_pk(3)} "
                        f"AND high_water = {ph(6)}",
                        (hw, meta, now, domain, source, pk, current.high_water),
                    )
                if n > 0 or (force and current.high_water == hw):
                    return True
            except IntegrityError:  # a concurrent writer inserted first: re-read and retry
                continue
        raise IntegrityError(
            f"watermark {domain}/{source}/{pk} kept changing under concurrent writers"
        )

    def get(
        self, domain: str, source: str, partition_key: str | Mapping[str, Any]
    ) -> Watermark | None:
        d = self._repo
        with reading(d.conn):
            row = d.query_one(
                "SELECT domain, source, partition_key, high_water, metadata_json, updated_at "  # noqa: S608 - validated identifiers, bound values
                f"FROM {_TABLE} WHERE {self._where_pk()}",
                (domain, source, _partition_text(partition_key)),
            )
        return self._to_watermark(row) if row else None

    def list(self, domain: str, source: str | None = None) -> builtins.list[Watermark]:
        d = self._repo
        ph = d.dialect.placeholder
        sql = (
            "SELECT domain, source, partition_key, high_water, metadata_json, updated_at "  # noqa: S608 - validated identifiers, bound values
            f"FROM {_TABLE} WHERE domain = {ph(0)}"
        )
        params: builtins.list[Any] = [domain]
        if source is not None:
            sql += f" AND source = {ph(1)}"
            params.append(source)
        sql += " ORDER BY source, partition_key"
        with reading(d.conn):
            rows = d.query(sql, params)
        return [self._to_watermark(r) for r in rows]

    @observed(
        "watermarks.delete",
        fields=("domain", "source", "partition_key"),
        counts=lambda deleted: {"deleted": int(deleted)},
    )
    def delete(self, domain: str, source: str, partition_key: str | Mapping[str, Any]) -> bool:
        d = self._repo
        with write(d.conn):
            n = d.execute_rowcount(
                f"DELETE FROM {_TABLE} WHERE {self._where_pk()}",  # noqa: S608 - validated identifiers, bound values
                (domain, source, _partition_text(partition_key)),
            )
        return n > 0

    def _to_watermark(self, r: Mapping[str, Any]) -> Watermark:
        meta = _json.loads(r["metadata_json"])
        return Watermark(
            domain=str(r["domain"]),
            source=str(r["source"]),
            partition_key=str(r["partition_key"]),
            high_water=str(r["high_water"]),
            metadata=meta if isinstance(meta, dict) else {},
            updated_at=self._repo.dialect.decode_timestamp(r["updated_at"]),
        )
