"""Behaviour of WeekEnding and DateRange."""

from __future__ import annotations

import copy
import itertools
import pickle
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.types import DateRange, ValidationError, WeekEnding

FRIDAY = date(2025, 12, 26)

fridays = st.integers(min_value=-5000, max_value=5000).map(
    lambda k: WeekEnding(FRIDAY + timedelta(weeks=k))
)
any_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
counts = st.integers(min_value=0, max_value=400)


# --- construction ---------------------------------------------------------------------------


def test_accepts_friday_as_string_or_date() -> None:
    assert WeekEnding("2025-12-26") == WeekEnding(FRIDAY)
    assert WeekEnding(" 2025-12-26 ").date == FRIDAY


def test_thursday_raises_value_error_naming_weekday_and_nearest_friday() -> None:
    with pytest.raises(ValueError, match="Thursday") as info:
        WeekEnding("2025-12-25")
    assert isinstance(info.value, ValidationError)
    assert "2025-12-26" in str(info.value)


@pytest.mark.parametrize(
    ("day", "weekday", "nearest"),
    [
        ("2025-12-27", "Saturday", "2025-12-26"),
        ("2025-12-28", "Sunday", "2025-12-26"),
        ("2025-12-29", "Monday", "2025-12-26"),
        ("2025-12-30", "Tuesday", "2026-01-02"),
        ("2025-12-31", "Wednesday", "2026-01-02"),
        ("2026-01-01", "Thursday", "2026-01-02"),
    ],
)
def test_non_fridays_name_their_weekday_and_nearest_friday(
    day: str, weekday: str, nearest: str
) -> None:
    with pytest.raises(ValidationError, match=f"{day} is a {weekday}, not a Friday") as info:
        WeekEnding(day)
    assert f"nearest Friday is {nearest}" in str(info.value)


@pytest.mark.parametrize("bad", ["2025-12-32", "26/12/2025", "2025-1-1", "20251226", "", "friday"])
def test_malformed_strings_raise_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError, match="expects an ISO date 'YYYY-MM-DD'"):
        WeekEnding(bad)


@pytest.mark.parametrize("bad", [20251226, None, 3.5, ["2025-12-26"], b"2025-12-26"])
def test_wrong_types_raise_validation_error_naming_the_type(bad: object) -> None:
    with pytest.raises(ValidationError, match=type(bad).__name__):
        WeekEnding(bad)  # type: ignore[arg-type]


def test_datetime_is_rejected_with_hint_to_use_date() -> None:
    with pytest.raises(ValidationError, match=r"value\.date\(\)"):
        WeekEnding(datetime(2025, 12, 26, tzinfo=UTC))


def test_from_any_date_snaps_forward_to_the_weeks_friday() -> None:
    assert WeekEnding.from_any_date(date(2025, 12, 23)) == WeekEnding("2025-12-26")
    assert WeekEnding.from_any_date("2025-12-26") == WeekEnding("2025-12-26")
    assert WeekEnding.from_any_date("2025-12-27") == WeekEnding("2026-01-02")
    assert WeekEnding.from_any_date(datetime(2025, 12, 22, 23, tzinfo=UTC)) == WeekEnding(
        "2025-12-26"
    )


def test_from_any_date_rejects_garbage() -> None:
    with pytest.raises(ValidationError):
        WeekEnding.from_any_date("not a date")
    with pytest.raises(ValidationError):
        WeekEnding.from_any_date(42)  # type: ignore[arg-type]


@given(any_dates)
def test_from_any_date_is_a_friday_within_six_days(d: date) -> None:
    w = WeekEnding.from_any_date(d)
    assert w.date.weekday() == 4
    assert 0 <= (w.date - d).days <= 6
    assert w.contains(d)


def test_today_is_this_weeks_friday_in_utc() -> None:
    today = datetime.now(UTC).date()
    w = WeekEnding.today()
    assert w.contains(today) or w.contains(datetime.now(UTC).date())


# --- value semantics ------------------------------------------------------------------------


def test_str_repr_and_conversions() -> None:
    w = WeekEnding("2025-12-26")
    assert str(w) == "2025-12-26"
    assert repr(w) == "WeekEnding('2025-12-26')"
    assert w.date == FRIDAY
    assert w.to_date() == FRIDAY
    assert w.isoformat() == "2025-12-26"
    assert w.week_start == date(2025, 12, 20)


def test_equality_hashing_and_ordering() -> None:
    a, b = WeekEnding("2025-12-19"), WeekEnding("2025-12-26")
    assert a < b
    assert a <= b
    assert b > a
    assert b >= a
    assert a != b
    assert WeekEnding("2025-12-26") == b
    assert len({a, b, WeekEnding("2025-12-26")}) == 2
    assert sorted([b, a]) == [a, b]
    assert b != FRIDAY
    with pytest.raises(TypeError):
        _ = a < FRIDAY  # type: ignore[operator]


def test_is_immutable() -> None:
    w = WeekEnding("2025-12-26")
    with pytest.raises(AttributeError, match="immutable"):
        w._date = date(2025, 12, 19)


def test_pickle_and_copy_round_trip() -> None:
    w = WeekEnding("2025-12-26")
    assert pickle.loads(pickle.dumps(w)) == w
    assert copy.deepcopy(w) == w


# --- navigation -----------------------------------------------------------------------------


def test_previous_and_next() -> None:
    w = WeekEnding("2025-12-26")
    assert w.previous() == WeekEnding("2025-12-19")
    assert w.next() == WeekEnding("2026-01-02")
    assert w.previous(2) == WeekEnding("2025-12-12")
    assert w.next(0) == w


def test_navigation_rejects_non_int_counts() -> None:
    w = WeekEnding("2025-12-26")
    with pytest.raises(ValidationError, match="expects an int"):
        w.next("1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="expects an int"):
        w.previous(True)
    with pytest.raises(ValidationError, match="outside the supported date range"):
        w.next(10**6)


def test_window_matches_the_spec_example() -> None:
    assert [str(w) for w in WeekEnding("2025-12-26").window(6)] == [
        "2025-11-21", "2025-11-28", "2025-12-05", "2025-12-12", "2025-12-19", "2025-12-26"
    ]  # fmt: skip


@pytest.mark.parametrize("bad", [0, -1])
def test_window_requires_positive_size(bad: int) -> None:
    with pytest.raises(ValidationError, match="n >= 1"):
        WeekEnding("2025-12-26").window(bad)


def test_last_n_ends_today() -> None:
    weeks = WeekEnding.last_n(4)
    assert len(weeks) == 4
    assert weeks[-1] == WeekEnding.today()


def test_range_is_inclusive_and_accepts_strings_dates_and_weekendings() -> None:
    expected = [WeekEnding("2025-12-12"), WeekEnding("2025-12-19"), WeekEnding("2025-12-26")]
    assert list(WeekEnding.range("2025-12-12", "2025-12-26")) == expected
    assert list(WeekEnding.range(date(2025, 12, 12), WeekEnding("2025-12-26"))) == expected


def test_range_with_start_after_end_is_empty() -> None:
    assert list(WeekEnding.range("2025-12-26", "2025-12-12")) == []


def test_range_bounds_must_be_fridays() -> None:
    with pytest.raises(ValidationError, match="Thursday"):
        WeekEnding.range("2025-12-25", "2025-12-26")


@given(fridays, counts)
def test_next_then_previous_is_identity(w: WeekEnding, n: int) -> None:
    assert w.next(n).previous(n) == w
    assert w.previous(n).next(n) == w
    assert w.next(n) >= w


@given(fridays, st.integers(min_value=1, max_value=300))
def test_window_has_n_ascending_consecutive_fridays_ending_at_self(w: WeekEnding, n: int) -> None:
    window = w.window(n)
    assert len(window) == n
    assert window[-1] == w
    assert window[0] == w.previous(n - 1)
    assert all(x.date.weekday() == 4 for x in window)
    assert all((b.date - a.date).days == 7 for a, b in itertools.pairwise(window))


@given(fridays, counts)
def test_range_is_inclusive_of_both_ends(w: WeekEnding, n: int) -> None:
    weeks = list(WeekEnding.range(w, w.next(n)))
    assert len(weeks) == n + 1
    assert weeks[0] == w
    assert weeks[-1] == w.next(n)
    assert weeks == w.next(n).window(n + 1)
    assert w.weeks_until(w.next(n)) == n


# --- DateRange ------------------------------------------------------------------------------


def test_date_range_len_iter_and_contains() -> None:
    r = DateRange(date(2025, 12, 22), date(2025, 12, 28))
    assert len(r) == 7
    assert next(iter(r)) == date(2025, 12, 22)
    assert list(r)[-1] == date(2025, 12, 28)
    assert r.days() == list(r)
    assert date(2025, 12, 25) in r
    assert date(2025, 12, 29) not in r
    assert WeekEnding("2025-12-26") in r
    assert "2025-12-25" not in r
    assert datetime(2025, 12, 25, tzinfo=UTC) not in r


def test_date_range_single_day() -> None:
    r = DateRange(FRIDAY, FRIDAY)
    assert len(r) == 1
    assert list(r) == [FRIDAY]


def test_date_range_rejects_reversed_bounds_and_wrong_types() -> None:
    with pytest.raises(ValidationError, match="is after end"):
        DateRange(date(2025, 12, 2), date(2025, 12, 1))
    with pytest.raises(ValidationError, match="DateRange start"):
        DateRange("2025-12-01", date(2025, 12, 2))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="datetime"):
        DateRange(date(2025, 12, 1), datetime(2025, 12, 2, tzinfo=UTC))


def test_date_range_parse_accepts_iso_strings() -> None:
    assert DateRange.parse("2025-12-01", "2025-12-31") == DateRange(
        date(2025, 12, 1), date(2025, 12, 31)
    )
    with pytest.raises(ValidationError):
        DateRange.parse("2025-12-01", "Dec 31")


def test_date_range_business_days_skip_weekends() -> None:
    r = DateRange(date(2025, 12, 20), date(2025, 12, 28))
    assert [d.day for d in r.business_days()] == [22, 23, 24, 25, 26]


def test_date_range_week_endings_lists_contained_fridays() -> None:
    r = DateRange.parse("2025-12-01", "2025-12-31")
    assert [str(w) for w in r.week_endings()] == [
        "2025-12-05", "2025-12-12", "2025-12-19", "2025-12-26"
    ]  # fmt: skip
    assert DateRange.parse("2025-12-22", "2025-12-25").week_endings() == []


def test_date_range_for_week_covers_saturday_to_friday() -> None:
    r = DateRange.for_week(WeekEnding("2025-12-26"))
    assert (r.start, r.end) == (date(2025, 12, 20), FRIDAY)
    assert len(r) == 7


def test_date_range_split_into_chunks() -> None:
    r = DateRange.parse("2025-12-01", "2025-12-10")
    chunks = r.split(4)
    assert [(c.start.day, c.end.day) for c in chunks] == [(1, 4), (5, 8), (9, 10)]
    assert r.split(100) == [r]
    with pytest.raises(ValidationError):
        r.split(0)


@given(any_dates, st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=60))
def test_date_range_split_covers_every_day_exactly_once(start: date, span: int, size: int) -> None:
    r = DateRange(start, start + timedelta(days=span))
    chunks = r.split(size)
    assert [d for c in chunks for d in c] == list(r)
    assert all(len(c) <= size for c in chunks)


def test_date_range_overlap_and_intersection() -> None:
    a = DateRange.parse("2025-12-01", "2025-12-10")
    b = DateRange.parse("2025-12-10", "2025-12-20")
    c = DateRange.parse("2025-12-11", "2025-12-20")
    assert a.overlaps(b)
    assert a.intersection(b) == DateRange.parse("2025-12-10", "2025-12-10")
    assert not a.overlaps(c)
    assert a.intersection(c) is None
