"""Schedule definitions: validation naming the field, cron and interval fire times, DST
rules in New York and London, Friday anchors, business calendars, params templates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spine.execution import (
    BusinessCalendar,
    InvalidScheduleError,
    MisfirePolicy,
    Schedule,
)
from spine.execution.scheduling.timezones import wall_kind
from spine.types import ScheduleError

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_times(fires: list[datetime], tz: ZoneInfo) -> list[str]:
    return [f.astimezone(tz).strftime("%m-%d %H:%M %Z") for f in fires]


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("61 * * * *", "minute field '61'"),
        ("0 25 * * *", "hour field '25'"),
        ("0 0 32 * *", "day-of-month field '32'"),
        ("0 0 * 13 *", "month field '13'"),
        ("0 18 * * FRYDAY", "day-of-week field 'FRYDAY'"),
        ("0 18 * *", "has 4 field(s); expected 5"),
        ("0 0 0 18 * * FRI", "has 7 field(s)"),
        ("@reboot", "has 1 field(s)"),
        ("0 0 30 2 *", "never fires"),
        ("", "must be a cron expression"),
    ],
)
def test_invalid_cron_is_a_typed_error_naming_the_cron_field(cron: str, fragment: str) -> None:
    with pytest.raises(InvalidScheduleError) as info:
        Schedule("weekly", "otc.ingest", cron=cron)
    assert info.value.field == "cron"
    assert fragment in str(info.value)
    assert "schedule 'weekly'" in str(info.value)
    assert isinstance(info.value, ScheduleError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("zone", ["America/New_Yrok", "EST5EDT/Nowhere", "", "../etc/passwd", 5])
def test_unknown_timezone_is_a_typed_error_naming_the_timezone_field(zone: object) -> None:
    with pytest.raises(InvalidScheduleError) as info:
        Schedule("weekly", "otc.ingest", cron="0 18 * * FRI", timezone=zone)  # type: ignore[arg-type]
    assert info.value.field == "timezone"
    assert "IANA" in str(info.value)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"cron": "0 * * * *", "interval": 60}, "cron"),
        ({}, "cron"),
        ({"interval": 0.5}, "interval"),
        ({"interval": 90.25}, "interval"),
        ({"interval": "60"}, "interval"),
        ({"cron": "@daily", "misfire_policy": "sometimes"}, "misfire_policy"),
        ({"cron": "@daily", "max_catch_up": 0}, "max_catch_up"),
        ({"cron": "@daily", "misfire_grace": -1}, "misfire_grace"),
        ({"cron": "@daily", "start_at": datetime(2025, 1, 1)}, "start_at"),
        ({"cron": "@daily", "end_at": utc(2024, 1, 1), "start_at": utc(2025, 1, 1)}, "end_at"),
        ({"cron": "@daily", "kind": "job"}, "kind"),
        ({"cron": "@daily", "lane": ""}, "lane"),
        ({"cron": "@daily", "params": ["week"]}, "params"),
        ({"cron": "@daily", "params": {"week": "{weekending}"}}, "params.week"),
        ({"cron": "@daily", "params": {"x": {"y": ["{date.year}"]}}}, "params.x.y[0]"),
        ({"cron": "@daily", "params": {"x": "{date!r}"}}, "params.x"),
        ({"cron": "@daily", "params": {"x": "{date"}}, "params.x"),
        ({"cron": "@daily", "params": {"x": "{year:%Y}"}}, "params.x"),
        ({"cron": "@daily", "calendar": {"holidays": []}}, "calendar"),
    ],
)
def test_every_invalid_field_is_named(options: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidScheduleError) as info:
        Schedule("s", "otc.ingest", **options)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("name", ["", "has space", "-leading", "x" * 201, "semi;colon"])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidScheduleError) as info:
        Schedule(name, "otc.ingest", cron="@daily")
    assert info.value.field == "name"


def test_template_refuses_attribute_access_so_stored_templates_cannot_reach_objects() -> None:
    with pytest.raises(InvalidScheduleError, match="attribute and item access are not allowed"):
        Schedule("s", "t", cron="@daily", params={"x": "{scheduled_time.__class__}"})


def test_cron_aliases_and_whitespace_are_normalized() -> None:
    assert Schedule("s", "t", cron="@weekly").cron == "0 0 * * 0"
    assert Schedule("s", "t", cron="  0   18 * *  FRI ").cron == "0 18 * * FRI"


def test_schedule_round_trips_through_its_stored_form() -> None:
    original = Schedule(
        "finra.weekly",
        "otc.ingest",
        cron="0 18 * * FRI",
        timezone="America/New_York",
        params={"week": "{week_ending}", "tiers": ["NMS_TIER_1", "OTC"]},
        misfire_policy="catch_up",
        max_catch_up=4,
        misfire_grace=120,
        calendar=BusinessCalendar("nyse", holidays=["2025-04-18"]),
        start_at=utc(2025, 1, 1),
        metadata={"owner": "data-eng"},
    )
    again = Schedule.from_dict(original.to_dict())
    assert again == original
    interval = Schedule.every("poll", "t", timedelta(minutes=15))
    assert Schedule.from_dict(interval.to_dict()) == interval


# -- cron and interval -------------------------------------------------------------------------


def test_cron_fires_at_wall_clock_times_in_utc() -> None:
    s = Schedule("s", "t", cron="*/20 9-10 * * MON-FRI")
    fires = s.next_fire_times(utc(2025, 12, 26, 9, 30), 5)
    assert fires == [
        utc(2025, 12, 26, 9, 40),
        utc(2025, 12, 26, 10, 0),
        utc(2025, 12, 26, 10, 20),
        utc(2025, 12, 26, 10, 40),
        utc(2025, 12, 29, 9, 0),  # Monday: the weekend is not in MON-FRI
    ]


def test_next_fire_is_strictly_after_the_given_instant() -> None:
    s = Schedule("s", "t", cron="0 * * * *")
    assert s.next_fire(utc(2025, 1, 1, 10)) == utc(2025, 1, 1, 11)
    i = Schedule.every("i", "t", 3600)
    assert i.next_fire(utc(2025, 1, 1, 10)) == utc(2025, 1, 1, 11)


def test_interval_fires_align_to_start_at_and_ignore_dst() -> None:
    s = Schedule.every(
        "poll",
        "t",
        timedelta(hours=6),
        start_at=utc(2025, 3, 8, 1, 30),
        timezone="America/New_York",
    )
    fires = s.next_fire_times(utc(2025, 3, 8), 5)
    assert [f - fires[0] for f in fires] == [timedelta(hours=6 * k) for k in range(5)]
    assert fires[0] == utc(2025, 3, 8, 1, 30)


def test_start_and_end_bound_the_fires() -> None:
    s = Schedule("s", "t", cron="0 12 * * *", start_at=utc(2025, 1, 3), end_at=utc(2025, 1, 5, 12))
    assert s.next_fire_times(utc(2024, 1, 1), 10) == [
        utc(2025, 1, 3, 12),
        utc(2025, 1, 4, 12),
        utc(2025, 1, 5, 12),
    ]


# -- DST ---------------------------------------------------------------------------------------


def test_spring_forward_in_new_york_runs_a_nonexistent_daily_time_at_the_end_of_the_gap() -> None:
    s = Schedule.daily("d", "t", at="02:30", timezone="America/New_York")
    fires = s.next_fire_times(utc(2025, 3, 8), 3)
    assert local_times(fires, NY) == ["03-08 02:30 EST", "03-09 03:00 EDT", "03-10 02:30 EDT"]
    assert fires[1] == utc(2025, 3, 9, 7, 0)


def test_fall_back_in_new_york_runs_an_ambiguous_daily_time_once_at_its_first_occurrence() -> None:
    s = Schedule.daily("d", "t", at="01:30", timezone="America/New_York")
    fires = s.next_fire_times(utc(2025, 11, 1), 3)
    assert local_times(fires, NY) == ["11-01 01:30 EDT", "11-02 01:30 EDT", "11-03 01:30 EST"]


def test_fall_back_every_15_minutes_fires_through_both_passes_of_the_repeated_hour() -> None:
    s = Schedule("q", "t", cron="*/15 * * * *", timezone="America/New_York")
    fires = s.next_fire_times(utc(2025, 11, 2, 4, 50), 10)  # 00:50 EDT
    gaps = {b - a for a, b in itertools.pairwise(fires)}
    assert gaps == {timedelta(minutes=15)}
    assert local_times(fires, NY)[:2] == ["11-02 01:00 EDT", "11-02 01:15 EDT"]
    assert "11-02 01:00 EST" in local_times(fires, NY)


def test_spring_forward_every_15_minutes_collapses_the_missing_hour_into_one_fire() -> None:
    s = Schedule("q", "t", cron="*/15 * * * *", timezone="America/New_York")
    fires = s.next_fire_times(utc(2025, 3, 9, 6, 40), 4)  # 01:40 EST
    assert local_times(fires, NY) == [
        "03-09 01:45 EST",
        "03-09 03:00 EDT",
        "03-09 03:15 EDT",
        "03-09 03:30 EDT",
    ]


@pytest.mark.parametrize(
    ("zone", "day", "count"),
    [
        ("America/New_York", date(2025, 3, 9), 23),
        ("America/New_York", date(2025, 11, 2), 25),
        ("Europe/London", date(2025, 3, 30), 23),
        ("Europe/London", date(2025, 10, 26), 25),
    ],
)
def test_hourly_cron_fires_once_per_elapsed_hour_on_transition_days(
    zone: str, day: date, count: int
) -> None:
    tz = ZoneInfo(zone)
    s = Schedule("h", "t", cron="0 * * * *", timezone=zone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    end = (datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(days=1)).astimezone(UTC)
    fires = [f for f in s.next_fire_times(start - timedelta(seconds=1), 30) if f < end]
    assert len(fires) == count
    assert {b - a for a, b in itertools.pairwise(fires)} == {timedelta(hours=1)}


def test_london_transitions_follow_the_same_rules() -> None:
    s = Schedule.daily("d", "t", at="01:30", timezone="Europe/London")
    spring = s.next_fire_times(utc(2025, 3, 29), 3)
    assert local_times(spring, LONDON) == ["03-29 01:30 GMT", "03-30 02:00 BST", "03-31 01:30 BST"]
    autumn = s.next_fire_times(utc(2025, 10, 25), 3)
    assert local_times(autumn, LONDON) == ["10-25 01:30 BST", "10-26 01:30 BST", "10-27 01:30 GMT"]


def test_a_fixed_time_stays_at_local_time_across_transitions() -> None:
    s = Schedule.daily("d", "t", at="09:00", timezone="America/New_York")
    fires = s.next_fire_times(utc(2025, 3, 7), 4)
    assert [f.astimezone(NY).hour for f in fires] == [9, 9, 9, 9]
    assert [f.hour for f in fires] == [14, 14, 13, 13]


@settings(max_examples=60, deadline=None)
@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1)),
    zone=st.sampled_from(["America/New_York", "Europe/London", "Australia/Sydney", "UTC"]),
)
def test_daily_fires_are_increasing_once_per_local_day_at_the_cron_time_or_after_a_gap(
    minute: int, hour: int, start: datetime, zone: str
) -> None:
    tz = ZoneInfo(zone)
    s = Schedule("p", "t", cron=f"{minute} {hour} * * *", timezone=zone)
    fires = s.next_fire_times(start.replace(tzinfo=UTC), 8)
    assert all(a < b for a, b in itertools.pairwise(fires))
    days = [f.astimezone(tz).date() for f in fires]
    assert len(set(days)) == len(days)
    for fire in fires:
        local = fire.astimezone(tz)
        wall = datetime(local.year, local.month, local.day, hour, minute)
        if wall_kind(wall, tz) == "nonexistent":
            assert (local.hour, local.minute) > (hour, minute)
        else:
            assert (local.hour, local.minute) == (hour, minute)
            assert local.fold == 0


# -- Friday anchors and calendars --------------------------------------------------------------


def test_weekly_friday_schedule_passes_the_week_ending_of_each_tick() -> None:
    s = Schedule.weekly(
        "finra.weekly",
        "otc.ingest",
        weekday="friday",
        at="18:00",
        timezone="America/New_York",
        params={"week_ending": "{week_ending}", "file": "otc_{date:%Y%m%d}.psv"},
    )
    fires = s.next_fire_times(utc(2025, 12, 20), 3)
    assert [s.render_params(f)["week_ending"] for f in fires] == [
        "2025-12-26",
        "2026-01-02",
        "2026-01-09",
    ]
    assert s.render_params(fires[0])["file"] == "otc_20251226.psv"
    assert all(f.astimezone(NY).weekday() == 4 for f in fires)


def test_monday_schedule_processes_the_week_that_just_ended() -> None:
    s = Schedule.weekly(
        "finra.monday",
        "otc.ingest",
        weekday="mon",
        at="18:00",
        timezone="America/New_York",
        params={"week": "{last_week_ending}", "coming": "{week_ending}"},
    )
    fire = s.next_fire(utc(2025, 12, 27))
    assert fire == utc(2025, 12, 29, 23)
    assert s.render_params(fire) == {"week": "2025-12-26", "coming": "2026-01-02"}


def test_template_dates_are_local_not_utc() -> None:
    # Friday 21:00 in New York is already Saturday in UTC: the week is still that Friday's.
    s = Schedule(
        "late",
        "t",
        cron="0 21 * * FRI",
        timezone="America/New_York",
        params={"d": "{date}", "w": "{week_ending}", "utc": "{scheduled_time:%Y-%m-%d}"},
    )
    fire = s.next_fire(utc(2025, 12, 25))
    assert s.render_params(fire) == {"d": "2025-12-26", "w": "2025-12-26", "utc": "2025-12-27"}


def test_holidays_from_the_calendar_are_skipped() -> None:
    cal = BusinessCalendar("nyse-2025", holidays=["2025-04-18", date(2025, 12, 25)])
    weekly = Schedule.weekly(
        "w", "t", weekday="fri", at="18:00", timezone="America/New_York", calendar=cal
    )
    fires = weekly.next_fire_times(utc(2025, 4, 10), 3)
    assert [f.astimezone(NY).date() for f in fires] == [
        date(2025, 4, 11),
        date(2025, 4, 25),  # Good Friday 2025-04-18 skipped
        date(2025, 5, 2),
    ]
    daily = Schedule.daily("d", "t", at="18:00", timezone="America/New_York", calendar=cal)
    days = [f.astimezone(NY).date() for f in daily.next_fire_times(utc(2025, 12, 22), 5)]
    assert days == [date(2025, 12, d) for d in (22, 23, 24, 26, 29)]


def test_business_calendar_accepts_custom_weekends_and_rolls_to_business_days() -> None:
    cal = BusinessCalendar("gulf", holidays=["2025-01-01"], weekend=["fri", "sat"])
    assert not cal.is_business_day(date(2025, 1, 3))  # Friday
    assert cal.is_business_day(date(2025, 1, 5))  # Sunday
    assert cal.next_business_day(date(2024, 12, 31)) == date(2025, 1, 2)
    assert cal.previous_business_day(date(2025, 1, 5)) == date(2025, 1, 2)
    with pytest.raises(InvalidScheduleError):
        BusinessCalendar("bad", holidays=["2025-13-01"])
    with pytest.raises(InvalidScheduleError):
        BusinessCalendar("bad", weekend=range(7))


def test_a_calendar_that_excludes_every_fire_ends_the_iteration() -> None:
    cal = BusinessCalendar("weekdays-only")
    s = Schedule("weekend", "t", cron="0 12 * * SAT,SUN", calendar=cal)
    assert s.next_fire_times(utc(2025, 1, 1), 3) == []


def test_describe_names_trigger_calendar_and_policy() -> None:
    s = Schedule(
        "w",
        "t",
        cron="0 18 * * FRI",
        timezone="America/New_York",
        calendar=BusinessCalendar("nyse"),
        misfire_policy=MisfirePolicy.CATCH_UP,
        max_catch_up=3,
        enabled=False,
    )
    assert s.describe() == (
        "cron '0 18 * * FRI' in America/New_York, business days of nyse, catch up at most 3, paused"
    )
