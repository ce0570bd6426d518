"""Test helpers for code built on spine-db (public, stable).

* :func:`memory_connection` — in-memory SQLite :class:`~spine.db.SpineConnection` with the
  core tables created: the fastest fixture for unit tests.
* :func:`temp_sqlite` — the same on a file under a temporary directory (a second connection
  can open it, e.g. for concurrency tests).
* :class:`IsolatedDatabase` — an isolated space on any backend (a fresh schema on
  PostgreSQL and Db2, a fresh database on MySQL, a temporary file on SQLite, cleanup of the
  tables a test created on Oracle) from which any number of connections can be opened.
* :func:`closing_connections` — closes every connection opened in a block and reports those
  the block left open (:class:`ConnectionLeakWarning`; the pytest plugin applies it to every
  test).
* :mod:`spine.db.testing.pytest_plugin` — ``backend_name`` / ``db`` / ``db_factory``
  fixtures running a test against every reachable backend.

Example:
    >>> from spine.db.testing import memory_connection
    >>> conn = memory_connection()
    >>> conn.execute("SELECT COUNT(*) FROM core_manifest").fetchone()
    (0,)
"""

from __future__ import annotations

from spine.db.testing.backends import (
    BACKEND_ENV,
    BACKENDS,
    DEFAULT_URLS,
    BackendStatus,
    backend_test_name,
    backend_url,
    probe_backend,
    required_backends,
)
from spine.db.testing.isolation import IsolatedDatabase
from spine.db.testing.sqlite import memory_connection, temp_sqlite
from spine.db.testing.tracking import (
    ConnectionLeakError,
    ConnectionLeakWarning,
    closing_connections,
)

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "DEFAULT_URLS",
    "BackendStatus",
    "ConnectionLeakError",
    "ConnectionLeakWarning",
    "IsolatedDatabase",
    "backend_test_name",
    "backend_url",
    "closing_connections",
    "memory_connection",
    "probe_backend",
    "required_backends",
    "temp_sqlite",
]
