"""Shaping dict rows for a write: the column list of a batch and the values bound for it.

Rules shared by every write path of spine-ops (``ingest_l2``, ``replace_l3``, ``restate``):

- **Columns**: the union of the keys of the batch's rows, in order of first appearance. A
  row that lacks a key another row has is written with NULL there; a column no row of the
  batch names is left to the table's default. A key that is not a column of the table is
  refused (``ValidationError`` naming it) before anything is written.
- **Datetimes**: an aware ``datetime`` is converted to UTC and bound the way the backend
  stores UTC (``dialect.encode_timestamp``), so ``12:00+05:00`` is stored as ``07:00`` UTC
  everywhere. A naive ``datetime`` is refused (``ValidationError`` naming the column).
- **Non-finite floats**: ``nan``, ``inf`` and ``-inf`` are refused with a ``ValidationError``
  naming the column, on every backend (MySQL/MariaDB and SQLite cannot store them faithfully,
  and a silent NULL would be wrong numbers).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from spine.db import Dialect
from spine.db.schema import table_columns
from spine.ops._checks import ident
from spine.types import Connection, ValidationError

__all__ = ["RowShaper"]

_PLAIN: frozenset[type] = frozenset({str, int, bool, type(None), Decimal, _dt.date, bytes})
"""Types bound as they are (no check, no conversion)."""


class RowShaper:
    """Column union, column check and value encoding for writes into one table.

    Args:
        conn: A spine connection (the table's columns are read once from the catalog).
        table: The validated target table name.
        dialect: The connection's dialect.
    """

    __slots__ = ("_allowed", "_encode_ts", "table")

    plain = staticmethod(_PLAIN.issuperset)
    """``plain(map(type, values))``: True when :meth:`encode` would return ``values`` as is."""

    def __init__(self, conn: Connection, table: str, dialect: Dialect) -> None:
        self.table = table
        self._allowed = frozenset(table_columns(conn, table))
        self._encode_ts: Callable[[_dt.datetime], Any] = dialect.encode_timestamp

    def columns(
        self, rows: Iterable[Mapping[str, Any]], *, exclude: Sequence[str] = ()
    ) -> list[str]:
        """Union of the rows' keys (first appearance order), minus ``exclude``.

        Raises:
            ValidationError: a key that is not a plain identifier, or not a column of the
                table (all such keys are named).
        """
        seen: dict[Any, None] = {}
        for shape in dict.fromkeys(map(tuple, rows)):  # distinct key tuples, in order
            seen.update(dict.fromkeys(shape))
        for k in exclude:
            seen.pop(k, None)
        cols = [ident(c) if isinstance(c, str) else _bad_name(c) for c in seen]
        if self._allowed:
            unknown = [c for c in cols if c.lower() not in self._allowed]
            if unknown:
                raise ValidationError(
                    f"{self.table} has no column(s) {unknown}: rename or drop these keys "
                    "(every key of every row must be a column of the table)"
                )
        return cols

    def require(self, column: str, what: str) -> None:
        """Raise :class:`~spine.types.ValidationError` when ``column`` (``what``: its role)
        is not a column of the table (nothing is checked when the catalog named none)."""
        if self._allowed and column.lower() not in self._allowed:
            raise ValidationError(
                f"{self.table} has no column {column!r} ({what}); available: "
                f"{sorted(self._allowed)}"
            )

    def encode(self, values: tuple[Any, ...], columns: Sequence[str], row: int) -> tuple[Any, ...]:
        """``values`` ready to bind: aware datetimes as stored UTC; naive datetimes and
        non-finite floats refused.

        Raises:
            ValidationError: naming the row index and the column.
        """
        if _PLAIN.issuperset(map(type, values)):
            return values
        out = list(values)
        for i, v in enumerate(out):
            if type(v) in _PLAIN:
                continue
            if isinstance(v, float):
                if not math.isfinite(v):
                    raise ValidationError(
                        f"row {row} column {columns[i]!r} is {v!r}: non-finite floats are "
                        "refused on every backend (store NULL or a sentinel explicitly)"
                    )
            elif isinstance(v, _dt.datetime):
                if v.tzinfo is None or v.utcoffset() is None:
                    raise ValidationError(
                        f"row {row} column {columns[i]!r} is the naive datetime "
                        f"{v.isoformat()}: spine stores timezone-aware UTC (attach a tzinfo, "
                        "e.g. datetime.now(UTC))"
                    )
                out[i] = self._encode_ts(v)
        return tuple(out)


def _bad_name(name: object) -> str:
    raise ValidationError(f"column names must be str, got {name!r} ({type(name).__name__})")
