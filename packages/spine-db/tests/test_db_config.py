from __future__ import annotations

import pytest
from pydantic import SecretStr
from pydantic import ValidationError as PydanticValidationError

from spine.db import (
    AdapterRegistry,
    DatabaseAdapter,
    DatabaseConfig,
    DatabaseType,
    DB2Adapter,
    MySQLAdapter,
    OracleAdapter,
    PostgreSQLAdapter,
    SQLiteAdapter,
    adapter_registry,
    get_adapter,
)
from spine.types import DatabaseConnectionError, InvalidConfigError, MissingConfigError


def test_from_url_and_back() -> None:
    cfg = DatabaseConfig.from_url(
        "postgresql://app:s3cret@db.internal:5433/prod?sslmode=require&connect_timeout=4"
    )
    assert cfg.type is DatabaseType.POSTGRESQL
    assert (cfg.host, cfg.port, cfg.database, cfg.username) == ("db.internal", 5433, "prod", "app")
    assert cfg.options == {"connect_timeout": "4"}
    assert cfg.query == {"sslmode": "require"}
    assert cfg.to_url() == "postgresql://app:s3cret@db.internal:5433/prod?sslmode=require"
    assert cfg.safe_url() == "postgresql://app:***@db.internal:5433/prod?sslmode=require"


def test_password_never_shows_in_repr_str_or_dump() -> None:
    cfg = DatabaseConfig(type="postgres", host="h", username="u", password=SecretStr("hunter2"))
    for text in (repr(cfg), str(cfg), str(cfg.model_dump()), cfg.model_dump_json()):
        assert "hunter2" not in text
    assert cfg.resolved_password() == "hunter2"


def test_secret_references_are_resolved_only_when_building_the_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPINE_TEST_DB_PW", "p@ss/word")
    cfg = DatabaseConfig(
        type="mysql", host="h", username="root", password="secret:env:SPINE_TEST_DB_PW"
    )
    assert "p@ss" not in repr(cfg)
    assert cfg.to_url() == "mysql://root:p%40ss%2Fword@h:3306/"
    assert cfg.safe_url() == "mysql://root:***@h:3306/"
    monkeypatch.delenv("SPINE_TEST_DB_PW")
    with pytest.raises(MissingConfigError):
        cfg.to_url()


def test_type_aliases_and_validation() -> None:
    assert DatabaseConfig(type="mariadb").type is DatabaseType.MYSQL
    assert DatabaseType.parse("ibm_db") is DatabaseType.DB2
    with pytest.raises(PydanticValidationError):
        DatabaseConfig(type="oracle", host="h")  # no service
    with pytest.raises(PydanticValidationError):
        DatabaseConfig(type="postgresql", path="/x.db")
    with pytest.raises(PydanticValidationError):
        DatabaseConfig(type="postgresql", port=70000)
    with pytest.raises(PydanticValidationError):
        DatabaseConfig(type="sqlite", unknown_field=1)  # type: ignore[call-arg]
    with pytest.raises((PydanticValidationError, InvalidConfigError)):
        DatabaseConfig(type="mssql")


def test_sqlite_config_urls() -> None:
    assert DatabaseConfig().to_url() == "sqlite:///:memory:"
    assert DatabaseConfig(path="/tmp/x.db").to_url() == "sqlite:////tmp/x.db"
    assert DatabaseConfig.from_url("./local.db").path == "./local.db"


def test_registry_maps_every_type_to_its_adapter() -> None:
    assert adapter_registry.get("sqlite") is SQLiteAdapter
    assert adapter_registry.get(DatabaseType.POSTGRESQL) is PostgreSQLAdapter
    assert adapter_registry.get("mariadb") is MySQLAdapter
    assert adapter_registry.get("oracle") is OracleAdapter
    assert adapter_registry.get("db2") is DB2Adapter
    assert set(adapter_registry.types()) == set(DatabaseType)
    empty = AdapterRegistry()
    with pytest.raises(InvalidConfigError):
        empty.get("sqlite")

    class CustomSQLite(SQLiteAdapter):
        pass

    empty.register("sqlite", CustomSQLite)
    assert isinstance(empty.create(DatabaseConfig()), CustomSQLite)


@pytest.mark.parametrize(
    ("arg", "cls"),
    [
        ("sqlite", SQLiteAdapter),
        ("memory", SQLiteAdapter),
        ("./x.db", SQLiteAdapter),
        (DatabaseType.MYSQL, MySQLAdapter),
        ("postgresql://u@h/db", PostgreSQLAdapter),
        (DatabaseConfig(type="oracle", host="h", database="svc"), OracleAdapter),
    ],
)
def test_get_adapter_accepts_configs_types_urls_and_paths(arg: object, cls: type) -> None:
    adapter = get_adapter(arg)  # type: ignore[arg-type]
    assert type(adapter) is cls
    assert not adapter.is_connected


def test_sqlite_adapter_round_trip() -> None:
    with get_adapter("sqlite") as db:
        assert isinstance(db, DatabaseAdapter)
        assert db.is_connected
        assert db.dialect.name == "sqlite"
        db.execute("CREATE TABLE t (id INTEGER, Name TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
        db.commit()

        def failing_block() -> None:
            with db.transaction() as conn:
                conn.execute("INSERT INTO t VALUES (3, 'c')")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            failing_block()
        assert db.query("SELECT id, Name FROM t ORDER BY id") == [
            {"id": 1, "name": "a"},
            {"id": 2, "name": "b"},
        ]
        assert db.query_one("SELECT COUNT(*) AS n FROM t") == {"n": 2}
        assert db.table_exists("t")
        assert db.health_check()
        assert db.info is not None
        assert db.get_connection() is db.connection
    assert not db.is_connected
    with pytest.raises(DatabaseConnectionError):
        _ = db.connection


def test_adapter_refuses_a_config_of_another_type() -> None:
    with pytest.raises(InvalidConfigError):
        PostgreSQLAdapter(DatabaseConfig(type="sqlite"))


def test_health_check_is_false_for_an_unreachable_server() -> None:
    adapter = get_adapter("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)
    with pytest.raises(DatabaseConnectionError):
        adapter.connect()
    assert adapter.health_check() is False
    assert "postgresql://postgres@127.0.0.1:1/test" in repr(adapter)
