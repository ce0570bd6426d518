"""pytest fixtures that run a test against every reachable spine backend.

Enable with ``-p spine.db.testing.pytest_plugin`` or ``pytest_plugins = [...]`` in your
root ``conftest.py`` (or import the fixtures into a conftest).

Fixtures:
    ``backend_name``: parametrized over ``sqlite``, ``postgres``, ``mysql``, ``oracle``,
        ``db2``. An unreachable backend is skipped with the reason, or fails when
        ``SPINE_REQUIRE_BACKENDS`` names it. ``@pytest.mark.backend("postgres", "mysql")``
        restricts a test to the named backends.
    ``isolated_db``: the :class:`~spine.db.testing.IsolatedDatabase` of the test.
    ``db``: a :class:`~spine.db.SpineConnection` into the isolated space.
    ``db_factory``: call it to open another connection into the same space (for
        concurrency tests); every connection is closed at teardown.
    ``memory_db``: an in-memory SQLite connection with every component's tables (closed at
        teardown); ``memory_db_factory()`` opens more of them.
    ``close_leftover_connections`` (autouse): closes the connections a test leaves open and
        reports them with a :class:`~spine.db.testing.ConnectionLeakWarning` naming where
        each was opened (an error under ``filterwarnings = error``).

URLs come from ``SPINE_TEST_POSTGRES_URL``, ``SPINE_TEST_MYSQL_URL``,
``SPINE_TEST_ORACLE_URL`` and ``SPINE_TEST_DB2_URL`` (see
:mod:`spine.db.testing.backends`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spine.db.connection import SpineConnection
from spine.db.testing.backends import BACKENDS, backend_test_name, backend_url, probe_backend
from spine.db.testing.isolation import IsolatedDatabase
from spine.db.testing.sqlite import memory_connection
from spine.db.testing.tracking import closing_connections

__all__ = [
    "backend_name",
    "close_leftover_connections",
    "db",
    "db_factory",
    "isolated_db",
    "memory_db",
    "memory_db_factory",
    "pytest_configure",
    "pytest_report_header",
]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``backend`` marker."""
    config.addinivalue_line(
        "markers", "backend(*names): run the test only on the named database backends"
    )


@pytest.fixture(autouse=True)
def close_leftover_connections() -> Iterator[None]:
    """Close every spine connection a test leaves open and warn about each (autouse)."""
    with closing_connections():
        yield


@pytest.fixture
def memory_db_factory() -> Iterator[Callable[[], SpineConnection]]:
    """Opens in-memory SQLite connections with every component's tables; all are closed at
    teardown."""
    opened: list[SpineConnection] = []

    def make() -> SpineConnection:
        conn = memory_connection()
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()


@pytest.fixture
def memory_db(memory_db_factory: Callable[[], SpineConnection]) -> SpineConnection:
    """An in-memory SQLite connection with every component's tables (closed at teardown)."""
    return memory_db_factory()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """One header line saying which backends this run reaches, and why others are skipped."""
    parts = []
    for name in BACKENDS:
        status = probe_backend(name)
        if status.available:
            parts.append(f"{name} (required)" if status.required else name)
        else:
            parts.append(f"SKIPPED {status.reason}")
    return ["spine backends: " + "; ".join(parts)]


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """The backend of this test run (skipped when unreachable unless required)."""
    name: str = request.param
    marker = request.node.get_closest_marker("backend")
    if marker is not None and name not in {backend_test_name(n) for n in marker.args}:
        pytest.skip(f"test runs on {', '.join(marker.args)} only")
    status = probe_backend(name)
    if not status.available:
        if status.required:
            pytest.fail(f"required backend unavailable (SPINE_REQUIRE_BACKENDS): {status.reason}")
        pytest.skip(status.reason)
    return name


@pytest.fixture
def isolated_db(backend_name: str, tmp_path: Path) -> Iterator[IsolatedDatabase]:
    """An isolated schema / database / file for this test, dropped afterwards."""
    space = IsolatedDatabase.create(backend_name, backend_url(backend_name), tmp_path=tmp_path)
    try:
        yield space
    finally:
        space.cleanup()


@pytest.fixture
def db(isolated_db: IsolatedDatabase) -> SpineConnection:
    """A connection into the test's isolated space."""
    return isolated_db.connect()


@pytest.fixture
def db_factory(isolated_db: IsolatedDatabase) -> Callable[[], SpineConnection]:
    """Opens further connections into the same isolated space."""
    return isolated_db.connect
