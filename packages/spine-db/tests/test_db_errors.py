"""Driver exception -> spine error translation, per driver (fake exceptions, no server)."""

from __future__ import annotations

import pytest

from spine.db.drivers import ErrorKind, get_driver
from spine.db.errors import MAX_SQL_IN_CONTEXT, translate_error
from spine.types import (
    DatabaseConnectionError,
    DatabaseError,
    IntegrityError,
    QueryError,
    TransientError,
)


def _mysql_error(errno: int, sqlstate: str | None = None) -> BaseException:
    import mysql.connector.errors as e

    return e.DatabaseError(msg="boom", errno=errno, sqlstate=sqlstate)


@pytest.mark.parametrize(
    ("errno", "kind"),
    [
        (1062, ErrorKind.INTEGRITY),
        (1452, ErrorKind.INTEGRITY),
        (1048, ErrorKind.INTEGRITY),
        (1064, ErrorKind.QUERY),
        (1146, ErrorKind.QUERY),
        (1054, ErrorKind.QUERY),
        (1213, ErrorKind.TRANSIENT),
        (1205, ErrorKind.TRANSIENT),
        (2003, ErrorKind.CONNECTION),
        (2013, ErrorKind.CONNECTION),
        (2006, ErrorKind.CONNECTION),
        (1045, ErrorKind.AUTH),
        (1049, ErrorKind.AUTH),
        (9999, ErrorKind.OTHER),
        (1264, ErrorKind.VALUE),
        (1690, ErrorKind.VALUE),
    ],
)
def test_mysql_errno_classification(errno: int, kind: ErrorKind) -> None:
    assert get_driver("mysql").classify(_mysql_error(errno)) is kind


def test_mysql_falls_back_to_sqlstate() -> None:
    assert get_driver("mysql").classify(_mysql_error(9999, "23000")) is ErrorKind.INTEGRITY
    assert get_driver("mysql").classify(_mysql_error(9999, "42S02")) is ErrorKind.QUERY


class _OraErr:
    def __init__(self, full_code: str) -> None:
        self.full_code = full_code
        self.code = int(full_code[4:]) if full_code[4:].isdigit() else 0

    def __str__(self) -> str:
        return f"{self.full_code}: message"


def _oracle_error(code: str, cls: str = "DatabaseError") -> BaseException:
    import oracledb

    exc_type: type[BaseException] = getattr(oracledb, cls)
    return exc_type(_OraErr(code))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("ORA-00001", ErrorKind.INTEGRITY),
        ("ORA-02291", ErrorKind.INTEGRITY),
        ("ORA-01400", ErrorKind.INTEGRITY),
        ("ORA-00942", ErrorKind.QUERY),
        ("ORA-00904", ErrorKind.QUERY),
        ("ORA-00933", ErrorKind.QUERY),
        ("ORA-06550", ErrorKind.QUERY),
        ("ORA-00060", ErrorKind.TRANSIENT),
        ("ORA-00054", ErrorKind.TRANSIENT),
        ("ORA-03113", ErrorKind.CONNECTION),
        ("DPY-6005", ErrorKind.CONNECTION),
        ("DPY-4011", ErrorKind.CONNECTION),
        ("ORA-01017", ErrorKind.AUTH),
        ("ORA-99999", ErrorKind.OTHER),
        ("ORA-01438", ErrorKind.VALUE),
        ("ORA-01426", ErrorKind.VALUE),
    ],
)
def test_oracle_code_classification(code: str, kind: ErrorKind) -> None:
    assert get_driver("oracle").classify(_oracle_error(code)) is kind


def test_oracle_falls_back_to_the_dbapi_class() -> None:
    drv = get_driver("oracle")
    assert drv.classify(_oracle_error("ORA-99999", "IntegrityError")) is ErrorKind.INTEGRITY
    assert drv.classify(_oracle_error("ORA-99999", "ProgrammingError")) is ErrorKind.QUERY
    assert drv.classify(_oracle_error("ORA-99999", "OperationalError")) is ErrorKind.CONNECTION


def _db2_error(sqlstate: str, cls: str = "DatabaseError") -> BaseException:
    import ibm_db_dbi

    exc_type: type[BaseException] = getattr(ibm_db_dbi, cls)
    return exc_type(f"ibm_db_dbi::{cls}: [IBM][CLI Driver][DB2/LINUXX8664] SQL0803N ... "
                    f"SQLSTATE={sqlstate} SQLCODE=-803")  # fmt: skip


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        ("23505", ErrorKind.INTEGRITY),
        ("23503", ErrorKind.INTEGRITY),
        ("42601", ErrorKind.QUERY),
        ("42704", ErrorKind.QUERY),
        ("22007", ErrorKind.QUERY),
        ("40001", ErrorKind.TRANSIENT),
        ("57033", ErrorKind.TRANSIENT),
        ("08001", ErrorKind.CONNECTION),
        ("28000", ErrorKind.AUTH),
        ("08004", ErrorKind.AUTH),
        ("22003", ErrorKind.VALUE),
    ],
)
def test_db2_sqlstate_classification(state: str, kind: ErrorKind) -> None:
    drv = get_driver("db2")
    exc = _db2_error(state)
    assert drv.classify(exc) is kind
    assert drv.sqlstate(exc) == state


def _pg_error(sqlstate: str) -> BaseException:
    import psycopg

    exc = psycopg.errors.lookup(sqlstate)("boom")
    return exc


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        ("23505", ErrorKind.INTEGRITY),
        ("23503", ErrorKind.INTEGRITY),
        ("23502", ErrorKind.INTEGRITY),
        ("42601", ErrorKind.QUERY),
        ("42P01", ErrorKind.QUERY),
        ("22P02", ErrorKind.QUERY),
        ("40001", ErrorKind.TRANSIENT),
        ("40P01", ErrorKind.TRANSIENT),
        ("55P03", ErrorKind.TRANSIENT),
        ("57P01", ErrorKind.CONNECTION),
        ("08006", ErrorKind.CONNECTION),
        ("28P01", ErrorKind.AUTH),
        ("3D000", ErrorKind.AUTH),
    ],
)
def test_postgresql_sqlstate_classification(state: str, kind: ErrorKind) -> None:
    assert get_driver("postgresql").classify(_pg_error(state)) is kind


def test_postgresql_errors_without_sqlstate() -> None:
    import psycopg

    drv = get_driver("postgresql")
    assert drv.classify(psycopg.OperationalError("connection refused")) is ErrorKind.CONNECTION
    assert (
        drv.classify(psycopg.OperationalError("password authentication failed for user"))
        is ErrorKind.AUTH
    )
    assert drv.classify(psycopg.ProgrammingError("2 placeholders")) is ErrorKind.QUERY
    assert drv.classify(psycopg.InterfaceError("closed")) is ErrorKind.CONNECTION


@pytest.mark.parametrize(
    ("kind", "expected", "retryable"),
    [
        (ErrorKind.CONNECTION, DatabaseConnectionError, True),
        (ErrorKind.AUTH, DatabaseConnectionError, False),
        (ErrorKind.INTEGRITY, IntegrityError, False),
        (ErrorKind.QUERY, QueryError, False),
        (ErrorKind.TRANSIENT, DatabaseError, True),
        (ErrorKind.OTHER, DatabaseError, False),
    ],
)
def test_kinds_map_to_typed_errors(
    monkeypatch: pytest.MonkeyPatch, kind: ErrorKind, expected: type, retryable: bool
) -> None:
    drv = get_driver("sqlite")
    monkeypatch.setattr(type(drv), "classify", lambda self, exc: kind)
    err = translate_error(RuntimeError("driver says no\nDETAIL: Key (id)=(42)"), drv, "SELECT 1")
    assert type(err) is expected
    assert err.retryable is retryable
    assert str(err) == "sqlite: driver says no"
    assert err.context.metadata["sql"] == "SELECT 1"
    assert isinstance(err.cause, RuntimeError)
    if kind is ErrorKind.CONNECTION:
        assert isinstance(err, TransientError)


def test_long_sql_is_truncated_in_the_context() -> None:
    import sqlite3

    err = translate_error(sqlite3.OperationalError("x"), get_driver("sqlite"), "S" * 5000)
    assert len(err.context.metadata["sql"]) == MAX_SQL_IN_CONTEXT + 1


def test_spine_errors_pass_through_unchanged() -> None:
    original = QueryError("already typed")
    assert translate_error(original, get_driver("sqlite")) is original


def test_detail_lines_with_values_are_not_in_the_message() -> None:
    import psycopg

    exc = psycopg.errors.UniqueViolation("duplicate key\nDETAIL: Key (id)=(secret) exists.")
    err = translate_error(exc, get_driver("postgresql"), "INSERT ...")
    assert str(err) == "postgresql: duplicate key"
    assert isinstance(err, IntegrityError)


def test_value_errors_become_validation_errors_naming_the_fix() -> None:
    from spine.types import ValidationError

    sqlite = get_driver("sqlite")
    try:
        "a\ud800".encode()
    except UnicodeEncodeError as exc:
        err = translate_error(exc, sqlite, "INSERT", action="execute")
    assert isinstance(err, ValidationError)
    assert "lone surrogate" in str(err)
    assert "errors='replace'" in str(err)
    assert err.context.metadata["sql"] == "INSERT"
    err = translate_error(OverflowError("too large"), sqlite)
    assert isinstance(err, ValidationError)
    assert "DECIMAL" in str(err)
    wrapped = RuntimeError("Failed processing; surrogates not allowed")
    assert isinstance(translate_error(wrapped, get_driver("mysql")), ValidationError)
