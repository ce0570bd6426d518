"""``--param`` / ``--partition`` values: ``KEY=VALUE`` (a string) or ``KEY:=JSON`` (any JSON).

String values are converted by the workflow's declared param types (``"5"`` for an ``int``,
``"2025-12-26"`` for a ``week_ending``); ``:=`` passes typed JSON (``--param tiers:='["T1"]'``).

Example:
    >>> parse_assignments(["week_ending=2025-12-26", "limit:=5"], option="--param")
    {'week_ending': '2025-12-26', 'limit': 5}
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from spine.orchestration.cli._errors import fail

__all__ = ["parse_assignments"]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


def parse_assignments(items: Sequence[str] | None, *, option: str) -> dict[str, Any]:
    """``{key: value}`` from ``KEY=VALUE`` / ``KEY:=JSON`` items.

    Raises:
        CliError: an item without ``=``, an invalid key, invalid JSON after ``:=``, or a
            key given twice (exit code 2).
    """
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            fail(
                f"{option} {item!r} is not KEY=VALUE",
                hint=f"write {option} name=value (or name:=<json> for typed values)",
            )
        key, _, raw = item.partition("=")
        value: Any = raw
        if key.endswith(":"):
            key = key[:-1]
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                fail(
                    f"{option} {item!r}: the value after ':=' is not JSON ({exc.msg})",
                    hint="quote strings in JSON, or use KEY=VALUE for a plain string",
                )
        key = key.strip()
        if not _KEY.match(key):
            fail(
                f"{option} {item!r}: {key!r} is not a valid name",
                hint="names start with a letter or _ and hold letters, digits, _ . -",
            )
        if key in out:
            fail(f"{option} {key!r} is given twice", hint="give each name once")
        out[key] = value
    return out
