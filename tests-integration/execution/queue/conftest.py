"""Fixtures of the worker-queue suites: a queue of every implementation, on a fake clock.

``queue`` is parametrized over ``memory`` (:class:`InMemoryWorkQueue`) and the SQL queue on
every backend (``sqlite``, ``postgres``, ``mysql``; ``oracle`` and ``db2`` where their test
URLs are set): each SQL run gets a fresh isolated schema with ``core_work_items`` installed.
An unreachable backend is skipped, or fails when ``SPINE_REQUIRE_BACKENDS`` names it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from spine.db.connection import SpineConnection
from spine.db.schema import install_schema
from spine.db.testing import IsolatedDatabase
from spine.db.testing.backends import BACKENDS, probe_backend
from spine.execution import HandlerRegistry
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


def _load_handlers() -> ModuleType:
    """``handlers.py`` beside this file (worker processes import it by path too)."""
    path = Path(__file__).with_name("handlers.py")
    spec = importlib.util.spec_from_file_location("spine_queue_test_handlers", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


HANDLERS = _load_handlers()


@pytest.fixture
def registry() -> HandlerRegistry:
    """Every test handler (see ``handlers.py``)."""
    reg: HandlerRegistry = HANDLERS.registry()
    return reg


@pytest.fixture(params=["sqlite", "postgres", "mysql", "oracle", "db2"])
def worker_space(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IsolatedDatabase]:
    """An isolated database on each backend with the queue's, the ledger's and the dead
    letters' tables (skipped or failed as ``space`` when the backend is down)."""
    created = space_for(str(request.param), tmp_path)
    conn = created.connect()
    install_schema(conn, ["spine-exec", "spine-exec.queue"])
    conn.close()
    try:
        yield created
    finally:
        created.cleanup()
