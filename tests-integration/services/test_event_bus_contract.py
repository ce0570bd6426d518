"""The EventBus contract, run against the in-memory, Redis and PostgreSQL buses."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from spine.execution import (
    ArrivalMissed,
    Event,
    EventBus,
    ExecutionCompleted,
    ExecutionFailed,
    ExecutionStarted,
    ScheduleFired,
    StepCompleted,
)
from spine.types import ValidationError


class Collector:
    """A subscriber that records events and lets a test wait for them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = 5.0) -> list[Event]:
        end = time.monotonic() + timeout
        with self._cond:
            while len(self.events) < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.events)} of {count} events after {timeout}s")
                self._cond.wait(left)
            return list(self.events)

    def settle(self, seconds: float = 0.3) -> list[Event]:
        """Give late (unexpected) deliveries a moment to arrive, then return all."""
        time.sleep(seconds)
        with self._cond:
            return list(self.events)


NOW = datetime(2025, 12, 26, 23, 0, tzinfo=UTC)

EVERY_EVENT: list[Event] = [
    ExecutionStarted(execution_id="e1", workflow="otc.ingest", attempt=2),
    ExecutionCompleted(execution_id="e1", workflow="otc.ingest", duration_ms=12.5),
    ExecutionFailed(execution_id="e2", workflow="otc.ingest", error="boom", retryable=True),
    StepCompleted(run_id="r1", step="normalize", workflow="finra"),
    ScheduleFired(schedule="weekly", scheduled_for=NOW, target="otc.ingest", execution_id="e3"),
    ArrivalMissed(source_name="finra.otc", expected_by=NOW, partition={"week": "2025-12-26"}),
]


def test_every_typed_event_arrives_intact_and_in_order(bus: EventBus) -> None:
    seen = Collector()
    bus.subscribe(seen)
    for event in EVERY_EVENT:
        bus.publish(event)
    assert seen.wait(len(EVERY_EVENT)) == EVERY_EVENT
    assert [type(e) for e in seen.events] == [type(e) for e in EVERY_EVENT]


def test_filters_by_type_class_and_pattern(bus: EventBus) -> None:
    executions, schedules, everything = Collector(), Collector(), Collector()
    bus.subscribe(executions, "execution.*")
    bus.subscribe(schedules, [ScheduleFired, "arrival.missed"])
    bus.subscribe(everything)
    for event in EVERY_EVENT:
        bus.publish(event)
    everything.wait(len(EVERY_EVENT))
    assert [e.type for e in executions.wait(3)] == [
        "execution.started",
        "execution.completed",
        "execution.failed",
    ]
    assert [e.type for e in schedules.wait(2)] == ["schedule.fired", "arrival.missed"]
    assert len(executions.settle()) == 3


def test_a_subscriber_that_raises_breaks_neither_the_publisher_nor_other_subscribers(
    bus: EventBus,
) -> None:
    before, after = Collector(), Collector()

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(before)
    bus.subscribe(broken)
    bus.subscribe(after)
    bus.publish(EVERY_EVENT[0])  # does not raise
    bus.publish(EVERY_EVENT[1])
    assert len(before.wait(2)) == 2
    assert len(after.wait(2)) == 2
    assert bus.subscribers.errors == 2  # type: ignore[attr-defined]


def test_unsubscribed_handlers_receive_nothing_more(bus: EventBus) -> None:
    kept, dropped = Collector(), Collector()
    bus.subscribe(kept)
    with bus.subscribe(dropped):
        bus.publish(EVERY_EVENT[0])
        dropped.wait(1)
    bus.publish(EVERY_EVENT[1])
    kept.wait(2)
    assert len(dropped.settle()) == 1


def test_events_reach_other_bus_instances_on_the_same_channel(
    bus_factory: Callable[[], EventBus], request: pytest.FixtureRequest
) -> None:
    if "memory" in request.node.callspec.id:
        pytest.skip("an in-memory bus is one process: instances do not share events")
    publisher, listener = bus_factory(), bus_factory()
    seen = Collector()
    listener.subscribe(seen)
    publisher.publish(EVERY_EVENT[4])
    assert seen.wait(1) == [EVERY_EVENT[4]]


def test_many_events_from_several_threads_all_arrive(bus: EventBus) -> None:
    seen = Collector()
    bus.subscribe(seen, ExecutionCompleted)

    def publish(worker: int) -> None:
        for i in range(50):
            bus.publish(ExecutionCompleted(execution_id=f"{worker}-{i}", workflow="w"))

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [e.execution_id for e in seen.wait(200)]  # type: ignore[attr-defined]
    assert sorted(ids) == sorted(f"{w}-{i}" for w in range(4) for i in range(50))
    for w in range(4):  # each publisher's events keep their order
        mine = [i for i in ids if i.startswith(f"{w}-")]
        assert mine == [f"{w}-{i}" for i in range(50)]


def test_publishing_a_non_event_is_a_typed_error(bus: EventBus) -> None:
    with pytest.raises(ValidationError):
        bus.publish({"type": "execution.started"})  # type: ignore[arg-type]


def test_close_is_idempotent_and_stops_delivery(bus: EventBus) -> None:
    seen = Collector()
    bus.subscribe(seen)
    bus.close()
    bus.close()
    with contextlib.suppress(Exception):  # a closed network bus may refuse; never deliver
        bus.publish(EVERY_EVENT[0])
    assert seen.settle() == []
