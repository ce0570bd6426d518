"""Contract: every ScheduleStore and ArrivalStore (in-memory twin and SQL on each backend)
behaves alike - schedules managed and fired with a controllable clock, ticks claimed once,
history with execution ids, bad input refused naming the field with nothing stored,
expected arrivals that record anomalies and events; and the database scheduler's leader
lease."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from spine.db import connect
from spine.db.schema import install_schema
from spine.execution import (
    ArrivalMissed,
    ArrivalMonitor,
    ArrivalStatus,
    ArrivalStore,
    BusinessCalendar,
    DatabaseScheduler,
    Dispatcher,
    DuplicateScheduleError,
    Event,
    EventBus,
    ExpectedArrival,
    FireStatus,
    InMemoryArrivalStore,
    InMemoryEventBus,
    InMemoryScheduleStore,
    InvalidScheduleError,
    ManualClock,
    Schedule,
    ScheduleBook,
    ScheduleFired,
    ScheduleNotFoundError,
    SchedulerCore,
    ScheduleStore,
    SqlArrivalStore,
    SqlScheduleStore,
)
from spine.ops import AnomalyRecorder

T0 = datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)  # a Wednesday


def make_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.registry.register("job", lambda params: params)
    dispatcher.registry.register("finra.otc.ingest", lambda params: params)
    return dispatcher


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(params=["memory", "sql"])
def store_factory(
    request: pytest.FixtureRequest, db_factory: Callable[[], Any]
) -> Callable[[], ScheduleStore]:
    """``store_factory()``: another store over the same schedules (SQL: a new connection, as
    another process would have; memory: the same object)."""
    if request.param == "memory":
        shared = InMemoryScheduleStore(history_limit=10_000)
        return lambda: shared
    return lambda: SqlScheduleStore(db_factory())


@pytest.fixture
def store(store_factory: Callable[[], ScheduleStore]) -> ScheduleStore:
    return store_factory()


@pytest.fixture
def core(store: ScheduleStore, clock: ManualClock) -> SchedulerCore:
    return SchedulerCore(make_dispatcher(), store=store, clock=clock, owner="a")


def hourly(**options: Any) -> Schedule:
    return Schedule("hourly", "job", cron="0 * * * *", **options)


# -- managing schedules ------------------------------------------------------------------------


def test_create_get_list_update_pause_resume_delete(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly(params={"week": "{week_ending}"}))
    core.add(Schedule.weekly("weekly", "job", weekday="fri", at="18:00", timezone="UTC"))
    assert [s.name for s in core.list()] == ["hourly", "weekly"]
    assert core.get("hourly").params == {"week": "{week_ending}"}
    with pytest.raises(DuplicateScheduleError):
        core.add(hourly())
    core.add(hourly().replace(cron=None, interval=1800), replace=True)
    updated = core.get("hourly")
    assert (updated.cron, updated.interval) == (None, timedelta(seconds=1800))
    assert not core.pause("hourly").enabled
    assert core.next_fire_times("hourly") == []
    assert core.resume("hourly").enabled
    assert core.remove("weekly")
    assert not core.remove("weekly")
    assert [s.name for s in core.list()] == ["hourly"]
    for call in (core.get, core.pause, core.resume, core.history):
        with pytest.raises(ScheduleNotFoundError):
            call("missing")


def test_a_stored_definition_round_trips_every_field(core: SchedulerCore) -> None:
    schedule = Schedule(
        "full",
        "job",
        cron="30 17 * * MON-FRI",
        timezone="America/New_York",
        params={"day": "{date}", "tier": "NMS_TIER_1", "limit": 5},
        misfire_policy="catch_up",
        max_catch_up=3,
        misfire_grace=120,
        calendar=BusinessCalendar("us", holidays=[date(2025, 7, 4)]),
        start_at=datetime(2025, 1, 1, tzinfo=UTC),
        end_at=datetime(2026, 1, 1, tzinfo=UTC),
        lane="batch",
        priority=3,
        description="daily close",
        metadata={"owner": "data-eng"},
    )
    core.add(schedule)
    assert core.get("full") == schedule


def test_next_fire_times_follow_the_zone_across_dst(
    core: SchedulerCore, clock: ManualClock
) -> None:
    clock.set(datetime(2025, 3, 6, tzinfo=UTC))
    core.add(Schedule("ny", "job", cron="0 9 * * *", timezone="America/New_York"))
    hours = [t.hour for t in core.next_fire_times("ny", 5)]
    assert hours == [14, 14, 14, 13, 13]  # EST, then EDT from Sunday 9 March


def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    core: SchedulerCore, store: ScheduleStore
) -> None:
    bad: list[tuple[Callable[[], Any], str]] = [
        (lambda: Schedule("x", "job", cron="61 * * * *"), "cron"),
        (lambda: Schedule("x", "job", cron="0 * * * *", timezone="Mars/Olympus"), "timezone"),
        (lambda: core.add(Schedule("x", "no.such.workflow", cron="0 * * * *")), "target"),
        (lambda: Schedule("x", "job", cron="0 * * * *", params={"w": "{nope}"}), "params.w"),
        (lambda: Schedule("x", "job", cron="0 * * * *", misfire_policy="later"), "misfire_policy"),
    ]
    for make, field in bad:
        with pytest.raises(InvalidScheduleError) as info:
            make()
        assert info.value.field == field
    assert store.list() == []


# -- firing ------------------------------------------------------------------------------------


def test_fires_are_submitted_with_rendered_params_and_kept_in_history(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly(params={"week": "{week_ending}", "at": "{scheduled_time}"}))
    clock.advance(hours=1)
    [record] = core.tick()
    assert record.status is FireStatus.SUBMITTED
    assert record.params == {"week": "2025-01-03", "at": "2025-01-01 01:00:00+00:00"}
    execution = core.dispatcher.ledger.get_execution(record.execution_id)  # type: ignore[attr-defined]
    assert execution.idempotency_key == "schedule:hourly:2025-01-01T01:00:00Z"
    clock.advance(hours=1)
    core.tick()
    history = core.history("hourly")
    assert [r.scheduled_for.hour for r in history] == [2, 1]  # newest first
    assert all(r.execution_id and r.owner == "a" for r in history)
    assert core.next_fire_times("hourly", 1) == [datetime(2025, 1, 1, 3, tzinfo=UTC)]


def test_missed_fires_are_summarised_by_the_misfire_policy(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly(misfire_policy="skip"))
    clock.advance(hours=5)  # 01:00 .. 04:00 missed, 05:00 late too (30 s > grace? no: on time)
    records = core.tick()
    skipped = [r for r in records if r.status is FireStatus.SKIPPED]
    assert len(skipped) == 1
    assert (skipped[0].missed, skipped[0].first_missed) == (4, datetime(2025, 1, 1, 1, tzinfo=UTC))
    assert [r.scheduled_for.hour for r in records if r.status is FireStatus.SUBMITTED] == [5]
    assert {r.status for r in core.history("hourly")} == {FireStatus.SKIPPED, FireStatus.SUBMITTED}


def test_two_schedulers_on_one_store_fire_each_tick_once(
    store_factory: Callable[[], ScheduleStore], clock: ManualClock
) -> None:
    dispatcher = make_dispatcher()
    a = SchedulerCore(dispatcher, store=store_factory(), clock=clock, owner="a")
    b = SchedulerCore(dispatcher, store=store_factory(), clock=clock, owner="b")
    a.add(Schedule("q", "job", cron="*/15 * * * *", timezone="America/New_York"))
    for step in range(96):  # one day of quarter hours, alternating who ticks first
        clock.advance(minutes=15)
        first, second = (a, b) if step % 2 else (b, a)
        first.tick()
        second.tick()
    history = a.history("q", 1000)
    fires = Counter(r.scheduled_for for r in history if r.status is FireStatus.SUBMITTED)
    assert len(fires) == 96
    assert set(fires.values()) == {1}
    assert {r.owner for r in history} == {"a", "b"}
    keys = Counter(e.idempotency_key for e in dispatcher.ledger.list_executions(limit=1000))
    assert set(keys.values()) == {1}


def test_a_claim_is_exclusive_until_its_lease_ends_and_a_recorded_tick_is_never_reclaimed(
    core: SchedulerCore, store: ScheduleStore, clock: ManualClock
) -> None:
    core.add(hourly())
    fire = datetime(2025, 1, 1, 1, tzinfo=UTC)
    lease = fire + timedelta(minutes=5)
    assert store.claim_fire("hourly", fire, "crashed", lease, now=fire)
    assert not store.claim_fire("hourly", fire, "other", lease, now=fire)
    store.release_fire("hourly", fire, "someone-else")  # only the owner may release
    assert not store.claim_fire("hourly", fire, "other", lease, now=fire)
    clock.set(fire + timedelta(seconds=30))
    assert core.tick() == []  # the crashed scheduler's claim is live
    clock.set(lease + timedelta(seconds=1))
    [record] = core.tick()  # taken over after the lease
    assert (record.scheduled_for, record.owner) == (fire, "a")
    assert not store.claim_fire("hourly", fire, "late", lease + timedelta(hours=1), now=lease)


def test_a_released_claim_can_be_claimed_again(core: SchedulerCore, store: ScheduleStore) -> None:
    core.add(hourly())
    fire = datetime(2025, 1, 1, 1, tzinfo=UTC)
    lease = fire + timedelta(minutes=5)
    assert store.claim_fire("hourly", fire, "x", lease, now=fire)
    store.release_fire("hourly", fire, "x")
    assert store.claim_fire("hourly", fire, "y", lease, now=fire)


def test_schedule_fired_events_are_published_and_a_broken_subscriber_breaks_nothing(
    store: ScheduleStore, clock: ManualClock
) -> None:
    bus = InMemoryEventBus()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(broken)
    bus.subscribe(seen.append)
    core = SchedulerCore(make_dispatcher(), store=store, clock=clock, event_bus=bus)
    core.add(hourly())
    clock.advance(hours=1)
    [record] = core.tick()
    assert record.status is FireStatus.SUBMITTED
    [event] = [e for e in seen if isinstance(e, ScheduleFired)]
    assert (event.schedule, event.execution_id) == ("hourly", record.execution_id)


def test_a_schedule_book_manages_without_firing(store: ScheduleStore, clock: ManualClock) -> None:
    registry = make_dispatcher().registry
    book = ScheduleBook(store, clock=clock, registry=registry)
    book.add(hourly())
    with pytest.raises(InvalidScheduleError) as info:
        book.add(Schedule("other", "no.such.job", cron="0 * * * *"))
    assert info.value.field == "target"
    assert book.pause("hourly").enabled is False
    assert [s.name for s in book.list()] == ["hourly"]
    assert book.history("hourly") == []


# -- the database scheduler's leader lease -----------------------------------------------------


def test_one_database_scheduler_leads_and_a_standby_takes_over_when_it_stops_renewing(
    db_factory: Callable[[], Any], clock: ManualClock
) -> None:
    dispatcher = make_dispatcher()
    lease = timedelta(seconds=30)
    a = DatabaseScheduler(dispatcher, db_factory(), clock=clock, owner="a", leader_lease=lease)
    b = DatabaseScheduler(dispatcher, db_factory(), clock=clock, owner="b", leader_lease=lease)
    a.add(hourly())
    clock.advance(hours=1)
    assert [r.owner for r in a.tick()] == ["a"]
    assert b.tick() == []
    assert not b.is_leader
    clock.advance(hours=1)  # a stopped renewing: its lease ran out long ago
    assert [r.owner for r in b.tick()] == ["b"]
    assert a.tick() == []
    assert not a.is_leader
    b.stop()  # releases the lease: a takes over at once
    clock.advance(hours=1)
    assert [r.owner for r in a.tick()] == ["a"]
    fires = [r.scheduled_for.hour for r in a.history("hourly")]
    assert fires == [3, 2, 1]


# -- expected arrivals -------------------------------------------------------------------------

MONDAY_6PM = "0 18 * * 1"


@pytest.fixture(params=["memory", "sql"])
def arrival_store_factory(
    request: pytest.FixtureRequest, db_factory: Callable[[], Any]
) -> Callable[[], ArrivalStore]:
    if request.param == "memory":
        shared = InMemoryArrivalStore()
        return lambda: shared
    first = db_factory()
    install_schema(first)
    return lambda: SqlArrivalStore(db_factory())


def finra_week_file(**options: Any) -> ExpectedArrival:
    return ExpectedArrival(
        "finra.otc.week_file",
        domain="finra.otc",
        source="finra.otc.weekly",
        deadline=MONDAY_6PM,
        timezone="America/New_York",
        partition={"week_ending": "{last_week_ending}"},
        **options,
    )


def open_anomalies(store: ArrivalStore) -> list[str]:
    if isinstance(store, InMemoryArrivalStore):
        return [a.message for a in store.anomalies.unresolved("finra.otc")]
    assert isinstance(store, SqlArrivalStore)
    return [a.message for a in AnomalyRecorder(store.conn, "finra.otc").list_unresolved()]


FRIDAY = datetime(2025, 12, 26, 12, tzinfo=UTC)
DEADLINE = datetime(2025, 12, 29, 23, tzinfo=UTC)  # Monday 18:00 in New York (EST)


def test_a_missed_deadline_records_one_anomaly_and_publishes_arrival_missed(
    arrival_store_factory: Callable[[], ArrivalStore],
) -> None:
    clock = ManualClock(FRIDAY)
    bus = InMemoryEventBus()
    events: list[Event] = []
    bus.subscribe(lambda e: (_ for _ in ()).throw(RuntimeError("broken subscriber")))
    bus.subscribe(events.append)
    monitors = [
        ArrivalMonitor(arrival_store_factory(), clock=clock, event_bus=bus) for _ in range(2)
    ]
    monitors[0].expect(finra_week_file())
    clock.set(DEADLINE - timedelta(minutes=1))
    assert monitors[0].check() == []
    clock.set(DEADLINE + timedelta(minutes=1))
    missed = monitors[1].check() + monitors[0].check()  # two monitors: one miss
    assert len(missed) == 1
    record = missed[0]
    assert (record.status, record.deadline) == (ArrivalStatus.MISSED, DEADLINE)
    assert record.partition == {"week_ending": "2025-12-26"}
    assert record.anomaly_id
    assert len(open_anomalies(monitors[0].store)) == 1
    [event] = [e for e in events if isinstance(e, ArrivalMissed)]
    assert (event.expected_by, event.anomaly_id) == (DEADLINE, record.anomaly_id)
    assert dict(event.partition) == {"week_ending": "2025-12-26"}
    assert monitors[0].check() == []  # settled
    stored = monitors[0].records("finra.otc.week_file")
    assert [r.status for r in stored] == [ArrivalStatus.MISSED]


def test_an_arrival_before_the_deadline_clears_it(
    arrival_store_factory: Callable[[], ArrivalStore],
) -> None:
    clock = ManualClock(FRIDAY)
    monitor = ArrivalMonitor(arrival_store_factory(), clock=clock)
    monitor.expect(finra_week_file())
    clock.set(DEADLINE - timedelta(hours=3))
    record = monitor.arrived("finra.otc.week_file", details={"rows": 960})
    assert (record.status, record.deadline, record.details) == (
        ArrivalStatus.ARRIVED,
        DEADLINE,
        {"rows": 960},
    )
    clock.set(DEADLINE + timedelta(days=1))
    assert monitor.check() == []
    assert open_anomalies(monitor.store) == []
    again = monitor.arrived("finra.otc.week_file", at=DEADLINE - timedelta(hours=1))
    assert again.arrived_at == DEADLINE - timedelta(hours=3)  # the first arrival is kept


def test_a_late_arrival_marks_the_miss_late_and_resolves_its_anomaly(
    arrival_store_factory: Callable[[], ArrivalStore],
) -> None:
    clock = ManualClock(FRIDAY)
    monitor = ArrivalMonitor(arrival_store_factory(), clock=clock)
    monitor.expect(finra_week_file(severity="critical"))
    clock.set(DEADLINE + timedelta(hours=5))
    [missed] = monitor.check()
    late = monitor.arrived("finra.otc.week_file")
    assert (late.status, late.deadline, late.anomaly_id) == (
        ArrivalStatus.LATE,
        DEADLINE,
        missed.anomaly_id,
    )
    assert open_anomalies(monitor.store) == []
    # the next week's file is then on time for the next deadline
    nxt = monitor.arrived("finra.otc.week_file", at=DEADLINE + timedelta(days=6))
    assert (nxt.status, nxt.deadline) == (ArrivalStatus.ARRIVED, DEADLINE + timedelta(days=7))


def test_a_scheduler_checks_arrivals_on_its_ticks(
    arrival_store_factory: Callable[[], ArrivalStore], store: ScheduleStore
) -> None:
    clock = ManualClock(FRIDAY)
    monitor = ArrivalMonitor(arrival_store_factory(), clock=clock)
    monitor.expect(finra_week_file())
    core = SchedulerCore(make_dispatcher(), store=store, clock=clock, arrivals=monitor)
    assert core.next_due() == DEADLINE
    clock.set(DEADLINE + timedelta(seconds=1))
    core.tick()
    assert [r.status for r in monitor.records("finra.otc.week_file")] == [ArrivalStatus.MISSED]


def test_bad_expectations_are_refused_naming_the_field_and_nothing_is_stored(
    arrival_store_factory: Callable[[], ArrivalStore],
) -> None:
    monitor = ArrivalMonitor(arrival_store_factory(), clock=ManualClock(FRIDAY))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"deadline": "0 25 * * 1"}, "deadline"),
        ({"timezone": "America/Nowhere"}, "timezone"),
        ({"partition": {"w": "{bogus}"}}, "partition.w"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"domain": ""}, "domain"),
    ]
    for change, field in cases:
        values: dict[str, Any] = {
            "name": "x",
            "domain": "d",
            "source": "s",
            "deadline": MONDAY_6PM,
            **change,
        }
        with pytest.raises(InvalidScheduleError) as info:
            monitor.expect(ExpectedArrival(**values))
        assert info.value.field == field
    assert monitor.list() == []
    with pytest.raises(ScheduleNotFoundError):
        monitor.arrived("x")
    monitor.expect(finra_week_file())
    with pytest.raises(InvalidScheduleError) as info:
        monitor.arrived("finra.otc.week_file", deadline=DEADLINE + timedelta(hours=1))
    assert info.value.field == "deadline"
    with pytest.raises(DuplicateScheduleError):
        monitor.expect(finra_week_file())


def test_sql_stores_open_on_a_fresh_connection_by_url(tmp_path: Any) -> None:
    url = str(tmp_path / "sched.db")
    first, second = connect(url), connect(url)
    try:
        SqlScheduleStore(first).add(hourly(), cursor=T0)
        reopened = SqlScheduleStore(second)
        assert [s.schedule.name for s in reopened.list()] == ["hourly"]
    finally:
        first.close()
        second.close()


# -- events on every bus -----------------------------------------------------------------------


def test_fires_and_missed_arrivals_reach_subscribers_of_every_bus_and_broken_ones_break_nothing(
    bus_factory: Callable[[], EventBus],
) -> None:
    publisher_bus = bus_factory()
    # another process of the deployment (in-memory buses are per process: the same one)
    listener_bus = publisher_bus if isinstance(publisher_bus, InMemoryEventBus) else bus_factory()
    store = InMemoryScheduleStore()
    received: list[Event] = []
    done = threading.Event()

    def collect(event: Event) -> None:
        received.append(event)
        if len(received) >= 2:
            done.set()

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    publisher_bus.subscribe(broken)
    listener_bus.subscribe(broken)
    listener_bus.subscribe(collect, ["schedule.*", "arrival.*"])
    clock = ManualClock(FRIDAY)
    monitor = ArrivalMonitor(InMemoryArrivalStore(), clock=clock, event_bus=publisher_bus)
    monitor.expect(finra_week_file())
    core = SchedulerCore(
        make_dispatcher(), store=store, clock=clock, event_bus=publisher_bus, arrivals=monitor
    )
    core.add(Schedule.weekly("weekly", "job", weekday="mon", at="17:00", timezone="UTC"))
    clock.set(DEADLINE + timedelta(seconds=30))  # Monday 17:00 UTC fire, 18:00 NY deadline
    records = core.tick()
    assert [r.status for r in records] == [FireStatus.SUBMITTED]
    assert done.wait(10), f"received {received}"
    fired = [e for e in received if isinstance(e, ScheduleFired)]
    missed = [e for e in received if isinstance(e, ArrivalMissed)]
    assert [(e.schedule, e.execution_id) for e in fired] == [("weekly", records[0].execution_id)]
    assert [e.expected_by for e in missed] == [DEADLINE]
