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
from spine.execution.testing import InMemoryDeadLetterQueue, InMemoryLedger

LEDGERS: dict[str, Callable[[pytest.FixtureRequest], Ledger]] = {
    "memory": lambda request: InMemoryLedger(),
}

DEAD_LETTER_QUEUES: dict[str, Callable[[pytest.FixtureRequest], DeadLetterQueue]] = {
    "memory": lambda request: InMemoryDeadLetterQueue(),
}


@pytest.fixture(params=sorted(LEDGERS))
def ledger(request: pytest.FixtureRequest) -> Ledger:
    """A fresh, empty ledger of each implementation."""
    return LEDGERS[request.param](request)


@pytest.fixture(params=sorted(DEAD_LETTER_QUEUES))
def dlq(request: pytest.FixtureRequest) -> DeadLetterQueue:
    """A fresh, empty dead-letter queue of each implementation."""
    return DEAD_LETTER_QUEUES[request.param](request)
