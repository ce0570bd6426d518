"""Implementations under the spine-exec contract suites.

Each store fixture is parametrized over every implementation of its protocol. The SQL
stores (phase 2) join these tables as ``"sqlite"``, ``"postgres"``, ``"mysql"`` entries
built on the shared ``db`` fixtures; every test below then runs against them unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from spine.execution.dlq import DeadLetterQueue
from spine.execution.ledger import Ledger
from spine.execution.locks import LockGuard
from spine.execution.testing import (
    FakeClock,
    InMemoryDeadLetterQueue,
    InMemoryLedger,
    InMemoryLockGuard,
)
from spine.types import generate_ulid

LEDGERS: dict[str, Callable[[pytest.FixtureRequest], Ledger]] = {
    "memory": lambda request: InMemoryLedger(),
}

DEAD_LETTER_QUEUES: dict[str, Callable[[pytest.FixtureRequest, FakeClock], DeadLetterQueue]] = {
    "memory": lambda request, clock: InMemoryDeadLetterQueue(clock=clock),
}

LOCK_GUARDS: dict[str, Callable[[pytest.FixtureRequest, FakeClock], LockGuard]] = {
    "memory": lambda request, clock: InMemoryLockGuard(clock=clock),
}


@pytest.fixture
def clock() -> FakeClock:
    """The time seen by the stores under test."""
    return FakeClock()


@pytest.fixture(params=sorted(LEDGERS))
def ledger(request: pytest.FixtureRequest) -> Ledger:
    """A fresh, empty ledger of each implementation."""
    return LEDGERS[request.param](request)


@pytest.fixture(params=sorted(DEAD_LETTER_QUEUES))
def dlq(request: pytest.FixtureRequest, clock: FakeClock) -> DeadLetterQueue:
    """A fresh, empty dead-letter queue of each implementation, on ``clock``."""
    return DEAD_LETTER_QUEUES[request.param](request, clock)


@pytest.fixture(params=sorted(LOCK_GUARDS))
def guard(request: pytest.FixtureRequest, clock: FakeClock) -> LockGuard:
    """A fresh lock guard of each implementation, on ``clock``."""
    return LOCK_GUARDS[request.param](request, clock)


REDIS_URL = os.environ.get("SPINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis (``SPINE_TEST_REDIS_URL``); skipped when unreachable, unless
    ``SPINE_REQUIRE_BACKENDS`` names ``redis``, then failed."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        required = "redis" in os.environ.get("SPINE_REQUIRE_BACKENDS", "").split(",")
        message = f"redis: {REDIS_URL} unreachable: {exc}"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test alone on the test Redis; its keys are deleted afterwards."""
    import redis

    prefix = f"spine-test:{generate_ulid()}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
