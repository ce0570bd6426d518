"""CeleryExecutor against a real Celery worker on the real Redis (broker and results)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from spine.execution import (
    Dispatcher,
    ExecutionStatus,
    HandlerNotFoundError,
    HandlerRegistry,
    TimeoutExpired,
)
from spine.execution.executors.celery_executor import CeleryExecutor, install_spine_task
from spine.execution.testing import InMemoryDeadLetterQueue, echo, fail
from spine.types import NetworkError, RetryStrategy, ValidationError, generate_ulid

S = ExecutionStatus

# celery 5.7's Redis result backend still calls SETEX, deprecated by redis-py 8 (not ours).
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

ATTEMPTS: list[int] = []


def flaky(params: dict[str, Any]) -> str:
    """Fails with a NetworkError until the third attempt."""
    ATTEMPTS.append(1)
    if len(ATTEMPTS) < 3:
        raise NetworkError(f"attempt {len(ATTEMPTS)} failed")
    return "third time lucky"


def slow(params: dict[str, Any]) -> None:
    end = time.monotonic() + 10
    while time.monotonic() < end:
        sum(range(1000))


@pytest.fixture(scope="module")
def celery_setup(redis_url: str) -> Iterator[tuple[Any, HandlerRegistry]]:
    """A Celery app on the test Redis with the spine task, and a real worker (solo pool,
    in a thread) consuming this module's own queue."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    queue = f"spine-test-{generate_ulid()}"
    app = Celery("spine-test", broker=redis_url, backend=redis_url)
    app.conf.update(
        task_default_queue=queue,
        broker_connection_retry_on_startup=True,
        result_expires=300,
        worker_hijack_root_logger=False,
    )
    registry = HandlerRegistry()
    registry.register("echo", echo)
    registry.register("fail", fail)
    registry.register("flaky", flaky)
    registry.register("slow", slow)
    install_spine_task(app, registry)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app, registry


@pytest.fixture
def dispatcher(celery_setup: tuple[Any, HandlerRegistry]) -> Iterator[Dispatcher]:
    app, registry = celery_setup
    with Dispatcher(
        CeleryExecutor(app, poll_interval=0.05), registry=registry, dlq=InMemoryDeadLetterQueue()
    ) as d:
        yield d


def kinds(dispatcher: Dispatcher, execution_id: str) -> list[str]:
    return [e.event_type.value for e in dispatcher.ledger.get_events(execution_id)]


def test_submit_runs_on_the_worker_and_the_result_comes_back(dispatcher: Dispatcher) -> None:
    execution_id = dispatcher.submit("echo", {"week_ending": "2025-12-26", "rows": [1, 2]})
    assert dispatcher.result(execution_id, timeout=30) == {
        "week_ending": "2025-12-26",
        "rows": [1, 2],
    }
    assert kinds(dispatcher, execution_id) == ["created", "queued", "started", "completed"]


def test_a_handler_error_comes_back_in_its_taxonomy_class(dispatcher: Dispatcher) -> None:
    execution_id = dispatcher.submit(
        "fail", {"error": "RateLimitError", "message": "429", "retry_after": 7}
    )
    with pytest.raises(Exception) as info:
        dispatcher.result(execution_id, timeout=30)
    assert type(info.value).__name__ == "RateLimitError"
    assert info.value.retryable  # type: ignore[attr-defined]
    assert info.value.retry_after == 7  # type: ignore[attr-defined]
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert (execution.status, execution.error_type) == (S.FAILED, "RateLimitError")
    assert dispatcher.dlq is not None
    assert any(e.execution_id == execution_id for e in dispatcher.dlq.list_unresolved())


def test_a_non_retryable_error_is_not_retried(dispatcher: Dispatcher) -> None:
    execution_id = dispatcher.submit(
        "fail", {"error": "ValueError", "message": "bad row"}, retry=RetryStrategy.constant(3, 0)
    )
    with pytest.raises(ValueError, match="bad row"):
        dispatcher.result(execution_id, timeout=30)
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.retry_count == 0


def test_retryable_failures_are_resent_with_a_countdown_until_they_succeed(
    dispatcher: Dispatcher,
) -> None:
    ATTEMPTS.clear()
    start = time.monotonic()
    execution_id = dispatcher.submit("flaky", retry=RetryStrategy.constant(5, 0.5))
    assert dispatcher.result(execution_id, timeout=60) == "third time lucky"
    assert time.monotonic() - start >= 1.0  # two retries, 0.5 s countdown each
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.retry_count == 2
    assert kinds(dispatcher, execution_id).count("retried") == 2


def test_a_timeout_on_the_worker_is_timed_out(dispatcher: Dispatcher) -> None:
    execution_id = dispatcher.submit("slow", timeout=0.2)
    with pytest.raises(TimeoutExpired):
        dispatcher.result(execution_id, timeout=30)
    assert dispatcher.status(execution_id) is S.TIMED_OUT


def test_a_name_the_worker_does_not_know_is_a_handler_not_found_error(
    celery_setup: tuple[Any, HandlerRegistry],
) -> None:
    app, _ = celery_setup
    client_registry = HandlerRegistry()
    client_registry.register("only.on.the.client", echo)  # the worker never heard of it
    with Dispatcher(CeleryExecutor(app, poll_interval=0.05), registry=client_registry) as d:
        execution_id = d.submit("only.on.the.client", {})
        with pytest.raises(HandlerNotFoundError):
            d.result(execution_id, timeout=30)


def test_an_app_without_a_result_backend_is_refused() -> None:
    from celery import Celery

    with pytest.raises(ValidationError, match="result backend"):
        CeleryExecutor(Celery("no-backend", broker="memory://"))
