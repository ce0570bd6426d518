"""Circuit breakers shared through the database: every worker sees one breaker per name."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from spine.execution import CircuitBreaker, CircuitOpenError, CircuitState, SqlBreakerStore
from spine.types import NetworkError

C = CircuitState


class Clock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def boom() -> None:
    raise NetworkError("503")


def test_workers_on_separate_connections_share_one_breaker(exec_space: Any) -> None:
    clock = Clock()
    one = CircuitBreaker(
        "finra-api", 2, 30, 1, store=SqlBreakerStore(exec_space.connect(), clock=clock)
    )
    two = CircuitBreaker(
        "finra-api", 2, 30, 1, store=SqlBreakerStore(exec_space.connect(), clock=clock)
    )
    other = CircuitBreaker("sec", 2, 30, 1, store=SqlBreakerStore(exec_space.connect()))
    for breaker in (one, two):
        with pytest.raises(NetworkError):
            breaker.call(boom)
    assert one.state is two.state is C.OPEN
    assert other.state is C.CLOSED
    with pytest.raises(CircuitOpenError):
        two.call(lambda: "never called")
    clock.t += 31  # recovery timeout passed: one probe closes it for both
    assert one.call(lambda: "probe") == "probe"
    assert two.state is C.CLOSED
    two.reset()
    assert one.snapshot().failures == 0


def test_under_threads_on_own_connections_it_opens_once_with_exact_counts(
    exec_space: Any,
) -> None:
    clock = Clock()
    threshold, threads_n, calls = 30, 4, 15
    barrier = threading.Barrier(threads_n)
    refused: list[int] = []
    failed: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        store = SqlBreakerStore(exec_space.connect(), clock=clock)
        breaker = CircuitBreaker("hot", threshold, 30, 1, store=store)
        barrier.wait()
        for _ in range(calls):
            try:
                breaker.call(boom)
            except NetworkError:
                with lock:
                    failed.append(1)
            except CircuitOpenError:
                with lock:
                    refused.append(1)

    workers = [threading.Thread(target=hammer) for _ in range(threads_n)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(120)
    snapshot = SqlBreakerStore(exec_space.connect(), clock=clock).get("hot")
    assert snapshot.state is C.OPEN
    assert snapshot.failures == threshold
    # Calls admitted while it was still closed may fail after another worker opened it:
    # at most one per other worker.
    assert threshold <= len(failed) <= threshold + threads_n - 1
    assert len(failed) + len(refused) == threads_n * calls
