"""Implementations under the spine-orch run-store contract suite.

``RUN_STORES`` maps a backend name to a factory ``(request, clock) -> open_store`` where
``open_store()`` returns a new handle onto the same storage (one per runner, as separate
processes would have). The SQL store (phase 2) joins as ``"sqlite"``, ``"postgres"`` and
``"mysql"`` entries built on the shared ``db_factory`` fixture; every test then runs against
it unchanged.

``clock`` is real UTC time plus an offset the test can move (``clock.advance(120)``), so lease
expiry is tested without sleeping while heartbeats still run in real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from spine.orchestration.run_store import WorkflowRunStore
from spine.orchestration.testing import InMemoryRunStore
from spine.types import utc_now


class Clock:
    """Real time plus a movable offset."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


OpenStore = Callable[[], WorkflowRunStore]


def _memory(request: pytest.FixtureRequest, clock: Clock) -> OpenStore:
    store = InMemoryRunStore(clock=clock)
    return lambda: store


RUN_STORES: dict[str, Callable[[pytest.FixtureRequest, Clock], OpenStore]] = {
    "memory": _memory,
}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=sorted(RUN_STORES))
def open_store(request: pytest.FixtureRequest, clock: Clock) -> OpenStore:
    """Opens handles onto one fresh, empty run store of each implementation."""
    return RUN_STORES[request.param](request, clock)


@pytest.fixture
def store(open_store: OpenStore) -> WorkflowRunStore:
    return open_store()
