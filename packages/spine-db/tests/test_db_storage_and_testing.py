from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from spine.db import (
    CORE_TABLES,
    Database,
    SpineConnection,
    SpineStorage,
    create_connection,
    table_exists,
)
from spine.db.testing import (
    BACKENDS,
    IsolatedDatabase,
    backend_url,
    memory_connection,
    probe_backend,
    required_backends,
    temp_sqlite,
)
from spine.types import StorageBackend


def test_database_is_a_storage_backend() -> None:
    db = Database("memory")
    assert isinstance(db, StorageBackend)
    assert SpineStorage is Database
    assert "memory" in repr(db)


def test_database_transaction_commits_and_rolls_back() -> None:
    with Database() as db:
        with db.transaction() as conn:
            conn.execute("CREATE TABLE t (id INTEGER)")
            conn.execute("INSERT INTO t VALUES (1)")

        def failing_block() -> None:
            with db.transaction() as conn:
                conn.execute("INSERT INTO t VALUES (2)")
                raise ValueError

        with pytest.raises(ValueError):
            failing_block()
        assert db.get_connection().execute("SELECT COUNT(*) FROM t").fetchone() == (1,)
        assert db.dialect.name == "sqlite"
        assert db.info.backend == "sqlite"
        assert db.create_core_tables() == list(CORE_TABLES.table_names)
    db.close()


def test_database_from_connection_and_reopen(tmp_path: Path) -> None:
    conn, _ = create_connection(str(tmp_path / "x.db"))
    db = Database.from_connection(conn)
    assert db.get_connection() is conn
    db.close()
    assert conn.closed


def test_memory_connection_has_core_tables(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    assert all(table_exists(conn, t) for t in CORE_TABLES.table_names)
    with memory_connection(core_tables=False) as bare:
        assert not table_exists(bare, "core_manifest")


def test_temp_sqlite_can_be_opened_twice(tmp_path: Path) -> None:
    conn = temp_sqlite(tmp_path)
    other, _ = create_connection(str(tmp_path / "spine.db"))
    assert table_exists(other, "core_manifest")
    conn.close()
    other.close()


def test_isolated_sqlite_space_shares_data_between_connections(tmp_path: Path) -> None:
    space = IsolatedDatabase.create("sqlite", tmp_path=tmp_path)
    a, b = space.connect(), space.connect()
    a.execute("CREATE TABLE t (id INTEGER)")
    a.execute("INSERT INTO t VALUES (1)")
    a.commit()
    assert b.execute("SELECT COUNT(*) FROM t").fetchone() == (1,)
    space.cleanup()
    assert a.closed
    assert b.closed
    assert space.path is not None
    assert not space.path.exists()


def test_backend_urls_and_requirements(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BACKENDS == ("sqlite", "postgres", "mysql", "oracle", "db2")
    monkeypatch.delenv("SPINE_TEST_POSTGRES_URL", raising=False)
    monkeypatch.delenv("SPINE_TEST_ORACLE_URL", raising=False)
    assert backend_url("sqlite") is None
    assert backend_url("postgresql") == "postgresql://postgres@127.0.0.1:5432/test"
    assert backend_url("oracle") is None
    monkeypatch.setenv("SPINE_TEST_ORACLE_URL", "oracle://u:p@h:1521/FREEPDB1")
    assert backend_url("oracle") == "oracle://u:p@h:1521/FREEPDB1"
    monkeypatch.setenv("SPINE_REQUIRE_BACKENDS", "sqlite, postgresql,mariadb")
    assert required_backends() == {"sqlite", "postgres", "mysql"}
    monkeypatch.setenv("SPINE_REQUIRE_BACKENDS", "sqlite,docker")  # docker: another suite's
    assert required_backends() == {"sqlite"}


def test_probe_reports_why_a_backend_is_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINE_TEST_DB2_URL", raising=False)
    probe_backend.cache_clear()
    status = probe_backend("db2")
    assert not status.available
    assert "SPINE_TEST_DB2_URL is not set" in status.reason
    assert probe_backend("sqlite").available
    probe_backend.cache_clear()
