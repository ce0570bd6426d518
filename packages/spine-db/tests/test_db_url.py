from __future__ import annotations

import pytest

from spine.db import mask_url, parse_url
from spine.types import InvalidConfigError


@pytest.mark.parametrize(
    "url", [None, "memory", ":memory:", "sqlite://", "sqlite:///", "sqlite:///:memory:"]
)
def test_memory_forms_parse_to_in_memory_sqlite(url: str | None) -> None:
    parsed = parse_url(url)
    assert parsed.backend == "sqlite"
    assert parsed.is_memory


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///rel/file.db", "rel/file.db"),
        ("sqlite:////abs/file.db", "/abs/file.db"),
        ("./file.db", "./file.db"),
        ("/abs/file.db", "/abs/file.db"),
        ("data.sqlite3", "data.sqlite3"),
        ("../up/x.db", "../up/x.db"),
    ],
)
def test_sqlite_paths(url: str, path: str) -> None:
    parsed = parse_url(url)
    assert (parsed.backend, parsed.database) == ("sqlite", path)


@pytest.mark.parametrize(
    ("url", "backend", "host", "port", "database", "user"),
    [
        ("postgresql://u:p@h:5433/db", "postgresql", "h", 5433, "db", "u"),
        ("postgres://u@h/db", "postgresql", "h", 5432, "db", "u"),
        ("postgresql+psycopg://u@h/db", "postgresql", "h", 5432, "db", "u"),
        ("mysql://root@127.0.0.1:3306/test", "mysql", "127.0.0.1", 3306, "test", "root"),
        ("mariadb://root@db/test", "mysql", "db", 3306, "test", "root"),
        ("oracle://u:p@h:1521/FREEPDB1", "oracle", "h", 1521, "FREEPDB1", "u"),
        ("oracle://u:p@h/FREEPDB1", "oracle", "h", 1521, "FREEPDB1", "u"),
        ("db2://u:p@h:50000/testdb", "db2", "h", 50000, "testdb", "u"),
    ],
)
def test_server_urls(
    url: str, backend: str, host: str, port: int, database: str, user: str
) -> None:
    parsed = parse_url(url)
    assert (parsed.backend, parsed.host, parsed.port, parsed.database, parsed.username) == (
        backend,
        host,
        port,
        database,
        user,
    )


def test_percent_encoded_credentials_are_decoded_and_masked_in_repr() -> None:
    parsed = parse_url("postgresql://app%40corp:p%40ss%3Aw@h/db")
    assert parsed.username == "app@corp"
    assert parsed.password == "p@ss:w"
    assert "p@ss" not in repr(parsed)
    assert parsed.masked() == "postgresql://app%40corp:***@h:5432/db"
    assert str(parsed) == parsed.masked()


def test_query_parameters_are_kept() -> None:
    parsed = parse_url("postgresql://u@h/db?sslmode=require&connect_timeout=3")
    assert parsed.query_dict == {"sslmode": "require", "connect_timeout": "3"}
    assert parsed.masked().endswith("?sslmode=require&connect_timeout=3")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "foo",
        "localhost:5432",
        "mongodb://h/db",
        "postgresql://h:notaport/db",
        "oracle://u:p@/svc",
        "oracle://u:p@h",
        "db2://u:p@h:50000",
        "sqlite:relative.db",
        "postgresql://h/a/b",
    ],
)
def test_malformed_or_unknown_urls_raise_invalid_config(url: str) -> None:
    with pytest.raises(InvalidConfigError):
        parse_url(url)


def test_errors_never_show_the_password() -> None:
    with pytest.raises(InvalidConfigError) as info:
        parse_url("mongodb://u:topsecret@h/db")
    assert "topsecret" not in str(info.value)
    with pytest.raises(InvalidConfigError) as info:
        parse_url("postgresql://u:topsecret@h:99999999/db")
    assert "topsecret" not in str(info.value)


def test_mask_url() -> None:
    assert mask_url("mysql://root:hunter2@h:3306/t") == "mysql://root:***@h:3306/t"
    assert mask_url("mysql://root@h/t") == "mysql://root@h/t"
    assert mask_url(None) == "sqlite:///:memory:"


def test_render_round_trips_with_password_when_asked() -> None:
    parsed = parse_url("postgresql://u:p%2Fw@h:5432/db")
    assert parse_url(parsed.render(mask=False)).password == "p/w"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://", "postgresql needs host and database"),
        ("postgresql://h", "postgresql needs host and database"),
        ("mysql:///", "mysql needs host and database"),
        ("mariadb://root@h/", "mysql needs host and database"),
        ("oracle://u@h/svc?stmtcachesize=5", "unknown query option 'stmtcachesize' for oracle"),
        ("db2://u:p@h/d?NOSUCH=1", "unknown query option 'NOSUCH' for db2"),
        ("mysql://h/d?isolation_level=x&ISOLATION_LEVEL=y", "unknown query option"),
        ("postgresql://h/d?keepalives_idle=-1", r"keepalives_idle='-1' must be >= 0"),
        ("sqlite:///x.db?journal_mode=wal&foo=1", "unknown query option 'foo' for sqlite"),
        ("postgresql://u:%@h/d", "invalid percent escape in the password"),
        ("postgresql://%zz@h/d", "invalid percent escape '%zz' in the user name"),
        ("postgresql://h/d\r", "control character"),
        ("./file\x01.db", "control character"),
        ("postgresql://h:99999/d", "invalid port"),
    ],
)
def test_every_url_defect_is_an_invalid_config_error_naming_the_part(url: str, says: str) -> None:
    with pytest.raises(InvalidConfigError, match=says):
        parse_url(url)


def test_db2_query_options_are_cli_keywords_in_any_case_without_spine_options() -> None:
    from spine.db.drivers.db2 import db2_connection_string

    url = parse_url("db2://u:p@h/d?security=SSL&connect_timeout=3&schema=app")
    text = db2_connection_string(url, 5)
    assert "SECURITY=SSL;" in text
    assert "CONNECT_TIMEOUT" not in text
    assert "SCHEMA=" not in text


def test_postgresql_sockets_name_host_and_database_as_query_options() -> None:
    parsed = parse_url("postgresql:///?host=/run/postgresql&dbname=app")
    assert parsed.host is None
    assert parsed.query_dict == {"host": "/run/postgresql", "dbname": "app"}
