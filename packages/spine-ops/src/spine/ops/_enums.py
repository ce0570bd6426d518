"""``StoredEnum``: the base of every enum whose values spine-ops stores in a table.

Stored values follow one convention in every core table: lower-case strings, like
spine-types' StrEnums (``ExecutionStatus.COMPLETED == "completed"``). Parsing is
case-insensitive, so the upper-case spellings earlier releases stored (``"PASS"``) and
callers' own constants still resolve to the member.

Example:
    >>> class Color(StoredEnum):
    ...     DARK_RED = "dark_red"
    >>> Color("DARK_RED") is Color.DARK_RED, Color.DARK_RED == "dark_red"
    (True, True)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

__all__ = ["StoredEnum"]


class StoredEnum(StrEnum):
    """A StrEnum with lower-case values, parsed case-insensitively."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, str):
            lowered = value.strip().lower()
            for member in cls:
                if member.value == lowered:
                    return member
        return None
