"""WorkerLoop over the in-memory stores: the loop's logic, fast and in one process."""

from __future__ import annotations

import bisect
import threading
import time
from datetime import timedelta

import pytest

from spine.execution import (
    Grant,
    HandlerRegistry,
    InMemoryTokenBucketStore,
    RateLimitExceeded,
    RetryStrategy,
    TokenBucketLimiter,
)
from spine.execution.queue import NewWork, WorkerLoop, WorkStatus
from spine.execution.testing import InMemoryDeadLetterQueue, InMemoryLedger, InMemoryWorkQueue
from spine.types import NetworkError, ValidationError
from spine.types.timestamps import utc_now

S = WorkStatus


@pytest.fixture
def stores() -> tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue]:
    return InMemoryWorkQueue(), InMemoryLedger(), InMemoryDeadLetterQueue()


def _worker(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
    **kw: object,
) -> WorkerLoop:
    queue, ledger, dlq = stores
    return WorkerLoop.in_memory(queue, registry, ledger=ledger, dlq=dlq, **kw)  # type: ignore[arg-type]


def _events(ledger: InMemoryLedger, execution_id: str) -> list[str]:
    return [e.event_type.value for e in ledger.get_events(execution_id)]


def test_a_worker_drains_the_queue_and_the_ledger_holds_each_jobs_history(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, ledger, _ = stores
    ids = queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(40))
    metrics = _worker(stores, registry, concurrency=4, batch_size=8).run(idle_exit=0)
    assert (metrics.claimed, metrics.completed, metrics.failed, metrics.in_flight) == (40, 40, 0, 0)
    assert queue.counts()[S.COMPLETED] == 40
    for n, item_id in enumerate(ids):
        execution = ledger.get_execution(item_id)
        assert execution is not None
        assert (execution.status.value, execution.result) == ("completed", {"n": n})
        assert _events(ledger, item_id) == ["created", "started", "completed"]


def test_priorities_and_lanes_decide_what_runs(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, ledger, _ = stores
    low = queue.enqueue(NewWork("noop", {"n": 1}, priority=0))
    high = queue.enqueue(NewWork("noop", {"n": 2}, priority=9))
    other = queue.enqueue(NewWork("noop", {"n": 3}, lane="reports"))
    later = queue.enqueue(NewWork("noop", {"n": 4}, run_after=utc_now() + timedelta(hours=1)))
    _worker(stores, registry, concurrency=1, lanes=["default"]).run(idle_exit=0)
    first = ledger.get_execution(high.id)
    second = ledger.get_execution(low.id)
    assert first is not None
    assert second is not None
    assert first.started_at is not None
    assert second.started_at is not None
    assert first.started_at <= second.started_at
    for item in (other, later):
        stored = queue.get(item.id)
        assert stored is not None
        assert stored.status is S.PENDING


def test_a_non_retryable_error_goes_to_the_dlq_after_the_first_attempt(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, ledger, dlq = stores
    item = queue.enqueue(NewWork("bad_row", {"file": "w52.csv"}, max_attempts=5))
    metrics = _worker(stores, registry).run(idle_exit=0)
    assert (metrics.failed, metrics.retried) == (1, 0)
    stored = queue.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == (S.FAILED, 1)
    execution = ledger.get_execution(item.id)
    assert execution is not None
    assert (execution.status.value, execution.error_type) == ("failed", "ValidationError")
    assert _events(ledger, item.id) == ["created", "started", "failed", "dead_lettered"]
    [entry] = dlq.list_unresolved()
    assert (entry.execution_id, entry.workflow, entry.error_type) == (
        item.id,
        "bad_row",
        "ValidationError",
    )


def test_a_retryable_error_is_rescheduled_with_backoff_then_dead_lettered(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, ledger, dlq = stores
    item = queue.enqueue(NewWork("flaky", max_attempts=3))
    metrics = _worker(stores, registry, poll_interval=0.02).run(idle_exit=0.5)
    assert (metrics.claimed, metrics.retried, metrics.failed) == (3, 2, 1)
    stored = queue.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == (S.FAILED, 3)
    events = ledger.get_events(item.id)
    assert [e.event_type.value for e in events] == [
        "created",
        "started",
        "queued",
        "retried",
        "started",
        "queued",
        "retried",
        "started",
        "failed",
        "dead_lettered",
    ]
    retried = [e for e in events if e.event_type.value == "retried"]
    assert all(e.data["delay"] == 0.05 for e in retried)
    assert all("run_after" in e.data for e in retried)
    execution = ledger.get_execution(item.id)
    assert execution is not None
    assert (execution.retry_count, execution.error_type) == (2, "NetworkError")
    assert dlq.count() == 1


@pytest.mark.parametrize(
    ("workflow", "error_type"),
    [("no_such_handler", "HandlerNotFoundError"), ("garbage", "InvalidResultError")],
)
def test_bad_work_is_a_typed_error_in_the_ledger_and_the_worker_keeps_running(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
    workflow: str,
    error_type: str,
) -> None:
    queue, ledger, _ = stores
    bad = queue.enqueue(NewWork(workflow))
    good = queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(5))
    metrics = _worker(stores, registry).run(idle_exit=0)
    assert (metrics.completed, metrics.failed) == (5, 1)
    execution = ledger.get_execution(bad.id)
    assert execution is not None
    assert (execution.status.value, execution.error_type) == ("failed", error_type)
    assert all(queue.get(i).status is S.COMPLETED for i in good)  # type: ignore[union-attr]


def test_an_illegal_transition_is_recorded_and_the_worker_keeps_running(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, ledger, _ = stores
    item = queue.enqueue(NewWork("slow", {"seconds": 0.3}))
    others = queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(3))
    worker = _worker(stores, registry, concurrency=4)
    runner = threading.Thread(target=worker.run, kwargs={"idle_exit": 0.5})
    runner.start()
    deadline = time.monotonic() + 5
    while ledger.get_execution(item.id) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    ledger.update_status(item.id, "cancelled")  # an operator cancels it while it runs
    runner.join(10)
    assert not runner.is_alive()
    events = _events(ledger, item.id)
    assert events[:3] == ["created", "started", "cancelled"]
    assert events[-1] == "progress"  # the refused COMPLETED, noted with its typed error
    assert ledger.get_events(item.id)[-1].data["error_type"] == "InvalidTransitionError"
    assert all(queue.get(i).status is S.COMPLETED for i in others)  # type: ignore[union-attr]


def test_expired_leases_of_a_dead_worker_are_reclaimed_and_completed(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, ledger, _ = stores
    item = queue.enqueue(NewWork("noop", {"n": 1}))
    # a worker claims it, records the start, then dies (never heartbeats again)
    dead = _worker(stores, registry, lease_seconds=0.2, worker_id="dead-worker")
    dead._claim(dead._sessions(), 1)
    time.sleep(0.25)
    metrics = _worker(stores, registry, lease_seconds=0.2, poll_interval=0.05).run(idle_exit=0.3)
    assert (metrics.reclaimed, metrics.completed) == (1, 1)
    stored = queue.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == (S.COMPLETED, 2)
    assert _events(ledger, item.id) == [
        "created",
        "started",
        "reclaimed",
        "queued",
        "retried",
        "started",
        "completed",
    ]


def test_heartbeats_keep_a_long_job_leased(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, _, _ = stores
    item = queue.enqueue(NewWork("slow", {"seconds": 0.8}))
    metrics = _worker(stores, registry, lease_seconds=0.3, poll_interval=0.05).run(idle_exit=0)
    assert (metrics.completed, metrics.reclaimed, metrics.lost) == (1, 0, 0)
    stored = queue.get(item.id)
    assert stored is not None
    assert stored.attempts == 1


def test_stop_drains_in_flight_work_and_claims_nothing_more(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, _, _ = stores
    queue.enqueue_many(NewWork("slow", {"seconds": 0.3}) for _ in range(6))
    worker = _worker(stores, registry, concurrency=2, batch_size=2)
    runner = threading.Thread(target=worker.run)
    runner.start()
    while worker.metrics.claimed < 2:
        time.sleep(0.01)
    worker.stop()
    runner.join(10)
    metrics = worker.metrics
    assert (metrics.claimed, metrics.completed, metrics.in_flight) == (2, 2, 0)
    assert queue.counts()[S.PENDING] == 4


def test_max_jobs_bounds_the_claims(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    queue, _, _ = stores
    queue.enqueue_many(NewWork("noop") for _ in range(10))
    assert _worker(stores, registry, concurrency=4).run(max_jobs=6).completed == 6
    assert queue.counts()[S.PENDING] == 4


@pytest.mark.parametrize(
    "kwargs",
    [{"concurrency": 0}, {"batch_size": -1}, {"lease_seconds": 0}, {"lanes": []}, {"retry": 3}],
)
def test_bad_worker_settings_are_refused(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(ValidationError):
        _worker(stores, registry, **kwargs)


def _starts_per_window(starts: list[float], window: float) -> int:
    """The most starts in any window of ``window`` seconds (each start opens one)."""
    starts = sorted(starts)
    return max(bisect.bisect_left(starts, t + window) - i for i, t in enumerate(starts))


def test_a_rate_limited_handler_defers_jobs_without_using_attempts_or_the_dlq(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
) -> None:
    queue, ledger, dlq = stores
    starts: list[float] = []
    registry = HandlerRegistry()
    limiter = TokenBucketLimiter(rate=40, capacity=2, key="api")
    registry.register("fetch", lambda p: starts.append(time.monotonic()), rate_limit=limiter)
    ids = queue.enqueue_many(NewWork("fetch", {"n": n}, max_attempts=1) for n in range(20))
    metrics = _worker(stores, registry, concurrency=4, poll_interval=0.01).run(idle_exit=0.5)
    assert (metrics.completed, metrics.failed, metrics.retried) == (20, 0, 0)
    assert metrics.deferred > 0
    assert len(starts) == 20
    assert _starts_per_window(starts, 0.25) <= 2 + 40 * 0.25  # the burst, then the rate
    assert dlq.count() == 0
    for item_id in ids:
        stored = queue.get(item_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == (S.COMPLETED, 1)
    deferred = [i for i in ids if "deferred" in _events(ledger, i)]
    assert deferred
    events = _events(ledger, deferred[0])
    assert events[:5] == ["created", "started", "queued", "deferred", "started"]
    assert events[-1] == "completed"
    assert events.count("created") == 1
    note = next(e for e in ledger.get_events(deferred[0]) if e.event_type.value == "deferred")
    assert (note.data["reason"], note.data["attempts"]) == ("rate_limit", 0)
    assert "'api'" in note.data["limiter"]
    execution = ledger.get_execution(deferred[0])
    assert execution is not None
    assert (execution.status.value, execution.retry_count) == ("completed", 0)


def test_rate_limit_exceeded_raised_by_a_handler_retries_after_its_retry_after(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
) -> None:
    queue, ledger, _ = stores
    registry = HandlerRegistry()

    def throttled(params: dict[str, object]) -> None:
        raise RateLimitExceeded("the API answered 429", retry_after=30)

    registry.register("fetch", throttled, retry=RetryStrategy.constant(max_retries=3, delay=0.1))
    item = queue.enqueue(NewWork("fetch", max_attempts=3))
    before = utc_now()
    metrics = _worker(stores, registry).run(idle_exit=0)
    assert (metrics.retried, metrics.deferred, metrics.failed) == (1, 0, 0)
    stored = queue.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == (S.PENDING, 1)  # a run that failed: an attempt
    assert stored.run_after >= before + timedelta(seconds=30)  # retry_after beats the backoff
    [retried] = [e for e in ledger.get_events(item.id) if e.event_type.value == "retried"]
    assert retried.data["delay"] == 30


def test_a_rate_limit_store_that_fails_fails_the_attempt_and_the_worker_keeps_running(
    stores: tuple[InMemoryWorkQueue, InMemoryLedger, InMemoryDeadLetterQueue],
    registry: HandlerRegistry,
) -> None:
    class BrokenStore(InMemoryTokenBucketStore):
        def take(self, key: str, tokens: float, rate: float, capacity: float) -> Grant:
            raise NetworkError("rate limit store unreachable")

    queue, ledger, dlq = stores
    limiter = TokenBucketLimiter(rate=10, key="api", store=BrokenStore())
    registry.register("limited", lambda p: None, rate_limit=limiter)
    item = queue.enqueue(NewWork("limited", max_attempts=1))
    queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(3))
    metrics = _worker(stores, registry).run(idle_exit=0)
    assert (metrics.completed, metrics.failed) == (3, 1)
    execution = ledger.get_execution(item.id)
    assert execution is not None
    assert (execution.status.value, execution.error_type) == ("failed", "NetworkError")
    assert dlq.count() == 1
