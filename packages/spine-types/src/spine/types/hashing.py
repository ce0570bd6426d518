"""Deterministic, type-stable content hashing for deduplication and change detection.

``compute_hash(*values)`` returns the SHA-256 hex digest of a **canonical text encoding** of
the values: ``ascii()`` of the tuple of values after each is converted to a canonical form.
``ascii()`` of the builtin scalar types is injective, type-distinguishing and self-delimiting
(strings are quoted and escaped, numbers are bare, containers are bracketed), and it escapes
every non-ASCII character, so the result does not depend on the Unicode database of the
running Python. Hence distinct inputs never collide by concatenation or by type:

* ``compute_hash(1, "2") != compute_hash("1", 2)``
* ``compute_hash("a", "bc") != compute_hash("ab", "c")``
* ``None``, ``"None"`` and ``""`` all differ; ``True != 1``.

Canonical forms (stable across processes, platforms and Python versions):

=========================  ===============================================================
type                       canonical form
=========================  ===============================================================
``None``, ``bool``         themselves (``True`` never equals ``1``)
``int``                    itself
``float``                  itself (shortest round-trip ``repr``); numbers hash **by type**:
                           ``1``, ``1.0`` and ``Decimal(1)`` all differ; ``0.0 != -0.0``
``decimal.Decimal``        tagged, normalised: ``Decimal("1.10") == Decimal("1.1")``
``str``                    itself (``str`` subclasses hash like ``str``)
``bytes``/``bytearray``    ``bytes``
``datetime``               tagged UTC ISO-8601, aware only: **naive raises**
                           :class:`~spine.types.errors.ValidationError` (its instant is
                           unknown; attach a zone first)
``date``/``WeekEnding``    tagged ISO ``YYYY-MM-DD`` (a ``WeekEnding`` hashes as its date)
``time``/``timedelta``     tagged ISO / total microseconds
``uuid.UUID``              tagged 32 hex digits
``Enum`` members           their ``.value`` (``StrEnum`` members hash as the string)
``list``/``tuple``         a tuple: lists and tuples with equal items hash alike
``dict``/``Mapping``       tagged items sorted by canonical key
``set``/``frozenset``      tagged items in canonical order
=========================  ===============================================================

"Tagged" values render as ``<tag payload>``, which no scalar renders as, so e.g. a ``date``
never equals its ISO string. Anything else raises :class:`~spine.types.errors.ValidationError`
naming the type. The common case (a flat row of ``str``/``int``/``float``/``bool``/``None``/
``bytes``) takes a fast path with no per-value Python work.

Example:
    >>> compute_hash("2025-12-26", "NMS_TIER_1", "AAPL") == compute_hash(
    ...     "2025-12-26", "NMS_TIER_1", "AAPL")
    True
    >>> len(compute_hash(1))
    64
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from hashlib import sha256
from typing import Any

from spine.types.errors import ValidationError

__all__ = ["compute_hash", "compute_record_hash"]

_Canon = Callable[[Any], object]

# Types whose ascii() is canonical as-is.
_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None), bytes})


class _Tagged:
    """A canonical non-scalar: renders as ``<tag payload>`` inside ``ascii()``."""

    __slots__ = ("payload", "tag")

    def __init__(self, tag: str, payload: object) -> None:
        self.tag = tag
        self.payload = payload

    def __repr__(self) -> str:
        return f"<{self.tag} {self.payload!r}>"


def _canon_datetime(v: datetime) -> _Tagged:
    if v.utcoffset() is None:
        raise ValidationError(
            f"compute_hash() refuses naive datetime {v.isoformat()}: its instant is ambiguous; "
            "attach a timezone (e.g. dt.replace(tzinfo=UTC))"
        )
    return _Tagged("datetime", v.astimezone(UTC).isoformat())


def _canon_date(v: date) -> _Tagged:
    return _Tagged("date", v.isoformat())


def _canon_time(v: time) -> _Tagged:
    return _Tagged("time", v.isoformat())


def _canon_timedelta(v: timedelta) -> _Tagged:
    return _Tagged("timedelta", (v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds)


def _canon_sequence(v: list[Any] | tuple[Any, ...]) -> tuple[object, ...]:
    return tuple([_canon(item) for item in v])


def _canon_mapping(v: Mapping[Any, Any]) -> _Tagged:
    items = [(_canon(k), _canon(val)) for k, val in v.items()]
    items.sort(key=lambda kv: ascii(kv[0]))
    return _Tagged("map", tuple(items))


def _canon_set(v: set[Any] | frozenset[Any]) -> _Tagged:
    return _Tagged("set", tuple(sorted([_canon(item) for item in v], key=ascii)))


def _identity(v: object) -> object:
    return v


_CANON: dict[type, _Canon] = {
    str: _identity,
    int: _identity,
    float: _identity,
    bool: _identity,
    type(None): _identity,
    bytes: _identity,
    bytearray: bytes,
    memoryview: bytes,
    datetime: _canon_datetime,
    date: _canon_date,
    time: _canon_time,
    timedelta: _canon_timedelta,
    list: _canon_sequence,
    tuple: _canon_sequence,
    dict: _canon_mapping,
    set: _canon_set,
    frozenset: _canon_set,
}


def _resolve(v: object) -> _Canon | None:
    """Canonicaliser for a type not in the table (subclasses, Decimal, UUID, Enum, ...)."""
    if isinstance(v, Enum):
        return lambda e: _canon(e.value)
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(v, decimal.Decimal):
        context = decimal.Context(
            prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
        )
        return lambda d: _Tagged("decimal", str(d.normalize(context)))
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(v, uuid.UUID):
        return lambda u: _Tagged("uuid", u.hex)
    temporal = sys.modules.get("spine.types.temporal")
    if temporal is not None and isinstance(v, temporal.WeekEnding):
        return lambda w: _canon_date(w.date)
    for base, canon in (
        (bool, bool),
        (str, str.__str__),
        (int, int.__index__),
        (float, float.__float__),
        (bytes, bytes),
        (datetime, _canon_datetime),
        (date, _canon_date),
        (time, _canon_time),
        (timedelta, _canon_timedelta),
        (list, _canon_sequence),
        (tuple, _canon_sequence),
        (Mapping, _canon_mapping),
        (set, _canon_set),
        (frozenset, _canon_set),
    ):
        if isinstance(v, base):
            return canon
    return None


def _canon(v: object) -> object:
    canon = _CANON.get(type(v))
    if canon is None:
        canon = _resolve(v)
        if canon is None:
            raise ValidationError(
                f"compute_hash() cannot hash a {type(v).__module__}.{type(v).__qualname__} "
                f"({v!r}); convert it to str, int, float, Decimal, date, datetime, bytes, "
                "or a list/tuple/dict/set of those"
            )
        _CANON[type(v)] = canon
    return canon(v)


def compute_hash(*values: object) -> str:
    """SHA-256 hex digest of the canonical encoding of ``values``.

    See the module documentation for the canonical forms. Raises
    :class:`~spine.types.errors.ValidationError` for unsupported types and naive datetimes.

    Example:
        >>> compute_hash(1, "2") == compute_hash("1", 2)
        False
        >>> compute_hash({"b": 1, "a": 2}) == compute_hash({"a": 2, "b": 1})
        True
    """
    try:
        if _SCALARS.issuperset(map(type, values)):
            text = ascii(values)
        else:
            text = ascii(tuple([_canon(v) for v in values]))
    except ValueError as exc:  # int above sys.get_int_max_str_digits()
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(f"compute_hash() cannot encode a value: {exc}") from None
    return sha256(text.encode()).hexdigest()


def compute_record_hash(record: Mapping[str, Any], fields: Iterable[str]) -> str:
    """``compute_hash`` of ``record[f]`` for each ``f`` in ``fields``, in the given order.

    Field names are not part of the hash, only their values and order. A missing field raises
    :class:`~spine.types.errors.ValidationError` naming it.

    Example:
        >>> row = {"week": "2025-12-26", "symbol": "AAPL", "shares": 100}
        >>> compute_record_hash(row, ["week", "symbol"]) == compute_hash("2025-12-26", "AAPL")
        True
    """
    if isinstance(fields, str):
        raise ValidationError(
            f"compute_record_hash() fields must be a sequence of names, not the str {fields!r}"
        )
    names = list(fields)
    try:
        return compute_hash(*[record[name] for name in names])
    except KeyError:
        missing = [n for n in names if n not in record]
        raise ValidationError(
            f"compute_record_hash(): record has no field(s) {missing}; "
            f"available: {sorted(map(str, record))}"
        ) from None
