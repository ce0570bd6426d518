"""Timezone-aware UTC helpers.

spine stores and compares timestamps as timezone-aware UTC ``datetime`` objects. These helpers
make that the easy path and refuse silent local-time guesses.

Example:
    >>> from datetime import datetime, timezone
    >>> parse_iso("2025-12-26T10:00:00Z")
    datetime.datetime(2025, 12, 26, 10, 0, tzinfo=datetime.timezone.utc)
    >>> format_iso(datetime(2025, 12, 26, 10, 0, tzinfo=timezone.utc))
    '2025-12-26T10:00:00Z'
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from spine.types.errors import ValidationError

__all__ = ["format_iso", "parse_iso", "to_utc", "utc_now"]

_TIMESPECS = frozenset({"auto", "hours", "minutes", "seconds", "milliseconds", "microseconds"})


def utc_now() -> datetime:
    """Current time as a timezone-aware UTC ``datetime``.

    Example:
        >>> utc_now().tzinfo is not None
        True
    """
    return datetime.now(UTC)


def to_utc(dt: datetime, *, assume_utc: bool = False) -> datetime:
    """Convert an aware ``datetime`` to UTC.

    A naive ``datetime`` raises :class:`ValidationError` (its zone is unknown) unless
    ``assume_utc=True``, in which case it is taken to already be UTC.

    Example:
        >>> from datetime import datetime, timedelta, timezone
        >>> to_utc(datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))).hour
        10
        >>> to_utc(datetime(2025, 1, 1, 12), assume_utc=True).tzinfo
        datetime.timezone.utc
    """
    if not isinstance(dt, datetime):
        raise ValidationError(f"to_utc() expects a datetime, got {type(dt).__name__}: {dt!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        if assume_utc:
            return dt.replace(tzinfo=UTC)
        raise ValidationError(
            f"naive datetime {dt.isoformat()} has no timezone; attach one "
            "(dt.replace(tzinfo=...)) or pass assume_utc=True"
        )
    return dt.astimezone(UTC)


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 string into an aware UTC ``datetime``.

    Accepts a trailing ``Z``, any UTC offset (converted to UTC) and date-only strings
    (midnight). Input without an offset is treated as UTC. Malformed input raises
    :class:`ValidationError` naming the input.

    Example:
        >>> parse_iso("2025-12-26T12:00:00+02:00").isoformat()
        '2025-12-26T10:00:00+00:00'
        >>> parse_iso("2025-12-26").isoformat()
        '2025-12-26T00:00:00+00:00'
    """
    if not isinstance(value, str):
        raise ValidationError(
            f"parse_iso() expects an ISO-8601 string, got {type(value).__name__}: {value!r}"
        )
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"invalid ISO-8601 timestamp {value!r} (expected e.g. '2025-12-26T10:00:00Z')"
        ) from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_iso(dt: datetime | date, *, timespec: str = "auto") -> str:
    """Format as ISO-8601 in UTC with a ``Z`` suffix.

    Aware datetimes are converted to UTC; naive ones raise :class:`ValidationError`. A plain
    ``date`` is formatted as ``YYYY-MM-DD``. ``timespec`` is passed to
    :meth:`datetime.isoformat` (``"milliseconds"`` suits logs).

    Example:
        >>> from datetime import datetime, timezone
        >>> format_iso(datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc),
        ...            timespec="milliseconds")
        '2025-01-01T00:00:00.123Z'
    """
    if timespec not in _TIMESPECS:
        raise ValidationError(f"unknown timespec {timespec!r}; use one of {sorted(_TIMESPECS)}")
    if isinstance(dt, datetime):
        return to_utc(dt).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"
    if isinstance(dt, date):
        return dt.isoformat()
    raise ValidationError(f"format_iso() expects a datetime, got {type(dt).__name__}: {dt!r}")
