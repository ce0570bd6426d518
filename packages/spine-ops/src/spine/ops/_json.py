"""JSON for the ``*_json`` columns: spine-db's canonical JSON, lenient about odd values.

Audit payloads (a reject's raw data, quality details, anomaly metadata) must never be lost
because they hold a type JSON lacks, so values spine-db's encoder refuses are stored by their
``repr()`` (``spine.db.encoding.canonical_json(..., lenient=True)``).
"""

from __future__ import annotations

from typing import Any

from spine.db.encoding import canonical_json, decode_json_value

__all__ = ["dumps", "loads"]


def dumps(value: Any) -> str | None:
    """Canonical JSON text of ``value``; ``None`` stays ``None`` (SQL NULL)."""
    if value is None:
        return None
    return canonical_json(value, lenient=True)


def loads(text: Any) -> Any:
    """Parse a stored JSON column (``None``/empty -> ``None``; bytes and LOBs decoded)."""
    if text is None or text == "":
        return None
    return decode_json_value(text)
