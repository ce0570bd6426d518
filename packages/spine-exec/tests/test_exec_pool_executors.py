"""ThreadExecutor and ProcessExecutor under the Dispatcher: concurrency, retries, timeouts,
cancellation and errors that cross process boundaries."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import spine_exec_test_handlers as handlers

from spine.execution import (
    Dispatcher,
    ExecutionStatus,
    HandlerError,
    ProcessExecutor,
    ThreadExecutor,
    TimeoutExpired,
)
from spine.execution.testing import InMemoryDeadLetterQueue, echo, fail
from spine.types import NetworkError, OperationError, RetryStrategy

S = ExecutionStatus


def kinds(dispatcher: Dispatcher, execution_id: str) -> list[str]:
    return [e.event_type.value for e in dispatcher.ledger.get_events(execution_id)]


def wait_for_retry(dispatcher: Dispatcher, execution_id: str) -> None:
    """Until the execution is queued again for a (delayed) retry."""
    deadline = time.monotonic() + 5
    while True:
        execution = dispatcher.get_execution(execution_id)
        assert execution is not None
        if execution.status is S.QUEUED and execution.retry_count:
            return
        assert time.monotonic() < deadline
        time.sleep(0.01)


# -- threads ----------------------------------------------------------------------------------


def test_thread_jobs_are_queued_then_run_concurrently() -> None:
    barrier = threading.Barrier(4, timeout=5)

    def meet(params: dict[str, Any]) -> int:
        barrier.wait()  # only passes if 4 jobs run at the same time
        return int(params["i"])

    with Dispatcher(ThreadExecutor(max_workers=4)) as dispatcher:
        dispatcher.registry.register("meet", meet)
        ids = [dispatcher.submit("meet", {"i": i}) for i in range(4)]
        assert [dispatcher.result(i, timeout=10) for i in ids] == [0, 1, 2, 3]
        assert kinds(dispatcher, ids[0]) == ["created", "queued", "started", "completed"]


def test_thread_retries_wait_on_a_timer_and_rerun_the_same_execution() -> None:
    calls: list[float] = []

    def flaky(params: dict[str, Any]) -> str:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise NetworkError("reset")
        return "ok"

    with Dispatcher(ThreadExecutor(2), retry=RetryStrategy.constant(3, 0.1)) as dispatcher:
        dispatcher.registry.register("flaky", flaky)
        execution_id = dispatcher.submit("flaky")
        execution = dispatcher.wait(execution_id, timeout=10)
    assert (execution.status, execution.retry_count, execution.result) == (S.COMPLETED, 2, "ok")
    assert calls[1] - calls[0] >= 0.09
    assert kinds(dispatcher, execution_id).count("queued") == 3


def test_a_delayed_retry_can_be_cancelled() -> None:
    dlq = InMemoryDeadLetterQueue()
    with Dispatcher(
        ThreadExecutor(1), retry=RetryStrategy.constant(3, 30.0), dlq=dlq
    ) as dispatcher:
        dispatcher.registry.register("down", fail)
        execution_id = dispatcher.submit("down", {"error": "NetworkError"})
        wait_for_retry(dispatcher, execution_id)
        assert dispatcher.cancel(execution_id) is True
        assert dispatcher.status(execution_id) is S.CANCELLED
        assert dispatcher.cancel(execution_id) is False
    assert dlq.count() == 0


def test_a_job_waiting_for_a_thread_can_be_cancelled_and_never_runs() -> None:
    gate = threading.Event()
    ran: list[str] = []
    with Dispatcher(ThreadExecutor(1)) as dispatcher:
        dispatcher.registry.register("block", lambda p: gate.wait(5))
        dispatcher.registry.register("later", lambda p: ran.append("later"))
        blocker = dispatcher.submit("block")
        waiting = dispatcher.submit("later")
        assert dispatcher.cancel(waiting) is True
        assert dispatcher.cancel(blocker) is False or dispatcher.status(blocker) is S.CANCELLED
        gate.set()
        dispatcher.wait(blocker, timeout=5)
    assert ran == []
    assert dispatcher.status(waiting) is S.CANCELLED


def test_a_thread_job_over_its_timeout_is_interrupted_and_timed_out() -> None:
    with Dispatcher(ThreadExecutor(1)) as dispatcher:
        dispatcher.registry.register("spin", handlers.spin)
        execution_id = dispatcher.submit("spin", {"seconds": 30}, timeout=0.2)
        start = time.monotonic()
        execution = dispatcher.wait(execution_id, timeout=10)
    assert time.monotonic() - start < 5
    assert (execution.status, execution.error_type) == (S.TIMED_OUT, "TimeoutExpired")


def test_wait_past_its_timeout_raises_timeout_expired() -> None:
    gate = threading.Event()
    with Dispatcher(ThreadExecutor(1)) as dispatcher:
        dispatcher.registry.register("block", lambda p: gate.wait(5))
        execution_id = dispatcher.submit("block")
        with pytest.raises(TimeoutExpired, match="still running"):
            dispatcher.wait(execution_id, timeout=0.1)
        gate.set()


def test_shutdown_cancels_what_the_executor_will_no_longer_run() -> None:
    dispatcher = Dispatcher(ThreadExecutor(1), retry=RetryStrategy.constant(2, 60.0))
    dispatcher.registry.register("down", fail)
    execution_id = dispatcher.submit("down", {"error": "NetworkError"})
    wait_for_retry(dispatcher, execution_id)
    dispatcher.shutdown()
    assert dispatcher.status(execution_id) is S.CANCELLED
    with pytest.raises(OperationError, match="shut down"):
        dispatcher.submit("down", {})


# -- processes --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def processes() -> Any:
    executor = ProcessExecutor(max_workers=2)
    yield executor
    executor.shutdown()


def test_process_jobs_run_in_another_process(processes: ProcessExecutor) -> None:
    dispatcher = Dispatcher(processes)
    dispatcher.registry.register("pid", handlers.pid)
    execution_id = dispatcher.submit("pid")
    result = dispatcher.result(execution_id, timeout=60)
    assert result["pid"] != os.getpid()
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.started_at is not None
    assert execution.completed_at is not None
    assert execution.started_at <= execution.completed_at
    assert kinds(dispatcher, execution_id) == ["created", "queued", "started", "completed"]


def test_a_spine_error_keeps_its_class_across_the_process_boundary(
    processes: ProcessExecutor,
) -> None:
    dispatcher = Dispatcher(processes)
    dispatcher.registry.register("fail", fail)
    execution_id = dispatcher.submit("fail", {"error": "RateLimitError", "retry_after": 3})
    with pytest.raises(Exception) as info:
        dispatcher.result(execution_id, timeout=60)
    assert type(info.value).__name__ == "RateLimitError"
    assert info.value.retryable  # type: ignore[attr-defined]
    assert info.value.retry_after == 3  # type: ignore[attr-defined]


def test_an_unknown_error_class_becomes_a_handler_error_with_its_taxonomy(
    processes: ProcessExecutor,
) -> None:
    dispatcher = Dispatcher(processes)
    dispatcher.registry.register("fail", fail)
    execution_id = dispatcher.submit("fail", {"error": "ZeroDivisionError", "message": "oops"})
    with pytest.raises(ZeroDivisionError, match="oops"):
        dispatcher.result(execution_id, timeout=60)
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.error_type == "ZeroDivisionError"


def test_process_retries_run_again_with_backoff(processes: ProcessExecutor, tmp_path: Path) -> None:
    dispatcher = Dispatcher(processes, retry=RetryStrategy.constant(3, 0.05))
    dispatcher.registry.register("flaky", handlers.flaky_file)
    execution_id = dispatcher.submit("flaky", {"path": str(tmp_path / "m"), "fail_times": 2})
    assert dispatcher.result(execution_id, timeout=60) == "ok after 3"
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.retry_count == 2


def test_a_process_job_over_its_timeout_is_timed_out(processes: ProcessExecutor) -> None:
    dispatcher = Dispatcher(processes)
    dispatcher.registry.register("spin", handlers.spin)
    execution_id = dispatcher.submit("spin", {"seconds": 30}, timeout=0.3)
    execution = dispatcher.wait(execution_id, timeout=60)
    assert (execution.status, execution.error_type) == (S.TIMED_OUT, "TimeoutExpired")


def test_a_handler_that_cannot_reach_a_process_is_refused_and_recorded(
    processes: ProcessExecutor,
) -> None:
    dispatcher = Dispatcher(processes)
    dispatcher.registry.register("inline", lambda p: p)
    with pytest.raises(OperationError, match="cannot be sent to a worker process") as info:
        dispatcher.submit("inline", {})
    execution = dispatcher.get_execution(info.value.context.execution_id or "")
    assert execution is not None
    assert execution.status is S.FAILED


def test_echo_round_trips_json_through_a_process(processes: ProcessExecutor) -> None:
    dispatcher = Dispatcher(processes)
    dispatcher.registry.register("echo", echo)
    params = {"a": [1, 2.5, None, True], "b": {"c": "é"}}
    assert dispatcher.result(dispatcher.submit("echo", params), timeout=60) == params


def test_remote_error_of_unknown_module_is_a_handler_error() -> None:
    from spine.execution.outcome import error_from_wire

    err = error_from_wire(
        {
            "type": "ReadTimeout",
            "module": "httpx",
            "message": "timed out",
            "category": "NETWORK",
            "retryable": True,
            "retry_after": None,
        }
    )
    assert isinstance(err, HandlerError)
    assert err.retryable
    assert err.remote_type == "httpx.ReadTimeout"
    assert str(err) == "ReadTimeout: timed out"


def test_a_missing_celery_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from spine.execution import CeleryExecutor, MissingExtraError

    monkeypatch.setitem(sys.modules, "celery", None)  # what "not installed" looks like
    with pytest.raises(MissingExtraError, match=r'pip install "spine-exec\[celery\]"'):
        CeleryExecutor(object())
