"""Behaviour of TemporalEnvelope, BiTemporalRecord and as-of queries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spine.types import (
    BiTemporalRecord,
    ConstraintError,
    TemporalEnvelope,
    ValidationError,
    as_of,
    current,
    is_valid_ulid,
    timeline,
)


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, tzinfo=UTC)


# --- TemporalEnvelope -----------------------------------------------------------------------


def test_envelope_defaults_ingest_time_to_now_and_effective_to_event_time() -> None:
    env = TemporalEnvelope(payload={"v": 1}, event_time=t(1))
    assert env.publish_time is None
    assert env.effective_time is None
    assert env.effective == t(1)
    assert env.ingest_time.tzinfo is UTC
    assert abs((env.ingest_time - datetime.now(UTC)).total_seconds()) < 5


def test_envelope_normalises_all_times_to_utc() -> None:
    plus5 = timezone(timedelta(hours=5))
    env = TemporalEnvelope(
        payload=1,
        event_time=datetime(2025, 1, 1, 5, tzinfo=plus5),
        publish_time=datetime(2025, 1, 1, 6, tzinfo=plus5),
        ingest_time=t(2),
        effective_time=datetime(2025, 1, 3, 5, tzinfo=plus5),
    )
    assert env.event_time == t(1)
    assert env.event_time.tzinfo is UTC
    assert env.publish_time == t(1, 1)
    assert env.effective == t(3)
    assert env.publication_lag == 3600.0


def test_envelope_rejects_naive_and_non_datetime_times() -> None:
    with pytest.raises(ValidationError, match="event_time must be timezone-aware"):
        TemporalEnvelope(payload=1, event_time=datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="publish_time must be a datetime"):
        TemporalEnvelope(payload=1, event_time=t(1), publish_time="2025-01-01")  # type: ignore[arg-type]


def test_envelope_is_frozen_and_with_payload_keeps_times() -> None:
    env = TemporalEnvelope(payload=1, event_time=t(1), ingest_time=t(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        env.payload = 2  # type: ignore[misc]
    other = env.with_payload(2)
    assert other.payload == 2
    assert (other.event_time, other.ingest_time) == (env.event_time, env.ingest_time)


def test_envelope_can_be_parametrised_explicitly() -> None:
    env = TemporalEnvelope[int](payload=1, event_time=t(1))
    assert env.payload == 1


# --- BiTemporalRecord -----------------------------------------------------------------------


def record(
    payload: int,
    valid_from: datetime,
    valid_to: datetime | None = None,
    system_from: datetime | None = None,
    system_to: datetime | None = None,
) -> BiTemporalRecord[int]:
    return BiTemporalRecord(
        entity_key="AAPL",
        payload=payload,
        valid_from=valid_from,
        valid_to=valid_to,
        system_from=system_from or t(1),
        system_to=system_to,
    )


def test_record_gets_ulid_id_and_defaults_to_open_intervals() -> None:
    r = BiTemporalRecord(entity_key="AAPL", payload=1, valid_from=t(1))
    assert is_valid_ulid(r.record_id)
    assert r.valid_to is None
    assert r.system_to is None
    assert r.is_current


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"valid_from": t(2), "valid_to": t(2)}, "invalid valid interval"),
        ({"valid_from": t(3), "valid_to": t(2)}, "invalid valid interval"),
        ({"valid_from": t(1), "system_from": t(5), "system_to": t(4)}, "invalid system interval"),
        ({"valid_from": datetime(2025, 1, 1)}, "valid_from must be timezone-aware"),
        ({"valid_from": "2025-01-01"}, "valid_from must be a datetime"),
    ],
)
def test_record_validates_intervals_and_types(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        BiTemporalRecord(entity_key="AAPL", payload=1, **kwargs)  # type: ignore[arg-type]


def test_record_requires_entity_key() -> None:
    with pytest.raises(ValidationError, match="entity_key"):
        BiTemporalRecord(entity_key="", payload=1, valid_from=t(1))


def test_intervals_are_half_open() -> None:
    r = record(1, valid_from=t(1), valid_to=t(3), system_from=t(1), system_to=t(2))
    assert r.is_valid_at(t(1))
    assert r.is_valid_at(t(2, 23))
    assert not r.is_valid_at(t(3))
    assert r.is_known_at(t(1))
    assert not r.is_known_at(t(2))


def test_close_ends_system_time() -> None:
    r = record(1, valid_from=t(1))
    closed = r.close(t(4))
    assert closed.system_to == t(4)
    assert closed.record_id == r.record_id
    assert r.system_to is None
    with pytest.raises(ValidationError, match="already closed"):
        closed.close(t(5))
    with pytest.raises(ValidationError, match="invalid system interval"):
        r.close(t(1))


def test_supersede_closes_old_version_and_opens_new_one_at_same_instant() -> None:
    v1 = record(100, valid_from=t(1), system_from=t(2))
    old, v2 = v1.supersede(105, at=t(5))
    assert old.system_to == t(5)
    assert v2.system_from == t(5)
    assert v2.system_to is None
    assert (v2.valid_from, v2.valid_to) == (v1.valid_from, v1.valid_to)
    assert v2.entity_key == v1.entity_key
    assert v2.record_id != v1.record_id


def test_supersede_can_change_business_interval() -> None:
    v1 = record(100, valid_from=t(1), valid_to=t(10), system_from=t(2))
    _, v2 = v1.supersede(105, at=t(5), valid_from=t(3), valid_to=None)
    assert (v2.valid_from, v2.valid_to) == (t(3), None)


def test_as_of_answers_what_was_known_when() -> None:
    v1 = record(100, valid_from=t(1), system_from=t(2))
    old, v2 = v1.supersede(105, at=t(5))
    history = [old, v2]
    assert as_of(history, system_time=t(3), valid_time=t(4)) is old
    assert as_of(history, system_time=t(6), valid_time=t(4)) is v2
    assert as_of(history, system_time=t(1), valid_time=t(4)) is None  # before we knew
    assert as_of(history, system_time=t(6), valid_time=datetime(2024, 12, 1, tzinfo=UTC)) is None


def test_as_of_defaults_to_now_on_both_axes() -> None:
    v1 = record(1, valid_from=t(1))
    assert as_of([v1]) is v1


def test_current_returns_the_open_version_valid_now_or_at_given_time() -> None:
    v1 = record(100, valid_from=t(1), system_from=t(2))
    old, v2 = v1.supersede(105, at=t(5))
    assert current([old, v2]) is v2
    assert current([old]) is None
    assert current([old, v2], valid_time=datetime(2024, 1, 1, tzinfo=UTC)) is None


def test_business_time_history_with_timeline() -> None:
    jan = record(1, valid_from=t(1), valid_to=t(10), system_from=t(1))
    feb = record(2, valid_from=t(10), system_from=t(1))
    assert timeline([feb, jan], system_time=t(2)) == [jan, feb]
    assert as_of([jan, feb], system_time=t(2), valid_time=t(9)) is jan
    assert as_of([jan, feb], system_time=t(2), valid_time=t(10)) is feb


def test_overlapping_versions_raise_constraint_error() -> None:
    a = record(1, valid_from=t(1))
    b = record(2, valid_from=t(1))
    with pytest.raises(ConstraintError, match="overlapping versions"):
        as_of([a, b], system_time=t(2), valid_time=t(2))
    with pytest.raises(ConstraintError, match="overlapping current versions"):
        current([a, b], valid_time=t(2))


def test_mixed_entities_are_rejected() -> None:
    a = record(1, valid_from=t(1))
    b = BiTemporalRecord(entity_key="MSFT", payload=2, valid_from=t(1), system_from=t(1))
    with pytest.raises(ValidationError, match="versions of one entity"):
        as_of([a, b], system_time=t(2), valid_time=t(2))


def test_as_of_rejects_naive_query_times() -> None:
    with pytest.raises(ValidationError, match="system_time must be timezone-aware"):
        as_of([], system_time=datetime(2025, 1, 1))
