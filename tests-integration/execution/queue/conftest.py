"""Fixtures of the worker-queue suites: a queue of every implementation, on a fake clock.

``queue`` is parametrized over ``memory`` (:class:`InMemoryWorkQueue`) and the SQL queue on
every backend (``sqlite``, ``postgres``, ``mysql``; ``oracle`` and ``db2`` where their test
URLs are set): each SQL run gets a fresh isolated schema with ``core_work_items`` installed.
An unreachable backend is skipped, or fails when ``SPINE_REQUIRE_BACKENDS`` names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spine.db.connection import SpineConnection
from spine.db.schema import install_schema
from spine.db.testing import IsolatedDatabase
from spine.db.testing.backends import BACKENDS, probe_backend
from spine.execution.queue import SqlWorkQueue, WorkQueue
from spine.execution.testing import FakeClock, InMemoryWorkQueue


@pytest.fixture
def clock() -> FakeClock:
    """The time seen by the queue under test."""
    return FakeClock()


def space_for(name: str, tmp_path: Path) -> IsolatedDatabase:
    """An isolated space on backend ``name`` with the queue's table (skip/fail when down)."""
    status = probe_backend(name)
    if not status.available:
        if status.required:
            pytest.fail(f"required backend unavailable (SPINE_REQUIRE_BACKENDS): {status.reason}")
        pytest.skip(status.reason)
    space = IsolatedDatabase.create(name, tmp_path=tmp_path)
    conn = space.connect()
    install_schema(conn, ["spine-exec.queue"])
    return space


@pytest.fixture(params=["memory", *BACKENDS])
def store_kind(request: pytest.FixtureRequest) -> str:
    """``memory`` or a backend name."""
    return str(request.param)


@pytest.fixture
def space(store_kind: str, tmp_path: Path) -> Iterator[IsolatedDatabase | None]:
    """The isolated database of a SQL run (``None`` for ``memory``)."""
    if store_kind == "memory":
        yield None
        return
    created = space_for(store_kind, tmp_path)
    try:
        yield created
    finally:
        created.cleanup()


@pytest.fixture
def make_queue(space: IsolatedDatabase | None, clock: FakeClock) -> Callable[[], WorkQueue]:
    """Opens queues on one shared store (several workers' views of one queue)."""
    if space is None:
        shared = InMemoryWorkQueue(clock=clock)
        return lambda: shared
    connect: Callable[[], SpineConnection] = space.connect
    return lambda: SqlWorkQueue(connect(), clock=clock)


@pytest.fixture
def queue(make_queue: Callable[[], WorkQueue]) -> WorkQueue:
    """A fresh, empty queue of each implementation."""
    return make_queue()
