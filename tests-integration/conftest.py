"""Shared database fixtures for every integration suite (``db/``, ``ops/``, ...).

Fixtures (defined in :mod:`spine.db.testing.pytest_plugin`, re-exported here):

``backend_name``
    Parametrizes a test over ``sqlite``, ``postgres``, ``mysql``, ``oracle``, ``db2``.
    A backend that cannot be reached is *skipped* with the reason, or *fails* when
    ``SPINE_REQUIRE_BACKENDS`` (comma list, e.g. ``sqlite,postgres,mysql``) names it.
    Restrict a test with ``@pytest.mark.backend("postgres", "mysql")``.
``isolated_db``
    The test's :class:`spine.db.testing.IsolatedDatabase`: a fresh schema on PostgreSQL and
    Db2, a fresh database on MySQL/MariaDB, a temporary file on SQLite, and on Oracle the
    URL's (dedicated test) schema with the tables created by the test dropped afterwards.
``db``
    A :class:`spine.db.SpineConnection` into that isolated space.
``db_factory``
    ``db_factory()`` opens another connection into the same space (concurrency tests:
    claimers, lock holders). All connections are closed at teardown.

Backend URLs: ``SPINE_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``),
``SPINE_TEST_MYSQL_URL`` (default ``mysql://root@127.0.0.1:3306/test``),
``SPINE_TEST_ORACLE_URL`` and ``SPINE_TEST_DB2_URL`` (no default: skipped unless set).
"""

from __future__ import annotations

from spine.db.testing.pytest_plugin import (  # noqa: F401 - fixtures shared with every suite
    backend_name,
    close_leftover_connections,
    db,
    db_factory,
    isolated_db,
    pytest_report_header,
)
