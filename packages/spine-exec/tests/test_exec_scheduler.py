"""The scheduler with a controllable clock: every misfire policy, exactly-once fires across
schedulers, claims that expire, retryable and refused submissions, pause/resume, and the
thread and asyncio backends."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spine.execution import (
    AsyncScheduler,
    BusinessCalendar,
    Dispatcher,
    DuplicateScheduleError,
    ExecutionStatus,
    FireStatus,
    InMemoryEventBus,
    InMemoryScheduleStore,
    InvalidScheduleError,
    ManualClock,
    Schedule,
    ScheduleFired,
    ScheduleNotFoundError,
    SchedulerCore,
    ThreadScheduler,
    TimeoutExpired,
    TriggerSource,
    WorkSpec,
    plan_fires,
)
from spine.types import DatabaseConnectionError

T0 = datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)  # just after midnight, a Wednesday


def make_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.registry.register("job", lambda params: params)
    return dispatcher


def hourly(policy: str = "run_once", **options: Any) -> Schedule:
    return Schedule("hourly", "job", cron="0 * * * *", misfire_policy=policy, **options)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def core(clock: ManualClock) -> SchedulerCore:
    return SchedulerCore(make_dispatcher(), clock=clock)


def submitted(records: list[Any]) -> list[int]:
    return [r.scheduled_for.hour for r in records if r.status is FireStatus.SUBMITTED]


# -- on-time fires -----------------------------------------------------------------------------


def test_a_due_fire_is_submitted_once_with_rendered_params_and_schedule_metadata(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly(params={"hour": "{hour}", "day": "{date}"}))
    clock.advance(minutes=59, seconds=30)  # 01:00:00
    records = core.tick()
    assert [(r.status, r.scheduled_for) for r in records] == [
        (FireStatus.SUBMITTED, datetime(2025, 1, 1, 1, tzinfo=UTC))
    ]
    assert core.tick() == []  # nothing twice
    execution = core.dispatcher.ledger.get_execution(records[0].execution_id)  # type: ignore[attr-defined]
    assert execution.params == {"hour": "1", "day": "2025-01-01"}
    assert execution.trigger_source is TriggerSource.SCHEDULE
    assert execution.idempotency_key == "schedule:hourly:2025-01-01T01:00:00Z"
    assert execution.metadata["schedule"] == "hourly"
    assert execution.status is ExecutionStatus.COMPLETED
    assert core.history("hourly")[0].execution_id == execution.id


def test_a_new_schedule_does_not_fire_for_times_before_it_was_added(
    core: SchedulerCore, clock: ManualClock
) -> None:
    clock.advance(hours=5)
    core.add(hourly())
    assert core.tick() == []
    assert core.next_fire_times("hourly", 2) == [
        datetime(2025, 1, 1, 6, tzinfo=UTC),
        datetime(2025, 1, 1, 7, tzinfo=UTC),
    ]


def test_fires_within_the_grace_period_all_run(core: SchedulerCore, clock: ManualClock) -> None:
    core.add(Schedule("minutely", "job", cron="* * * * *", misfire_grace=300))
    clock.advance(minutes=3)
    records = core.tick()
    assert [r.status for r in records] == [FireStatus.SUBMITTED] * 3


# -- misfire policies --------------------------------------------------------------------------


def test_skip_policy_drops_missed_fires_and_records_one_summary(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly("skip"))
    clock.set(datetime(2025, 1, 1, 5, 30, tzinfo=UTC))
    records = core.tick()
    assert submitted(records) == []
    [skip] = records
    assert skip.status is FireStatus.SKIPPED
    assert skip.missed == 5
    assert (skip.first_missed.hour, skip.scheduled_for.hour) == (1, 5)  # type: ignore[union-attr]
    assert "skip" in (skip.reason or "")
    assert core.next_fire_times("hourly", 1) == [datetime(2025, 1, 1, 6, tzinfo=UTC)]


def test_skip_policy_still_runs_the_fire_that_is_on_time(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly("skip"))
    clock.set(datetime(2025, 1, 1, 5, 0, 20, tzinfo=UTC))
    records = core.tick()
    assert submitted(records) == [5]
    assert [r.missed for r in records if r.status is FireStatus.SKIPPED] == [4]


def test_run_once_policy_coalesces_missed_fires_into_the_latest(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly("run_once"))
    clock.set(datetime(2025, 1, 1, 5, 30, tzinfo=UTC))
    records = core.tick()
    assert submitted(records) == [5]
    [skip] = [r for r in records if r.status is FireStatus.SKIPPED]
    assert skip.missed == 4
    assert [r.status for r in core.history("hourly")] == [FireStatus.SUBMITTED, FireStatus.SKIPPED]


def test_catch_up_policy_runs_the_most_recent_missed_fires_up_to_its_bound(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly("catch_up", max_catch_up=2))
    clock.set(datetime(2025, 1, 1, 5, 30, tzinfo=UTC))
    records = core.tick()
    assert submitted(records) == [4, 5]
    [skip] = [r for r in records if r.status is FireStatus.SKIPPED]
    assert (skip.missed, skip.first_missed.hour, skip.scheduled_for.hour) == (3, 1, 3)  # type: ignore[union-attr]
    assert records[0] is skip  # skipped fires are settled first, in time order


def test_catch_up_runs_every_missed_fire_when_within_its_bound(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly("catch_up", max_catch_up=10))
    clock.set(datetime(2025, 1, 1, 5, 30, tzinfo=UTC))
    assert submitted(core.tick()) == [1, 2, 3, 4, 5]


def test_catch_up_from_a_past_start_at_backfills_the_bounded_window(
    core: SchedulerCore, clock: ManualClock
) -> None:
    start = datetime(2024, 12, 1, tzinfo=UTC)
    core.add(
        Schedule(
            "daily",
            "job",
            cron="0 6 * * *",
            start_at=start,
            misfire_policy="catch_up",
            max_catch_up=3,
            params={"d": "{date}"},
        )
    )
    records = core.tick()
    runs = [r.params["d"] for r in records if r.status is FireStatus.SUBMITTED]  # type: ignore[index]
    assert runs == ["2024-12-29", "2024-12-30", "2024-12-31"]
    assert [r.missed for r in records if r.status is FireStatus.SKIPPED] == [28]


def test_a_year_of_missed_minutely_fires_is_planned_without_iterating_the_year() -> None:
    s = Schedule("m", "job", cron="* * * * *", misfire_policy="run_once")
    cursor = datetime(2024, 1, 1, tzinfo=UTC)
    now = datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)
    plan = plan_fires(s, cursor, now)
    assert plan.run == [datetime(2025, 1, 1, tzinfo=UTC)]
    assert plan.skipped_capped
    assert plan.first_skipped == datetime(2024, 1, 1, 0, 1, tzinfo=UTC)


def test_misfire_planning_follows_dst_in_the_schedules_zone() -> None:
    s = Schedule.daily(
        "d",
        "job",
        at="02:30",
        timezone="America/New_York",
        misfire_policy="catch_up",
        max_catch_up=5,
    )
    cursor = datetime(2025, 3, 8, 12, tzinfo=UTC)
    plan = plan_fires(s, cursor, datetime(2025, 3, 11, 12, tzinfo=UTC))
    assert plan.run == [
        datetime(2025, 3, 9, 7, 0, tzinfo=UTC),  # 03:00 EDT: 02:30 did not exist
        datetime(2025, 3, 10, 6, 30, tzinfo=UTC),
        datetime(2025, 3, 11, 6, 30, tzinfo=UTC),
    ]


def test_holidays_are_neither_run_nor_counted_as_missed(
    core: SchedulerCore, clock: ManualClock
) -> None:
    cal = BusinessCalendar("c", holidays=["2025-01-01"])
    core.add(Schedule.daily("d", "job", at="06:00", calendar=cal, misfire_policy="catch_up"))
    clock.set(datetime(2025, 1, 2, 6, 0, 10, tzinfo=UTC))
    records = core.tick()
    assert [(r.status, r.scheduled_for.day) for r in records] == [(FireStatus.SUBMITTED, 2)]


# -- exactly once ------------------------------------------------------------------------------


def test_two_schedulers_sharing_a_store_fire_each_tick_exactly_once_over_a_week(
    clock: ManualClock,
) -> None:
    dispatcher = make_dispatcher()
    store = InMemoryScheduleStore(history_limit=100_000)
    a = SchedulerCore(dispatcher, store=store, clock=clock, owner="a")
    b = SchedulerCore(dispatcher, store=store, clock=clock, owner="b")
    a.add(
        Schedule(
            "q",
            "job",
            cron="*/15 * * * *",
            timezone="America/New_York",
            misfire_policy="catch_up",
            max_catch_up=100,
        )
    )
    barrier = threading.Barrier(2)
    steps = 7 * 24 * 4

    def run(core: SchedulerCore, advance: bool) -> None:
        for _ in range(steps):
            barrier.wait()
            if advance:
                clock.advance(minutes=15)
            barrier.wait()
            core.tick()

    threads = [
        threading.Thread(target=run, args=(a, True)),
        threading.Thread(target=run, args=(b, False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = store.history("q", 100_000)
    fires = Counter(r.scheduled_for for r in history if r.status is FireStatus.SUBMITTED)
    assert len(fires) == steps
    assert set(fires.values()) == {1}
    assert {r.owner for r in history} <= {"a", "b"}  # whoever claimed first fired it
    keys = Counter(e.idempotency_key for e in dispatcher.ledger.list_executions(limit=10_000))
    assert len(keys) == steps
    assert set(keys.values()) == {1}


def test_schedulers_with_separate_stores_still_run_each_fire_once_through_idempotency_keys(
    clock: ManualClock,
) -> None:
    dispatcher = make_dispatcher()
    a = SchedulerCore(dispatcher, clock=clock)
    b = SchedulerCore(dispatcher, clock=clock)
    for core in (a, b):
        core.add(hourly())
    clock.advance(hours=1)
    [ra] = a.tick()
    [rb] = b.tick()
    assert ra.execution_id == rb.execution_id
    assert len(dispatcher.ledger.list_executions()) == 1


def test_a_claim_left_by_a_crashed_scheduler_is_taken_over_after_its_lease(
    clock: ManualClock,
) -> None:
    store = InMemoryScheduleStore()
    survivor = SchedulerCore(
        make_dispatcher(), store=store, clock=clock, claim_lease=timedelta(minutes=5)
    )
    survivor.add(hourly())
    fire = datetime(2025, 1, 1, 1, tzinfo=UTC)
    clock.set(fire)
    assert store.claim_fire("hourly", fire, "crashed", fire + timedelta(minutes=5), now=fire)
    assert survivor.tick() == []  # the crashed scheduler's claim is still live
    clock.advance(minutes=5, seconds=1)
    [record] = survivor.tick()
    assert record.status is FireStatus.SUBMITTED
    assert record.scheduled_for == fire  # within run_once: the only due fire, late but kept


def test_a_retryable_submit_failure_keeps_the_fire_for_the_next_tick(
    clock: ManualClock,
) -> None:
    dispatcher = make_dispatcher()
    calls = {"n": 0}
    real_submit = dispatcher.submit

    def flaky_submit(spec: WorkSpec) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseConnectionError("ledger unreachable")
        return real_submit(spec)

    dispatcher.submit = flaky_submit  # type: ignore[method-assign]
    core = SchedulerCore(dispatcher, clock=clock)
    core.add(hourly())
    clock.advance(hours=1)
    assert core.tick() == []
    assert core.history("hourly") == []
    clock.advance(seconds=10)
    [record] = core.tick()
    assert record.status is FireStatus.SUBMITTED


def test_a_refused_submission_is_recorded_failed_and_the_schedule_moves_on(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly())
    core.dispatcher.registry.unregister("job")  # type: ignore[attr-defined]
    clock.advance(hours=1)
    [record] = core.tick()
    assert record.status is FireStatus.FAILED
    assert record.error_type == "HandlerNotFoundError"
    assert record.execution_id is not None  # the dispatcher recorded the refusal
    core.dispatcher.registry.register("job", lambda p: p)  # type: ignore[attr-defined]
    clock.advance(hours=1)
    assert submitted(core.tick()) == [2]


def test_a_broken_event_subscriber_does_not_break_firing(
    clock: ManualClock,
) -> None:
    bus = InMemoryEventBus()
    seen: list[ScheduleFired] = []
    bus.subscribe(lambda e: seen.append(e), ScheduleFired)  # type: ignore[arg-type,func-returns-value]
    bus.subscribe(lambda e: 1 / 0)
    core = SchedulerCore(make_dispatcher(), clock=clock, event_bus=bus)
    core.add(hourly())
    clock.advance(hours=1)
    [record] = core.tick()
    assert [(e.schedule, e.execution_id) for e in seen] == [("hourly", record.execution_id)]
    assert bus.subscribers.errors == 1


# -- management --------------------------------------------------------------------------------


def test_unknown_target_is_refused_naming_the_field_and_nothing_is_stored(
    core: SchedulerCore,
) -> None:
    with pytest.raises(InvalidScheduleError) as info:
        core.add(Schedule("s", "jbo", cron="@daily"))
    assert info.value.field == "target"
    assert "did you mean 'job'" in str(info.value)
    assert core.list() == []


def test_duplicate_names_need_replace_and_replacing_keeps_the_cursor(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly())
    with pytest.raises(DuplicateScheduleError):
        core.add(hourly())
    clock.advance(hours=1)
    core.tick()
    core.add(hourly(params={"v": 2}), replace=True)
    assert core.get("hourly").params == {"v": 2}
    assert core.tick() == []  # the 01:00 fire is not run again


def test_paused_schedules_do_not_fire_and_resuming_does_not_catch_up(
    core: SchedulerCore, clock: ManualClock
) -> None:
    core.add(hourly("catch_up"))
    core.pause("hourly")
    assert core.get("hourly").enabled is False
    assert core.next_fire_times("hourly") == []
    clock.advance(hours=3)
    assert core.tick() == []
    core.resume("hourly")
    assert core.tick() == []
    clock.advance(hours=1)
    assert submitted(core.tick()) == [4]


def test_unknown_names_raise_schedule_not_found(core: SchedulerCore) -> None:
    for call in (core.get, core.pause, core.resume, core.history, core.next_fire_times):
        with pytest.raises(ScheduleNotFoundError):
            call("nope")
    assert core.remove("nope") is False


def test_removing_a_schedule_stops_it(core: SchedulerCore, clock: ManualClock) -> None:
    core.add(hourly())
    assert core.remove("hourly")
    clock.advance(hours=2)
    assert core.tick() == []


# -- backends ----------------------------------------------------------------------------------


def test_thread_backend_fires_as_the_clock_moves_and_stops_cleanly(clock: ManualClock) -> None:
    dispatcher = make_dispatcher()
    with ThreadScheduler(dispatcher, clock=clock, max_sleep=3600) as scheduler:
        scheduler.add(hourly())
        for _ in range(3):
            clock.advance(hours=1)
            scheduler.wait_for_fires(_ + 1, timeout=5, status=FireStatus.SUBMITTED)
        assert scheduler.running
    assert not scheduler.running
    assert len(dispatcher.ledger.list_executions()) == 3


def test_thread_backend_survives_a_failing_store(clock: ManualClock) -> None:
    store = InMemoryScheduleStore()
    scheduler = ThreadScheduler(make_dispatcher(), clock=clock, store=store)
    scheduler.add(hourly())
    real_list = store.list
    calls = {"n": 0}

    def broken_list() -> Any:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise RuntimeError("store down")
        return real_list()

    store.list = broken_list  # type: ignore[method-assign]
    with scheduler:
        clock.advance(hours=1)
        for _ in range(100):  # each failed tick backs off one (clock) second
            clock.advance(seconds=1)
            try:
                scheduler.wait_for_fires(1, timeout=0.05)
                break
            except TimeoutExpired:
                continue
        [record] = scheduler.wait_for_fires(1, timeout=5)
    assert record.status is FireStatus.SUBMITTED
    assert scheduler.errors == 2


def test_asyncio_backend_fires_and_closes() -> None:
    clock = ManualClock(T0)
    dispatcher = make_dispatcher()

    async def main() -> list[Any]:
        async with AsyncScheduler(dispatcher, clock=clock, max_sleep=3600) as scheduler:
            scheduler.add(hourly())
            clock.advance(hours=2)
            records = await scheduler.wait_for_fires(1, timeout=5, status=FireStatus.SUBMITTED)
            assert scheduler.running
            ticked = await scheduler.atick()
        assert not scheduler.running
        return records + ticked

    records = asyncio.run(main())
    assert [r.scheduled_for.hour for r in records] == [2]
    assert len(dispatcher.ledger.list_executions()) == 1


def test_asyncio_backend_can_be_stopped_from_another_thread() -> None:
    clock = ManualClock(T0)

    async def main() -> None:
        scheduler = AsyncScheduler(make_dispatcher(), clock=clock, max_sleep=3600)
        scheduler.start()
        await asyncio.sleep(0.01)
        threading.Thread(target=scheduler.stop).start()
        await asyncio.wait_for(scheduler.aclose(), 5)
        assert not scheduler.running

    asyncio.run(main())
