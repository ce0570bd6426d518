"""Implementations under the spine-exec contract suites.

Each store fixture is parametrized over every implementation of its protocol. The SQL
stores (phase 2) join these tables as ``"sqlite"``, ``"postgres"``, ``"mysql"`` entries
built on the shared ``db`` fixtures; every test below then runs against them unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

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
