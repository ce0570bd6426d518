"""tracked_execution / TrackedExecution: the spec's 7-step lifecycle on the in-memory stores."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from spine.execution import (
    ExecutionStatus,
    InvalidResultError,
    LockNotAcquiredError,
    Stores,
    TimeoutExpired,
    TrackedExecution,
    TriggerSource,
    UnserializableParamsError,
    current_execution,
    tracked_execution,
    with_deadline,
)
from spine.execution.testing import FakeClock, in_memory_stores
from spine.types import NetworkError, ValidationError

S = ExecutionStatus


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stores(clock: FakeClock) -> Stores:
    return in_memory_stores(clock=clock)


def kinds(stores: Stores, execution_id: str) -> list[str]:
    return [e.event_type.value for e in stores.ledger.get_events(execution_id)]


def only(stores: Stores) -> Any:
    [execution] = stores.ledger.list_executions()
    return execution


def test_success_records_running_then_completed_with_the_result_and_frees_the_lock(
    stores: Stores,
) -> None:
    assert stores.guard is not None
    with tracked_execution(
        stores,
        workflow="finra.otc.ingest",
        params={"week_ending": "2025-12-26"},
        lock_key="otc|2025-12-26",
        trigger_source="schedule",
    ) as ctx:
        assert ctx.execution.status is S.RUNNING
        assert not ctx.skipped
        held = stores.guard.get("otc|2025-12-26")
        assert held is not None
        assert held.execution_id == ctx.id
        assert current_execution() is not None
        ctx.log_progress("parsed", rows=960)
        ctx.set_result({"rows": 960})
    execution = only(stores)
    assert (execution.status, execution.result) == (S.COMPLETED, {"rows": 960})
    assert execution.trigger_source is TriggerSource.SCHEDULE
    assert kinds(stores, execution.id) == ["created", "started", "progress", "completed"]
    assert stores.guard.get("otc|2025-12-26") is None
    assert current_execution() is None


def test_failure_records_failed_adds_a_dead_letter_releases_and_reraises(stores: Stores) -> None:
    assert stores.guard is not None
    assert stores.dlq is not None
    with (
        pytest.raises(NetworkError, match="reset"),
        tracked_execution(stores, workflow="sec.filings", params={"day": "2024-01-01"}),
    ):
        raise NetworkError("connection reset")
    execution = only(stores)
    assert (execution.status, execution.error, execution.error_type) == (
        S.FAILED,
        "connection reset",
        "NetworkError",
    )
    assert kinds(stores, execution.id) == ["created", "started", "failed", "dead_lettered"]
    [entry] = stores.dlq.list_unresolved()
    assert (entry.execution_id, entry.workflow, entry.params) == (
        execution.id,
        "sec.filings",
        {"day": "2024-01-01"},
    )
    assert stores.guard.list_locks() == []


def test_a_completed_idempotency_key_is_skipped_without_recording_anything(
    stores: Stores,
) -> None:
    with tracked_execution(stores, workflow="w", idempotency_key="k") as ctx:
        ctx.set_result("first")
    events_before = kinds(stores, only(stores).id)
    ran_body: list[bool] = []
    with tracked_execution(stores, workflow="w", idempotency_key="k") as ctx:
        ran_body.append(ctx.skipped)
        assert ctx.result == "first"
    assert ran_body == [True]
    assert len(stores.ledger.list_executions()) == 1
    assert kinds(stores, only(stores).id) == events_before


def test_a_failed_attempt_is_run_again_as_the_next_attempt_linked_to_it(stores: Stores) -> None:
    with (
        pytest.raises(ValueError, match="bad"),
        tracked_execution(stores, workflow="w", idempotency_key="k"),
    ):
        raise ValueError("bad")
    with tracked_execution(stores, workflow="w", idempotency_key="k") as ctx:
        ctx.set_result("fixed")
    second, first = stores.ledger.list_executions()
    assert (first.attempt, first.status) == (1, S.FAILED)
    assert (second.attempt, second.retry_of, second.status) == (2, first.id, S.COMPLETED)
    assert stores.ledger.get_by_idempotency_key("k") == second


def test_the_lock_is_released_even_when_the_body_raises_a_base_exception(
    stores: Stores,
) -> None:
    assert stores.guard is not None
    assert stores.dlq is not None
    with pytest.raises(KeyboardInterrupt), tracked_execution(stores, workflow="w", lock_key="L"):
        raise KeyboardInterrupt
    execution = only(stores)
    assert (execution.status, execution.error_type) == (S.CANCELLED, "KeyboardInterrupt")
    assert stores.guard.get("L") is None
    assert stores.dlq.count() == 0


def test_a_held_lock_refuses_the_run_records_it_cancelled_and_raises(stores: Stores) -> None:
    assert stores.guard is not None
    stores.guard.acquire("otc|w52", "another-host:42", ttl=600)
    body: list[int] = []
    with (
        pytest.raises(LockNotAcquiredError, match="held by another-host:42") as info,
        tracked_execution(stores, workflow="w", lock_key="otc|w52"),
    ):
        body.append(1)
    assert body == []
    assert info.value.retryable
    execution = only(stores)
    assert execution.status is S.CANCELLED
    assert execution.error_type == "LockNotAcquiredError"
    assert info.value.context.execution_id == execution.id
    assert kinds(stores, execution.id) == ["created", "cancelled"]
    held = stores.guard.get("otc|w52")
    assert held is not None
    assert held.owner == "another-host:42"


def test_an_expired_lock_of_a_dead_holder_is_taken_over(stores: Stores, clock: FakeClock) -> None:
    assert stores.guard is not None
    stores.guard.acquire("L", "crashed-worker", ttl=30)
    clock.advance(31)
    with tracked_execution(stores, workflow="w", lock_key="L", lock_ttl=30) as ctx:
        held = stores.guard.get("L")
        assert held is not None
        assert held.owner == ctx.id
    assert only(stores).status is S.COMPLETED
    assert stores.guard.get("L") is None


def test_two_threads_contending_for_one_lock_run_the_body_once_at_a_time(
    stores: Stores,
) -> None:
    inside = threading.Event()
    leave = threading.Event()
    outcomes: list[str] = []

    def first() -> None:
        with tracked_execution(stores, workflow="w", lock_key="hot"):
            inside.set()
            leave.wait(5)
        outcomes.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    with (
        pytest.raises(LockNotAcquiredError),
        tracked_execution(stores, workflow="w", lock_key="hot"),
    ):
        outcomes.append("second ran")
    leave.set()
    thread.join(5)
    with tracked_execution(stores, workflow="w", lock_key="hot"):
        outcomes.append("third ran")
    assert outcomes == ["first done", "third ran"]
    statuses = sorted(e.status.value for e in stores.ledger.list_executions())
    assert statuses == ["cancelled", "completed", "completed"]


def test_a_deadline_in_the_body_is_recorded_as_timed_out(stores: Stores) -> None:
    with (
        pytest.raises(TimeoutExpired),
        tracked_execution(stores, workflow="slow"),
        with_deadline(0.05),
    ):
        time.sleep(2)
    assert only(stores).status is S.TIMED_OUT


def test_a_result_that_is_not_json_fails_the_execution(stores: Stores) -> None:
    with pytest.raises(InvalidResultError), tracked_execution(stores, workflow="w") as ctx:
        ctx.set_result({"conn": object()})
    execution = only(stores)
    assert (execution.status, execution.error_type) == (S.FAILED, "InvalidResultError")


def test_bad_arguments_raise_before_anything_is_recorded(stores: Stores) -> None:
    with pytest.raises(UnserializableParamsError):
        tracked_execution(stores, workflow="w", params={"when": object()})
    with pytest.raises(ValidationError, match="workflow must be"):
        tracked_execution(stores, workflow="")
    with pytest.raises(ValidationError, match="lock ttl"):
        tracked_execution(stores, workflow="w", lock_ttl=-1)
    with pytest.raises(ValidationError, match="needs a ledger"):
        tracked_execution(workflow="w")
    with pytest.raises(ValidationError, match="not both"):
        TrackedExecution(stores, ledger=stores.ledger, workflow="w")
    assert stores.ledger.list_executions() == []


def test_stores_can_be_passed_one_by_one_and_locking_turned_off(stores: Stores) -> None:
    assert stores.guard is not None
    stores.guard.acquire("w", "someone-else", ttl=60)
    with TrackedExecution(ledger=stores.ledger, guard=stores.guard, workflow="w", lock=False):
        pass
    with TrackedExecution(ledger=stores.ledger, workflow="w"):  # no guard, no dlq
        pass
    assert [e.status for e in stores.ledger.list_executions()] == [S.COMPLETED, S.COMPLETED]


class CountingStores:
    """Stores that count their units of work (what phase 2 turns into commits)."""

    def __init__(self, inner: Stores) -> None:
        self.inner = inner
        self.units = 0

    @property
    def ledger(self) -> Any:
        return self.inner.ledger

    @property
    def guard(self) -> Any:
        return self.inner.guard

    @property
    def dlq(self) -> Any:
        return self.inner.dlq

    def atomic(self) -> AbstractContextManager[Any]:
        @contextmanager
        def unit() -> Iterator[None]:
            self.units += 1
            with self.inner.atomic():
                yield

        return unit()


def test_a_tracked_call_is_two_units_of_work(stores: Stores) -> None:
    counting = CountingStores(stores)
    with tracked_execution(counting, workflow="w", idempotency_key="k", lock_key="L"):
        pass
    assert counting.units == 2


def test_the_async_form_runs_the_same_lifecycle(stores: Stores) -> None:
    async def main() -> str:
        async with TrackedExecution(
            ledger=stores.ledger,
            guard=stores.guard,
            dlq=stores.dlq,
            workflow="sec.filings",
            params={"date": "2024-01-01"},
        ) as ctx:
            await asyncio.sleep(0)
            ctx.set_result({"filings": 3})
        with pytest.raises(NetworkError):
            async with TrackedExecution(stores, workflow="sec.filings"):
                raise NetworkError("down")
        return ctx.id

    ok_id = asyncio.run(main())
    ok = stores.ledger.get_execution(ok_id)
    assert ok is not None
    assert (ok.status, ok.result) == (S.COMPLETED, {"filings": 3})
    assert stores.dlq is not None
    assert stores.dlq.count() == 1


def test_async_task_cancellation_is_recorded_as_cancelled(stores: Stores) -> None:
    async def body() -> None:
        async with TrackedExecution(stores, workflow="w", lock_key="L"):
            await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.create_task(body())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert only(stores).status is S.CANCELLED
    assert stores.guard is not None
    assert stores.guard.get("L") is None
