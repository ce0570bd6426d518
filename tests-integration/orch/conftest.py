"""Implementations under the spine-orch run-store contract suite.

``RUN_STORES`` maps a backend name to a factory ``(request, clock) -> open_store`` where
``open_store()`` returns a new handle onto the same storage (one per runner, as separate
processes would have). The SQL store runs as ``"sqlite"``, ``"postgres"`` and ``"mysql"``
(and ``"oracle"`` / ``"db2"`` where configured), each handle a :class:`SqlRunStore` on its own
connection from the shared ``db_factory`` fixture, in the test's isolated schema with
spine-orch's tables installed; every test runs against all of them unchanged.

``clock`` is real UTC time plus an offset the test can move (``clock.advance(120)``), so lease
expiry is tested without sleeping while heartbeats still run in real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from spine.db.schema import install_schema
from spine.db.testing import BACKENDS, IsolatedDatabase, backend_url, probe_backend
from spine.orchestration.run_store import WorkflowRunStore
from spine.orchestration.sql_store import SqlRunStore
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


def _sql(backend: str) -> Callable[[pytest.FixtureRequest, Clock], OpenStore]:
    def make(request: pytest.FixtureRequest, clock: Clock) -> OpenStore:
        status = probe_backend(backend)
        if not status.available:
            if status.required:
                pytest.fail(f"required backend unavailable: {status.reason}")
            pytest.skip(status.reason)
        tmp_path = request.getfixturevalue("tmp_path")
        space = IsolatedDatabase.create(backend, backend_url(backend), tmp_path=tmp_path)
        request.addfinalizer(space.cleanup)
        install_schema(space.connect())
        return lambda: SqlRunStore(space.connect(), clock=clock)

    return make


RUN_STORES: dict[str, Callable[[pytest.FixtureRequest, Clock], OpenStore]] = {
    "memory": _memory,
    **{backend: _sql(backend) for backend in BACKENDS},
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
