"""Canonical partition keys: one JSON text and one sha256 per logical partition.

A partition key is a ``dict`` of str -> scalar. It is stored as canonical JSON (sorted keys,
compact separators, UTF-8) in ``partition_key`` and looked up through ``partition_hash`` (sha256
hex of that JSON), so key order never matters and indexes stay short on every backend.

Scalars allowed as values: ``str``, ``int``, ``float``, ``bool``, ``None``, ``date``/``datetime``
(ISO-8601), ``Decimal`` (its string), ``Enum`` (its value) and any object whose ``str()`` is its
canonical form when it defines ``__spine_key__`` or is a ``WeekEnding``-like value with an
``isoformat()`` method.

Example:
    >>> canonical_partition_key({"tier": "T1", "week_ending": "2025-12-26"})
    '{"tier":"T1","week_ending":"2025-12-26"}'
    >>> partition_hash({"b": 1, "a": 2}) == partition_hash({"a": 2, "b": 1})
    True
    >>> canonical_partition_key(["not", "a", "dict"])
    Traceback (most recent call last):
    ...
    spine.types.errors.ValidationError: partition key must be a dict of str -> scalar, got list
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, TypeAlias

from spine.types import ValidationError

__all__ = [
    "MAX_PARTITION_KEY_LENGTH",
    "PartitionKey",
    "canonical_partition_key",
    "decode_partition_key",
    "partition_hash",
    "partition_key_and_hash",
]

PartitionKey: TypeAlias = Mapping[str, Any]
"""A logical partition: ``{"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}``."""

MAX_PARTITION_KEY_LENGTH = 2000
"""Length of ``partition_key`` columns in the core tables."""


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"partition key value must be finite, got {value!r}")
        return value
    if isinstance(value, Enum):
        return _scalar(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValidationError("partition key datetimes must be timezone-aware")
        return value.astimezone(_dt.UTC).isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    iso = getattr(value, "isoformat", None)
    if callable(iso):  # WeekEnding and other date-like value objects
        return str(iso())
    raise ValidationError(
        f"partition key values must be scalars, got {type(value).__name__}"
    ).with_context(value_type=type(value).__name__)


def _normalise(key: object) -> dict[str, Any]:
    if not isinstance(key, Mapping):
        raise ValidationError(
            f"partition key must be a dict of str -> scalar, got {type(key).__name__}"
        )
    out: dict[str, Any] = {}
    for k, v in key.items():
        if not isinstance(k, str) or not k:
            raise ValidationError(f"partition key names must be non-empty str, got {k!r}")
        out[k] = _scalar(v)
    return out


def canonical_partition_key(key: object) -> str:
    """Return the canonical JSON text of ``key`` (sorted keys, compact, UTF-8 kept).

    Raises:
        ValidationError: ``key`` is not a mapping of str to scalars, or its JSON is longer
            than :data:`MAX_PARTITION_KEY_LENGTH`.
    """
    text = json.dumps(_normalise(key), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_PARTITION_KEY_LENGTH:
        raise ValidationError(
            f"partition key JSON is {len(text)} chars, limit {MAX_PARTITION_KEY_LENGTH}"
        )
    return text


def partition_hash(key: object) -> str:
    """sha256 hex of :func:`canonical_partition_key` (64 chars)."""
    return hashlib.sha256(canonical_partition_key(key).encode("utf-8")).hexdigest()


def partition_key_and_hash(key: object) -> tuple[str, str]:
    """Both the canonical JSON and its hash, computing the JSON once."""
    text = canonical_partition_key(key)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode_partition_key(text: str | None) -> dict[str, Any]:
    """Parse a stored ``partition_key`` back into a dict (``None``/empty -> ``{}``).

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
