"""Value encoding shared by every dialect: canonical JSON, partition keys, UTC timestamps.

Dialects specialise how a value is handed to their driver; the canonical forms live here.

Example:
    >>> canonical_json({"week_ending": "2025-12-26", "tier": "NMS"})
    '{"tier":"NMS","week_ending":"2025-12-26"}'
    >>> encode_partition_key({"tier": "NMS", "week_ending": "2025-12-26"})[1][:12]
    'a52d23721994'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from spine.types import ValidationError

__all__ = [
    "canonical_json",
    "decode_json_value",
    "encode_partition_key",
    "parse_bool",
    "parse_timestamp",
    "partition_hash",
    "require_aware",
]


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date | time):
        return obj.isoformat()
    if isinstance(obj, Decimal | UUID):
        return str(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def canonical_json(obj: Any) -> str:
    """Serialise ``obj`` to canonical JSON: sorted keys, compact separators, UTF-8 text.

    Dates/datetimes become ISO-8601 strings, ``Decimal``/``UUID`` strings, enums their value.

    Raises:
        ValidationError: if ``obj`` holds something JSON cannot represent.

    Example:
        >>> canonical_json({"b": 1, "a": [1, 2]})
        '{"a":[1,2],"b":1}'
    """
    try:
        return json.dumps(
            obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
        )
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"value is not JSON serialisable: {exc}", cause=exc) from exc


def decode_json_value(value: Any) -> Any:
    """Decode JSON read from any driver: ``str``, ``bytes``, a LOB (``.read()``), or an
    already-decoded ``dict``/``list``. ``None`` stays ``None``.

    Example:
        >>> decode_json_value(b'{"a": 1}')
        {'a': 1}
    """
    if value is None or isinstance(value, dict | list):
        return value
    if hasattr(value, "read"):  # Oracle LOB
        value = value.read()
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8")
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ValidationError(f"stored value is not valid JSON: {exc}", cause=exc) from exc


def partition_hash(canonical: str) -> str:
    """sha256 hex digest of a canonical JSON string (the ``partition_hash`` column)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_partition_key(key: Mapping[str, Any]) -> tuple[str, str]:
    """Return ``(partition_key, partition_hash)`` for a partition key dict.

    Key order never matters: the JSON is canonical.

    Example:
        >>> a = encode_partition_key({"x": 1, "y": 2})
        >>> a == encode_partition_key({"y": 2, "x": 1})
        True
    """
    text = canonical_json(dict(key))
    return text, partition_hash(text)


def require_aware(dt: datetime) -> datetime:
    """Return ``dt`` converted to UTC; a naive datetime raises ``ValidationError``."""
    if not isinstance(dt, datetime):
        raise ValidationError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValidationError(
            f"naive datetime {dt.isoformat()} refused: spine stores timezone-aware UTC "
            "timestamps (use spine.types.utc_now() or datetime.now(UTC))"
        )
    return dt.astimezone(UTC)


def parse_timestamp(value: Any) -> datetime | None:
    """Turn what a driver returns for a timestamp column into an aware UTC datetime.

    Accepts aware datetimes (converted to UTC), naive datetimes (taken as UTC, as MySQL/DB2/
    Oracle return the stored UTC value), ISO-8601 strings (SQLite; with or without offset,
    ``T`` or space separator), ``bytes``, dates (midnight UTC) and epoch seconds.

    Example:
        >>> parse_timestamp("2025-01-02 03:04:05")
        datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("ascii")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValidationError(f"not an ISO-8601 timestamp: {value!r}", cause=exc) from exc
        return parse_timestamp(parsed)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    raise ValidationError(f"cannot read a timestamp from {type(value).__name__}")


_TRUE = frozenset({"1", "t", "true", "y", "yes", "on"})
_FALSE = frozenset({"0", "f", "false", "n", "no", "off", ""})


def parse_bool(value: Any) -> bool | None:
    """Read a boolean column from any driver (``bool``, 0/1, ``Decimal``, ``'t'``/``'f'``).

    Example:
        >>> parse_bool(1), parse_bool("f"), parse_bool(None)
        (True, False, None)
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("ascii")
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValidationError(f"cannot read a boolean from {value!r}")
