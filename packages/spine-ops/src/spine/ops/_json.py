"""Canonical JSON for the ``*_json`` columns (sorted keys, compact separators).

Values that JSON lacks are stored by their usual text form: ``datetime``/``date`` as ISO-8601,
``Decimal`` as its string, ``Enum`` by value, sets as sorted lists, anything else with
``isoformat()`` (``WeekEnding``) through it.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["dumps", "loads"]


def _default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, tuple):
        return list(value)
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        return iso()
    return repr(value)


def dumps(value: Any) -> str | None:
    """Canonical JSON text of ``value``; ``None`` stays ``None`` (SQL NULL)."""
    if value is None:
        return None
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_default,
        allow_nan=True,
    )


def loads(text: Any) -> Any:
    """Parse a stored JSON column (``None``/empty -> ``None``; bytes decoded as UTF-8)."""
    if text is None:
        return None
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8")
    if not isinstance(text, str):
        text = str(text)  # e.g. an Oracle LOB already read by the driver
    if not text:
        return None
    return json.loads(text)
