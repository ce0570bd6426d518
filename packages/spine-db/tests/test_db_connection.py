"""SpineConnection over SQLite (always available) and connection-level behaviour."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spine.db import (
    ConnectionInfo,
    SpineConnection,
    connect,
    create_connection,
    get_dialect,
    wrap_connection,
)
from spine.db.drivers import get_driver
from spine.db.url import parse_url
from spine.types import (
    ConfigError,
    Connection,
    DatabaseConnectionError,
    DatabaseError,
    IntegrityError,
    InvalidConfigError,
    QueryError,
)


@pytest.fixture
def conn() -> Iterator[SpineConnection]:
    with connect("memory") as c:
        c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        c.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
        c.commit()
        yield c


def test_connection_implements_the_spine_types_protocol(conn: SpineConnection) -> None:
    assert isinstance(conn, Connection)


def test_execute_stores_the_cursor_for_connection_level_fetches(conn: SpineConnection) -> None:
    cur = conn.execute("SELECT id, name FROM t ORDER BY id")
    assert conn.fetchone() == (1, "a")
    assert cur.fetchall() == [(2, "b")]
    conn.execute("SELECT name FROM t WHERE id = ?", (2,))
    assert conn.fetchall() == [("b",)]
    conn.execute("SELECT id FROM t ORDER BY id")
    assert conn.fetchmany(1) == [(1,)]


def test_rows_are_tuples_even_with_a_row_factory_on_a_wrapped_connection() -> None:
    raw = sqlite3.connect(":memory:")
    raw.row_factory = sqlite3.Row
    conn = wrap_connection(raw)
    row = conn.execute("SELECT 1 AS a, 2 AS b").fetchone()
    assert type(row) is tuple
    assert row == (1, 2)
    conn.close()


def test_cursor_attributes_and_iteration(conn: SpineConnection) -> None:
    cur = conn.execute("SELECT id, name FROM t ORDER BY id")
    assert cur.column_names == ["id", "name"]
    assert [r[0] for r in cur] == [1, 2]
    ins = conn.execute("INSERT INTO t (name) VALUES (?)", ("c",))
    assert ins.rowcount == 1
    assert ins.lastrowid == 3
    with conn.cursor() as c2:
        assert c2.execute("SELECT COUNT(*) FROM t").fetchone() == (3,)
        c2.executemany("INSERT INTO t (name) VALUES (?)", [("d",), ("e",)])
    conn.rollback()
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (2,)


def test_fetch_without_a_statement_is_a_query_error() -> None:
    with connect() as c, pytest.raises(QueryError):
        c.fetchone()


def test_unique_violation_is_an_integrity_error_with_sql_but_no_params(
    conn: SpineConnection,
) -> None:
    with pytest.raises(IntegrityError) as info:
        conn.execute("INSERT INTO t VALUES (?, ?)", (1, "secret-value"))
    err = info.value
    assert err.context.metadata["sql"] == "INSERT INTO t VALUES (?, ?)"
    assert err.context.metadata["backend"] == "sqlite"
    assert "secret-value" not in repr(err.to_dict())
    assert isinstance(err.cause, sqlite3.IntegrityError)
    assert not err.retryable


def test_not_null_violation_is_an_integrity_error(conn: SpineConnection) -> None:
    with pytest.raises(IntegrityError):
        conn.execute("INSERT INTO t (id) VALUES (9)")


@pytest.mark.parametrize(
    "sql", ["SELEC 1", "SELECT * FROM missing_table", "SELECT nope FROM t", "INSERT INTO t"]
)
def test_bad_statements_are_query_errors(conn: SpineConnection, sql: str) -> None:
    with pytest.raises(QueryError) as info:
        conn.execute(sql)
    assert info.value.context.metadata["sql"] == sql


def test_wrong_parameter_count_is_a_query_error(conn: SpineConnection) -> None:
    with pytest.raises(QueryError):
        conn.execute("SELECT * FROM t WHERE id = ?", (1, 2))


def test_using_a_closed_connection_is_a_connection_error(conn: SpineConnection) -> None:
    conn.close()
    conn.close()  # idempotent
    assert conn.closed
    with pytest.raises(DatabaseConnectionError):
        conn.execute("SELECT 1")


def test_locked_database_is_a_retryable_database_error(tmp_path: Path) -> None:
    path = str(tmp_path / "locked.db")
    a, _ = create_connection(path, busy_timeout=0.05)
    b, _ = create_connection(path, busy_timeout=0.05)
    a.execute("CREATE TABLE x (id INTEGER)")
    a.commit()
    a.begin(immediate=True)
    a.execute("INSERT INTO x VALUES (1)")
    with pytest.raises(DatabaseError) as info:
        b.begin(immediate=True)
    assert info.value.retryable
    assert not isinstance(info.value, IntegrityError | QueryError)
    a.rollback()
    a.close()
    b.close()


def test_context_manager_closes_and_rolls_back_on_error() -> None:
    c, _ = create_connection()

    def failing_block() -> None:
        with c:
            c.execute("CREATE TABLE t (id INTEGER)")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_block()
    assert c.closed


def test_connection_info_masks_nothing_for_sqlite_and_has_the_path(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    conn, info = create_connection(f"sqlite:///{path}")
    assert isinstance(info, ConnectionInfo)
    assert info.backend == "sqlite"
    assert info.dialect is get_dialect("sqlite")
    assert info.database == str(path)
    assert info.host is None
    assert conn.info is info
    assert conn.backend == "sqlite"
    assert "f.db" in repr(conn)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    conn.close()


def test_sqlite_options(tmp_path: Path) -> None:
    conn, _ = create_connection(str(tmp_path / "g.db"), journal_mode="delete", foreign_keys=False)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (0,)
    conn2, _ = create_connection(f"sqlite:///{tmp_path}/h.db?journal_mode=truncate")
    assert conn2.execute("PRAGMA journal_mode").fetchone() == ("truncate",)
    conn.close()
    conn2.close()
    with pytest.raises(InvalidConfigError):
        create_connection(None, journal_mode="bogus")
    with pytest.raises(InvalidConfigError):
        create_connection(None, no_such_option=1)
    with pytest.raises(InvalidConfigError):
        create_connection(None, schema="x")


def test_unopenable_sqlite_file_is_a_connection_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseConnectionError):
        create_connection(str(tmp_path / "missing-dir" / "x.db"))


@pytest.mark.parametrize("url", ["mongodb://h/db", "", "postgresql://h:port/db", "nonsense"])
def test_unknown_or_malformed_urls_are_invalid_config(url: str) -> None:
    with pytest.raises(InvalidConfigError):
        create_connection(url)


@pytest.mark.parametrize("value", [0, -1, "soon"])
def test_bad_connect_timeout_is_invalid_config(value: Any) -> None:
    with pytest.raises(InvalidConfigError):
        create_connection("postgresql://u@127.0.0.1:1/db", connect_timeout=value)


@pytest.mark.parametrize(
    ("url", "extra", "module"),
    [
        ("postgresql://u@h/db", "postgres", "psycopg"),
        ("mysql://u@h/db", "mysql", "mysql.connector"),
        ("oracle://u:p@h/svc", "oracle", "oracledb"),
        ("db2://u:p@h/db", "db2", "ibm_db_dbi"),
    ],
)
def test_missing_driver_is_a_config_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, url: str, extra: str, module: str
) -> None:
    import importlib

    real = importlib.import_module

    def fake_import(name: str, package: str | None = None) -> Any:
        if name == module:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(ConfigError) as info:
        create_connection(url)
    assert f'pip install "spine-db[{extra}]"' in str(info.value)
    assert not isinstance(info.value, DatabaseConnectionError)


@pytest.mark.parametrize(
    ("url", "module", "error", "advice"),
    [
        (
            "postgresql://u@h/db",
            "psycopg",
            ImportError("no pq wrapper available.\nAttempts made: ..."),
            'pip install "spine-db[postgres-binary]"',
        ),
        (
            "mysql://u@h/db",
            "mysql.connector",
            ModuleNotFoundError("No module named 'dns'", name="dns"),
            'pip install --force-reinstall "spine-db[mysql]"',
        ),
    ],
)
def test_installed_but_unimportable_driver_says_why_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch, url: str, module: str, error: ImportError, advice: str
) -> None:
    import importlib

    real = importlib.import_module

    def fake_import(name: str, package: str | None = None) -> Any:
        if name == module:
            raise error
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(ConfigError) as info:
        create_connection(url)
    message = str(info.value)
    first_line = str(error).splitlines()[0]
    assert f"{module!r} is installed but cannot be imported ({first_line})" in message
    assert advice in message
    assert info.value.__cause__ is error


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:1/test",
        "mysql://root@127.0.0.1:1/test",
        "oracle://u:p@127.0.0.1:1/FREEPDB1",
    ],
)
def test_down_server_is_a_retryable_connection_error_within_seconds(url: str) -> None:
    # Import the driver first: the bound is on connecting, not on a cold driver import.
    get_driver(parse_url(url).backend).load()
    start = time.monotonic()
    with pytest.raises(DatabaseConnectionError) as info:
        create_connection(url, connect_timeout=3)
    assert time.monotonic() - start < 8
    assert info.value.retryable
    assert ":1/" in str(info.value)


def test_connect_errors_mask_the_password() -> None:
    with pytest.raises(DatabaseConnectionError) as info:
        create_connection("postgresql://postgres:hunter2@127.0.0.1:1/test", connect_timeout=2)
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(info.value.to_dict())
    assert info.value.context.url == "postgresql://postgres:***@127.0.0.1:1/test"


def test_wrap_connection_and_get_dialect_on_raw_and_wrapped_connections() -> None:
    raw = sqlite3.connect(":memory:")
    wrapped = wrap_connection(raw)
    assert wrapped.raw is raw
    assert wrap_connection(wrapped) is wrapped
    assert get_dialect(raw).name == "sqlite"
    assert get_dialect(wrapped).name == "sqlite"
    assert wrapped.info.url == "<wrapped sqlite>"
    with pytest.raises(InvalidConfigError):
        wrap_connection(object())

    class Stand_in:  # noqa: N801 - a stand-in driver connection
        def close(self) -> None:
            pass

    with wrap_connection(Stand_in(), "postgres") as fake:
        assert fake.dialect.name == "postgresql"
    wrapped.close()


def test_importing_spine_db_imports_no_driver() -> None:
    code = (
        "import sys, spine.db, spine.db.adapters, spine.db.testing, spine.db.pool\n"
        "bad = [m for m in ('psycopg', 'psycopg_pool', 'mysql', 'mysql.connector', 'oracledb',"
        " 'ibm_db', 'ibm_db_dbi') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "import spine.db as d; assert 'pydantic' in sys.modules; assert d.__all__\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_importing_spine_db_imports_no_pydantic() -> None:
    code = (
        "import sys, spine.db\n"
        "from spine.db import BaseRepository, CORE_TABLES, Database, create_connection, "
        "run_migrations\n"
        "assert 'pydantic' not in sys.modules\n"
        "assert 'spine.db.config' not in sys.modules and 'spine.db.adapters' not in sys.modules\n"
        "from spine.db import DatabaseConfig, get_adapter\n"
        "assert 'pydantic' in sys.modules\n"
        "assert DatabaseConfig.__module__ == 'spine.db.config'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_lazy_root_names_are_listed_by_dir_and_resolve_to_their_module_objects() -> None:
    import spine.db
    import spine.db.transaction
    from spine.db.config import DatabaseConfig
    from spine.db.transaction import transaction

    assert set(spine.db.__all__) <= set(dir(spine.db))
    assert spine.db.DatabaseConfig is DatabaseConfig
    # a submodule and an exported function share the name: the root keeps the function
    assert spine.db.transaction is transaction
    with pytest.raises(AttributeError):
        _ = spine.db.no_such_name


def test_every_public_name_is_importable_from_the_root() -> None:
    import spine.db

    for name in spine.db.__all__:
        assert getattr(spine.db, name) is not None
    assert sorted(spine.db.__all__) == sorted(set(spine.db.__all__))


def test_driver_glue_names_its_extra() -> None:
    assert get_driver("postgres").extra == "postgres"
    assert get_driver("mariadb").extra == "mysql"
    assert get_driver("oracle").module_name == "oracledb"
    assert get_driver("db2").module_name == "ibm_db_dbi"
