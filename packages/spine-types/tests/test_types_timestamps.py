"""Behaviour of the UTC timestamp helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from spine.types import ValidationError, format_iso, parse_iso, to_utc, utc_now

PLUS_2 = timezone(timedelta(hours=2))


def test_utc_now_is_aware_utc() -> None:
    now = utc_now()
    assert now.tzinfo is UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_to_utc_converts_aware_datetimes() -> None:
    assert to_utc(datetime(2025, 1, 1, 12, tzinfo=PLUS_2)) == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert to_utc(datetime(2025, 1, 1, 12, tzinfo=PLUS_2)).tzinfo is UTC


def test_to_utc_rejects_naive_datetimes_with_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="naive datetime 2025-01-01T12:00:00"):
        to_utc(datetime(2025, 1, 1, 12))


def test_to_utc_assume_utc_attaches_utc_to_naive() -> None:
    assert to_utc(datetime(2025, 1, 1, 12), assume_utc=True) == datetime(2025, 1, 1, 12, tzinfo=UTC)


def test_to_utc_rejects_non_datetimes() -> None:
    with pytest.raises(ValidationError, match="expects a datetime, got str"):
        to_utc("2025-01-01")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="got date"):
        to_utc(date(2025, 1, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-12-26T10:00:00Z", datetime(2025, 12, 26, 10, tzinfo=UTC)),
        ("2025-12-26T10:00:00+00:00", datetime(2025, 12, 26, 10, tzinfo=UTC)),
        ("2025-12-26T12:00:00+02:00", datetime(2025, 12, 26, 10, tzinfo=UTC)),
        ("2025-12-26T10:00:00.123456Z", datetime(2025, 12, 26, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2025-12-26T10:00:00", datetime(2025, 12, 26, 10, tzinfo=UTC)),
        ("2025-12-26", datetime(2025, 12, 26, tzinfo=UTC)),
        ("  2025-12-26T10:00Z ", datetime(2025, 12, 26, 10, tzinfo=UTC)),
    ],
)
def test_parse_iso_returns_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_iso(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "bad", ["", "yesterday", "2025-13-01", "2025-12-26T25:00:00Z", "12/26/2025"]
)
def test_parse_iso_rejects_malformed_input_naming_it(bad: str) -> None:
    with pytest.raises(ValidationError, match="invalid ISO-8601 timestamp") as info:
        parse_iso(bad)
    assert repr(bad) in str(info.value)


def test_parse_iso_rejects_non_strings() -> None:
    with pytest.raises(ValidationError, match="expects an ISO-8601 string, got int"):
        parse_iso(20251226)  # type: ignore[arg-type]


def test_format_iso_uses_z_suffix_in_utc() -> None:
    assert format_iso(datetime(2025, 12, 26, 12, tzinfo=PLUS_2)) == "2025-12-26T10:00:00Z"
    assert (
        format_iso(datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC), timespec="milliseconds")
        == "2025-01-01T00:00:00.123Z"
    )
    assert format_iso(date(2025, 12, 26)) == "2025-12-26"


def test_format_iso_rejects_naive_and_bad_timespec() -> None:
    with pytest.raises(ValidationError, match="naive"):
        format_iso(datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="unknown timespec"):
        format_iso(utc_now(), timespec="nanoseconds")
    with pytest.raises(ValidationError, match="expects a datetime"):
        format_iso("2025")  # type: ignore[arg-type]


def test_format_then_parse_round_trips() -> None:
    now = utc_now()
    assert parse_iso(format_iso(now)) == now
