"""Implementations under the spine-exec contract suites.

Each store fixture is parametrized over every implementation of its protocol: the in-memory
twin (``memory``) and the SQL store on every spine-db backend (``sqlite``, ``postgres``,
``mysql``, ``oracle``, ``db2``; unreachable ones are skipped, or failed when
``SPINE_REQUIRE_BACKENDS`` names them). Each SQL test gets its own isolated schema with
component ``spine-exec`` installed (``exec_space``); every test runs unchanged on all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from spine.db import SpineConnection, install_schema
from spine.db.testing import (
    BACKENDS,
    IsolatedDatabase,
    backend_url,
    probe_backend,
)
from spine.execution import SqlDeadLetterQueue, SqlLedger, SqlLockGuard
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

STORE_BACKENDS = ["memory", *BACKENDS]
"""``memory`` (the in-memory twins), then every spine-db backend."""


class ExecSpace:
    """An isolated database space with component ``spine-exec`` installed."""

    def __init__(self, space: IsolatedDatabase) -> None:
        self.space = space
        self.backend = space.backend
        self.conn = self.connect()
        install_schema(self.conn, ["spine-exec"])
        self.conn.commit()

    def connect(self) -> SpineConnection:
        """Another connection into the same space (a second worker, say)."""
        return self.space.connect()


def _sql_space(request: pytest.FixtureRequest, name: str) -> ExecSpace:
    status = probe_backend(name)
    if not status.available:
        if status.required:
            pytest.fail(f"required backend unavailable (SPINE_REQUIRE_BACKENDS): {status.reason}")
        pytest.skip(status.reason)
    tmp_path = request.getfixturevalue("tmp_path")
    space = IsolatedDatabase.create(name, backend_url(name), tmp_path=tmp_path)
    request.addfinalizer(space.cleanup)
    return ExecSpace(space)


@pytest.fixture(params=BACKENDS)
def exec_space(request: pytest.FixtureRequest) -> ExecSpace:
    """An isolated space with the spine-exec tables, on each reachable backend."""
    return _sql_space(request, request.param)


@pytest.fixture
def exec_space_of(request: pytest.FixtureRequest) -> Callable[[str], ExecSpace]:
    """``exec_space_of(backend)``: an isolated space with the spine-exec tables on one
    backend (skipped when unreachable), for fixtures parametrized over more than databases."""
    return lambda name: _sql_space(request, name)


def _sql(request: pytest.FixtureRequest) -> ExecSpace:
    space = _sql_space(request, request.param)
    return space


LEDGERS: dict[str, Callable[[pytest.FixtureRequest], Ledger]] = {
    "memory": lambda request: InMemoryLedger(),
    **{name: lambda request: SqlLedger(_sql(request).conn) for name in BACKENDS},
}

DEAD_LETTER_QUEUES: dict[str, Callable[[pytest.FixtureRequest, FakeClock], DeadLetterQueue]] = {
    "memory": lambda request, clock: InMemoryDeadLetterQueue(clock=clock),
    **{
        name: lambda request, clock: SqlDeadLetterQueue(_sql(request).conn, clock=clock)
        for name in BACKENDS
    },
}

LOCK_GUARDS: dict[str, Callable[[pytest.FixtureRequest, FakeClock], LockGuard]] = {
    "memory": lambda request, clock: InMemoryLockGuard(clock=clock),
    **{
        name: lambda request, clock: SqlLockGuard(_sql(request).conn, clock=clock)
        for name in BACKENDS
    },
}


@pytest.fixture
def clock() -> FakeClock:
    """The time seen by the stores under test."""
    return FakeClock()


@pytest.fixture(params=STORE_BACKENDS)
def ledger(request: pytest.FixtureRequest) -> Ledger:
    """A fresh, empty ledger of each implementation."""
    return LEDGERS[request.param](request)


@pytest.fixture(params=STORE_BACKENDS)
def dlq(request: pytest.FixtureRequest, clock: FakeClock) -> DeadLetterQueue:
    """A fresh, empty dead-letter queue of each implementation, on ``clock``."""
    return DEAD_LETTER_QUEUES[request.param](request, clock)


@pytest.fixture(params=STORE_BACKENDS)
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
