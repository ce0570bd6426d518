"""Temporal envelopes and bi-temporal records.

:class:`TemporalEnvelope` wraps a payload with the four timestamps that matter for external
data: when the event happened, when the source published it, when we ingested it, and from
when consumers should treat it as valid.

:class:`BiTemporalRecord` is one *version* of an entity on two axes, both half-open
``[from, to)`` intervals where ``None`` means open-ended:

* business (valid) time ``[valid_from, valid_to)`` - when the fact is true in the world;
* system time ``[system_from, system_to)`` - when we believed it.

Versions are never updated in place: a correction closes the old version's system time and
adds a new version (:meth:`BiTemporalRecord.supersede`). :func:`as_of` then answers "what did we
know at system time S about business time B", which is what restatements and audits need.

All timestamps must be timezone-aware (naive values raise
:class:`~spine.types.errors.ValidationError`) and are normalised to UTC.

Example:
    >>> from datetime import datetime, timezone
    >>> t = lambda d: datetime(2025, 1, d, tzinfo=timezone.utc)
    >>> v1 = BiTemporalRecord(entity_key="AAPL", payload=100, valid_from=t(1), system_from=t(2))
    >>> old, v2 = v1.supersede(105, at=t(5))   # correction recorded on Jan 5
    >>> as_of([old, v2], system_time=t(3), valid_time=t(4)).payload   # known on Jan 3
    100
    >>> as_of([old, v2], system_time=t(6), valid_time=t(4)).payload   # known on Jan 6
    105
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from spine.types.errors import ConstraintError, ValidationError
from spine.types.timestamps import to_utc, utc_now
from spine.types.ulid import generate_ulid

__all__ = ["BiTemporalRecord", "TemporalEnvelope", "as_of", "current", "timeline"]

T = TypeVar("T")

_UNSET: Any = object()


def _aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(f"{name} must be a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return to_utc(value)


def _optional_aware(value: object, name: str) -> datetime | None:
    return None if value is None else _aware(value, name)


def _check_interval(start: datetime, end: datetime | None, axis: str) -> None:
    if end is not None and not start < end:
        raise ValidationError(
            f"invalid {axis} interval: {axis}_from {start.isoformat()} must be before "
            f"{axis}_to {end.isoformat()} (intervals are half-open [from, to))"
        )


def _in(start: datetime, end: datetime | None, t: datetime) -> bool:
    return start <= t and (end is None or t < end)


@dataclass(frozen=True, kw_only=True)
class TemporalEnvelope(Generic[T]):
    """A payload with its four timestamps (all aware, stored in UTC).

    Args:
        payload: The data.
        event_time: When the real-world event happened.
        publish_time: When the source made it available (``None`` if unknown).
        ingest_time: When we captured it (defaults to now).
        effective_time: When consumers should treat it as valid (``None``: same as
            ``event_time``; see :attr:`effective`).

    Example:
        >>> from datetime import datetime, timezone
        >>> env = TemporalEnvelope(payload={"vol": 10},
        ...                        event_time=datetime(2025, 12, 26, tzinfo=timezone.utc))
        >>> env.effective == env.event_time
        True
    """

    payload: T
    event_time: datetime
    publish_time: datetime | None = None
    ingest_time: datetime = field(default_factory=utc_now)
    effective_time: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_time", _aware(self.event_time, "event_time"))
        object.__setattr__(self, "ingest_time", _aware(self.ingest_time, "ingest_time"))
        object.__setattr__(self, "publish_time", _optional_aware(self.publish_time, "publish_time"))
        object.__setattr__(
            self, "effective_time", _optional_aware(self.effective_time, "effective_time")
        )

    @property
    def effective(self) -> datetime:
        """``effective_time`` if set, else ``event_time``."""
        return self.effective_time if self.effective_time is not None else self.event_time

    @property
    def publication_lag(self) -> float | None:
        """Seconds between the event and its publication (``None`` if not published)."""
        if self.publish_time is None:
            return None
        return (self.publish_time - self.event_time).total_seconds()

    def with_payload(self, payload: T) -> TemporalEnvelope[T]:
        """Same timestamps, new payload (e.g. after normalisation)."""
        return dataclasses.replace(self, payload=payload)


@dataclass(frozen=True, kw_only=True)
class BiTemporalRecord(Generic[T]):
    """One version of ``entity_key`` on the business and system time axes.

    Intervals are half-open ``[from, to)``; ``None`` ``*_to`` means open-ended. ``from``
    must be strictly before ``to`` (:class:`~spine.types.errors.ValidationError` otherwise).

    Args:
        entity_key: Identifies the entity all versions describe (e.g. ``"AAPL"``).
        payload: The data of this version.
        valid_from / valid_to: Business time interval.
        system_from / system_to: System time interval (``system_from`` defaults to now).
        record_id: Version id (a new ULID by default).
    """

    entity_key: str
    payload: T
    valid_from: datetime
    valid_to: datetime | None = None
    system_from: datetime = field(default_factory=utc_now)
    system_to: datetime | None = None
    record_id: str = field(default_factory=generate_ulid)

    def __post_init__(self) -> None:
        if not isinstance(self.entity_key, str) or not self.entity_key:
            raise ValidationError(f"entity_key must be a non-empty str, got {self.entity_key!r}")
        set_ = object.__setattr__
        set_(self, "valid_from", _aware(self.valid_from, "valid_from"))
        set_(self, "valid_to", _optional_aware(self.valid_to, "valid_to"))
        set_(self, "system_from", _aware(self.system_from, "system_from"))
        set_(self, "system_to", _optional_aware(self.system_to, "system_to"))
        _check_interval(self.valid_from, self.valid_to, "valid")
        _check_interval(self.system_from, self.system_to, "system")

    @property
    def is_current(self) -> bool:
        """Whether this version is still believed (``system_to`` is open)."""
        return self.system_to is None

    def is_valid_at(self, t: datetime) -> bool:
        """Whether business time ``t`` falls in ``[valid_from, valid_to)``."""
        return _in(self.valid_from, self.valid_to, _aware(t, "valid_time"))

    def is_known_at(self, t: datetime) -> bool:
        """Whether system time ``t`` falls in ``[system_from, system_to)``."""
        return _in(self.system_from, self.system_to, _aware(t, "system_time"))

    def close(self, at: datetime | None = None) -> BiTemporalRecord[T]:
        """A copy whose system time ends at ``at`` (default now): no longer believed.

        Raises :class:`~spine.types.errors.ValidationError` if already closed or if ``at`` is
        not after ``system_from``.
        """
        if self.system_to is not None:
            raise ValidationError(
                f"record {self.record_id} is already closed at {self.system_to.isoformat()}"
            )
        return dataclasses.replace(self, system_to=utc_now() if at is None else at)

    def supersede(
        self,
        payload: T,
        *,
        at: datetime | None = None,
        valid_from: datetime | None = None,
        valid_to: datetime | None = _UNSET,
    ) -> tuple[BiTemporalRecord[T], BiTemporalRecord[T]]:
        """Record a correction: returns ``(closed_self, new_version)``.

        The old version's system time is closed at ``at`` (default now) and the new version is
        believed from ``at``. Its business interval defaults to this version's; pass
        ``valid_from``/``valid_to`` to change it.
        """
        when = _aware(utc_now() if at is None else at, "at")
        closed = self.close(when)
        new = BiTemporalRecord(
            entity_key=self.entity_key,
            payload=payload,
            valid_from=self.valid_from if valid_from is None else valid_from,
            valid_to=self.valid_to if valid_to is _UNSET else valid_to,
            system_from=when,
        )
        return closed, new


def _versions(records: Iterable[BiTemporalRecord[T]]) -> list[BiTemporalRecord[T]]:
    items = list(records)
    keys = {r.entity_key for r in items}
    if len(keys) > 1:
        raise ValidationError(
            f"versions of one entity expected, got entity keys {sorted(keys)}; filter first"
        )
    return items


def as_of(
    records: Iterable[BiTemporalRecord[T]],
    *,
    system_time: datetime | None = None,
    valid_time: datetime | None = None,
) -> BiTemporalRecord[T] | None:
    """The version known at ``system_time`` that is valid at ``valid_time`` (both default now).

    ``records`` are versions of one entity (mixed entity keys raise ``ValidationError``).
    Returns ``None`` when nothing matches. Two matching versions mean a corrupt history and
    raise :class:`~spine.types.errors.ConstraintError` naming both record ids.
    """
    now = utc_now()
    st = now if system_time is None else _aware(system_time, "system_time")
    vt = now if valid_time is None else _aware(valid_time, "valid_time")
    found: BiTemporalRecord[T] | None = None
    for r in _versions(records):
        if _in(r.system_from, r.system_to, st) and _in(r.valid_from, r.valid_to, vt):
            if found is not None:
                raise ConstraintError(
                    f"overlapping versions {found.record_id} and {r.record_id} of "
                    f"{r.entity_key!r} at system time {st.isoformat()}, "
                    f"valid time {vt.isoformat()}"
                )
            found = r
    return found


def current(
    records: Iterable[BiTemporalRecord[T]], *, valid_time: datetime | None = None
) -> BiTemporalRecord[T] | None:
    """The currently believed version (open system time) valid at ``valid_time`` (default now)."""
    vt = utc_now() if valid_time is None else _aware(valid_time, "valid_time")
    found: BiTemporalRecord[T] | None = None
    for r in _versions(records):
        if r.system_to is None and _in(r.valid_from, r.valid_to, vt):
            if found is not None:
                raise ConstraintError(
                    f"overlapping current versions {found.record_id} and {r.record_id} of "
                    f"{r.entity_key!r} at valid time {vt.isoformat()}"
                )
            found = r
    return found


def timeline(
    records: Iterable[BiTemporalRecord[T]], *, system_time: datetime | None = None
) -> list[BiTemporalRecord[T]]:
    """All versions known at ``system_time`` (default now), ordered by ``valid_from``:
    the entity's business-time history as it was believed then."""
    st = utc_now() if system_time is None else _aware(system_time, "system_time")
    known = [r for r in _versions(records) if _in(r.system_from, r.system_to, st)]
    return sorted(known, key=lambda r: r.valid_from)
