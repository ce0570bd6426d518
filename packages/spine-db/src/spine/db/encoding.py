"""Value encoding shared by every dialect: canonical JSON, partition keys, UTC timestamps.

Dialects specialise how a value is handed to their driver; the canonical forms live here.

A **partition key** is a ``dict`` of str -> scalar, stored in the core tables
(``docs/core-schema.md``) as canonical JSON (sorted keys, compact separators, UTF-8) in
``partition_key`` and looked up through ``partition_hash`` (sha256 hex of that JSON), so key
order never matters and indexes stay short on every backend. Scalars allowed as values:
``str``, ``int``, finite ``float``, ``bool``, ``None``, ``date`` and timezone-aware ``datetime``
(ISO-8601, datetimes converted to UTC), ``Decimal`` (its string), ``Enum`` (its value) and
date-like value objects with an ``isoformat()`` method (``WeekEnding``).

Example:
    >>> canonical_json({"week_ending": "2025-12-26", "tier": "NMS"})
    '{"tier":"NMS","week_ending":"2025-12-26"}'
    >>> encode_partition_key({"tier": "NMS", "week_ending": "2025-12-26"})[1][:12]
    'a52d23721994'
    >>> partition_hash({"b": 1, "a": 2}) == partition_hash({"a": 2, "b": 1})
    True
    >>> canonical_partition_key(["not", "a", "dict"])
    Traceback (most recent call last):
    ...
    spine.types.errors.ValidationError: partition key must be a dict of str -> scalar, got list
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, TypeAlias
from uuid import UUID

from spine.types import ValidationError

__all__ = [
    "MAX_PARTITION_KEY_LENGTH",
    "PartitionKey",
    "canonical_json",
    "canonical_partition_key",
    "canonical_partition_value",
    "decode_json_value",
    "decode_partition_key",
    "decode_text",
    "encode_partition_key",
    "parse_bool",
    "parse_timestamp",
    "partition_hash",
    "require_aware",
]

PartitionKey: TypeAlias = Mapping[str, Any]
"""A logical partition: ``{"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}``."""

MAX_PARTITION_KEY_LENGTH = 2000
"""Length of the ``partition_key`` columns in the core tables."""


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date | time):
        return obj.isoformat()
    if isinstance(obj, Decimal | UUID):
        return str(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    iso = getattr(obj, "isoformat", None)
    if callable(iso):  # WeekEnding and other date-like value objects
        return iso()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _lenient_default(obj: Any) -> Any:
    try:
        return _json_default(obj)
    except TypeError:
        return repr(obj)


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
)
_LENIENT_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_lenient_default
)
"""Built once: ``json.dumps`` with options builds an encoder per call."""


def canonical_json(obj: Any, *, lenient: bool = False) -> str:
    """Serialise ``obj`` to canonical JSON: sorted keys, compact separators, UTF-8 text.

    Dates/datetimes (and ``WeekEnding``-like objects with ``isoformat()``) become ISO-8601
    strings, ``Decimal``/``UUID`` strings, enums their value, sets sorted lists.

    With ``lenient=True`` any other value is stored as its ``repr()`` instead of refused: for
    audit payloads (a reject's raw data, anomaly metadata) that must never be lost because
    they hold an odd type.

    Raises:
        ValidationError: if ``obj`` holds something JSON cannot represent.

    Example:
        >>> canonical_json({"b": 1, "a": [1, 2]})
        '{"a":[1,2],"b":1}'
    """
    try:
        return (_LENIENT_ENCODER if lenient else _ENCODER).encode(obj)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"value is not JSON serialisable: {exc}", cause=exc) from exc


def decode_text(value: Any) -> str | None:
    """Read a TEXT/CLOB column value as ``str`` from any driver: a LOB (``.read()``), UTF-8
    ``bytes``, or anything else by ``str()``. ``None`` stays ``None``.

    Example:
        >>> decode_text(b"caf\\xc3\\xa9")
        'café'
    """
    if value is None:
        return None
    reader = getattr(value, "read", None)
    if callable(reader):  # Oracle LOB
        value = reader()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8")
    return str(value)


def decode_json_value(value: Any) -> Any:
    """Decode JSON read from any driver: ``str``, ``bytes``, a LOB (``.read()``), or an
    already-decoded ``dict``/``list``. ``None`` stays ``None``.

    Example:
        >>> decode_json_value(b'{"a": 1}')
        {'a': 1}
    """
    if value is None or isinstance(value, dict | list):
        return value
    if hasattr(value, "read") or isinstance(value, bytes | bytearray | memoryview):
        value = decode_text(value)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ValidationError(f"stored value is not valid JSON: {exc}", cause=exc) from exc


def canonical_partition_value(value: Any) -> Any:
    """The JSON scalar a partition key value is stored as (see the module docstring).

    Raises:
        ValidationError: ``value`` is not a scalar, a non-finite float or a naive datetime.

    Example:
        >>> canonical_partition_value(date(2025, 12, 26))
        '2025-12-26'
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"partition key value must be finite, got {value!r}")
        return value
    if isinstance(value, Enum):
        return canonical_partition_value(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError("partition key datetimes must be timezone-aware")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    iso = getattr(value, "isoformat", None)
    if callable(iso):  # WeekEnding and other date-like value objects
        return str(iso())
    raise ValidationError(
        f"partition key values must be scalars, got {type(value).__name__}"
    ).with_context(value_type=type(value).__name__)


def _normalise_partition_key(key: object) -> dict[str, Any]:
    if not isinstance(key, Mapping):
        raise ValidationError(
            f"partition key must be a dict of str -> scalar, got {type(key).__name__}"
        )
    out: dict[str, Any] = {}
    for k, v in key.items():
        if not isinstance(k, str) or not k:
            raise ValidationError(f"partition key names must be non-empty str, got {k!r}")
        out[k] = canonical_partition_value(v)
    return out


def canonical_partition_key(key: object) -> str:
    """Return the canonical JSON text of ``key`` (sorted keys, compact, UTF-8 kept).

    Raises:
        ValidationError: ``key`` is not a mapping of str to scalars, or its JSON is longer
            than :data:`MAX_PARTITION_KEY_LENGTH`.

    Example:
        >>> canonical_partition_key({"tier": "T1", "week_ending": "2025-12-26"})
        '{"tier":"T1","week_ending":"2025-12-26"}'
    """
    text = json.dumps(
        _normalise_partition_key(key), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    if len(text) > MAX_PARTITION_KEY_LENGTH:
        raise ValidationError(
            f"partition key JSON is {len(text)} chars, limit {MAX_PARTITION_KEY_LENGTH}"
        )
    return text


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def partition_hash(key: object) -> str:
    """sha256 hex (64 chars) of :func:`canonical_partition_key` (the ``partition_hash``
    column). Takes the key dict, never its JSON text.

    Raises:
        ValidationError: as :func:`canonical_partition_key`.
    """
    return _sha256_hex(canonical_partition_key(key))


def encode_partition_key(key: object) -> tuple[str, str]:
    """Return ``(partition_key, partition_hash)`` for a partition key dict, computing the
    canonical JSON once.

    Key order never matters: the JSON is canonical.

    Raises:
        ValidationError: as :func:`canonical_partition_key`.

    Example:
        >>> a = encode_partition_key({"x": 1, "y": 2})
        >>> a == encode_partition_key({"y": 2, "x": 1})
        True
    """
    text = canonical_partition_key(key)
    return text, _sha256_hex(text)


def decode_partition_key(text: str | None) -> dict[str, Any]:
    """Parse a stored ``partition_key`` back into a dict (``None``/empty -> ``{}``).

    Raises:
        ValidationError: the stored text is not a JSON object.

    Example:
        >>> decode_partition_key('{"week_ending":"2025-12-26"}')
        {'week_ending': '2025-12-26'}
    """
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValidationError(f"stored partition key is not a JSON object: {text[:80]!r}")
    return value


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
