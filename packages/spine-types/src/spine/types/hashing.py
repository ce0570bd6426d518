"""Deterministic, type-stable content hashing for deduplication and change detection.

``compute_hash(*values)`` returns the SHA-256 hex digest of a canonical encoding of the values.
Each value is encoded with a **type tag** and is **self-delimiting** (strings and bytes carry
their length, numbers end with a terminator, containers carry their item count), so distinct
inputs never collide by concatenation:

* ``compute_hash(1, "2") != compute_hash("1", 2)``
* ``compute_hash("a", "bc") != compute_hash("ab", "c")``
* ``None``, ``"None"`` and ``""`` all differ; ``True != 1``.

Encoding rules (stable across processes, platforms and Python versions):

=========================  ===============================================================
type                       encoded as
=========================  ===============================================================
``None``                   its own tag
``bool``                   its own tag (never equal to ``0``/``1``)
``int``                    decimal digits
``float``                  ``repr`` (shortest round-trip); numbers hash **by type**: ``1``,
                           ``1.0`` and ``Decimal(1)`` all differ; ``0.0 != -0.0``
``decimal.Decimal``        normalised, so ``Decimal("1.10") == Decimal("1.1")``
``str``                    UTF-8 text (str subclasses hash like ``str``)
``bytes``/``bytearray``    raw bytes
``datetime``               aware only, converted to UTC ISO-8601; **naive raises**
                           :class:`~spine.types.errors.ValidationError` (its instant is
                           unknown; attach a zone first)
``date``/``WeekEnding``    ISO ``YYYY-MM-DD`` (a ``WeekEnding`` hashes as its date)
``time``/``timedelta``     ISO / total microseconds
``uuid.UUID``              32 hex digits
``Enum`` members           their ``.value`` (``StrEnum`` members hash as the string)
``list``/``tuple``         the same encoding for both: ordered items
``dict``/``Mapping``       items sorted by encoded key
``set``/``frozenset``      items sorted by encoding
=========================  ===============================================================

Anything else raises :class:`~spine.types.errors.ValidationError` naming the type.

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

_Encoder = Callable[[Any], str]


def _enc_str(v: str) -> str:
    return f"s{len(v)}:{v}"


def _enc_int(v: int) -> str:
    return f"i{int(v)};"


def _enc_bool(v: bool) -> str:
    return "T" if v else "F"


def _enc_float(v: float) -> str:
    return f"f{float(v)!r};"


def _enc_none(v: None) -> str:
    return "n"


def _enc_bytes(v: bytes | bytearray | memoryview) -> str:
    b = bytes(v)
    # latin-1 maps each byte to one code point: injective and fast.
    return f"y{len(b)}:{b.decode('latin-1')}"


def _enc_datetime(v: datetime) -> str:
    if v.utcoffset() is None:
        raise ValidationError(
            f"compute_hash() refuses naive datetime {v.isoformat()}: its instant is ambiguous; "
            "attach a timezone (e.g. dt.replace(tzinfo=UTC))"
        )
    return f"t{v.astimezone(UTC).isoformat()};"


def _enc_date(v: date) -> str:
    return f"D{v.isoformat()};"


def _enc_time(v: time) -> str:
    return f"h{v.isoformat()};"


def _enc_timedelta(v: timedelta) -> str:
    return f"r{(v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds};"


def _enc_sequence(v: list[Any] | tuple[Any, ...]) -> str:
    return f"l{len(v)}:" + "".join([_encode(item) for item in v])


def _enc_mapping(v: Mapping[Any, Any]) -> str:
    items = sorted((_encode(k), _encode(val)) for k, val in v.items())
    return f"m{len(items)}:" + "".join([k + val for k, val in items])


def _enc_set(v: set[Any] | frozenset[Any]) -> str:
    return f"e{len(v)}:" + "".join(sorted([_encode(item) for item in v]))


_ENCODERS: dict[type, _Encoder] = {
    str: _enc_str,
    int: _enc_int,
    bool: _enc_bool,
    float: _enc_float,
    type(None): _enc_none,
    bytes: _enc_bytes,
    bytearray: _enc_bytes,
    memoryview: _enc_bytes,
    datetime: _enc_datetime,
    date: _enc_date,
    time: _enc_time,
    timedelta: _enc_timedelta,
    list: _enc_sequence,
    tuple: _enc_sequence,
    dict: _enc_mapping,
    set: _enc_set,
    frozenset: _enc_set,
}


def _resolve(v: object) -> _Encoder | None:
    """Encoder for a type not in the table (subclasses, Decimal, UUID, Enum, WeekEnding)."""
    if isinstance(v, Enum):
        return lambda e: _encode(e.value)
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(v, decimal.Decimal):
        context = decimal.Context(
            prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
        )
        return lambda d: f"d{d.normalize(context)};"
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(v, uuid.UUID):
        return lambda u: f"u{u.hex};"
    temporal = sys.modules.get("spine.types.temporal")
    if temporal is not None and isinstance(v, temporal.WeekEnding):
        return lambda w: _enc_date(w.date)
    for base, encoder in (
        (bool, _enc_bool),
        (str, _enc_str),
        (int, _enc_int),
        (float, _enc_float),
        (bytes, _enc_bytes),
        (datetime, _enc_datetime),
        (date, _enc_date),
        (time, _enc_time),
        (timedelta, _enc_timedelta),
        (list, _enc_sequence),
        (tuple, _enc_sequence),
        (Mapping, _enc_mapping),
        (set, _enc_set),
        (frozenset, _enc_set),
    ):
        if isinstance(v, base):
            return encoder
    return None


def _encode(v: object) -> str:
    encoder = _ENCODERS.get(type(v))
    if encoder is None:
        encoder = _resolve(v)
        if encoder is None:
            raise ValidationError(
                f"compute_hash() cannot hash a {type(v).__module__}.{type(v).__qualname__} "
                f"({v!r}); convert it to str, int, float, Decimal, date, datetime, bytes, "
                "or a list/tuple/dict/set of those"
            )
        _ENCODERS[type(v)] = encoder
    return encoder(v)


def compute_hash(*values: object) -> str:
    """SHA-256 hex digest of the type-tagged, length-prefixed encoding of ``values``.

    See the module documentation for the exact encoding rules. Raises
    :class:`~spine.types.errors.ValidationError` for unsupported types and naive datetimes.

    Example:
        >>> compute_hash(1, "2") == compute_hash("1", 2)
        False
        >>> compute_hash({"b": 1, "a": 2}) == compute_hash({"a": 2, "b": 1})
        True
    """
    parts: list[str] = []
    append = parts.append
    for v in values:
        t = type(v)
        if t is str:
            append(f"s{len(v)}:{v}")  # type: ignore[arg-type]
        elif t is int:
            append(f"i{v};")
        elif v is None:
            append("n")
        else:
            append(_encode(v))
    return sha256("".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


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
