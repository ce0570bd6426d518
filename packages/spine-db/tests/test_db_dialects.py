"""What each dialect renders: placeholders, paging, locking, upserts, literals, encodings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from spine.db import get_dialect
from spine.db.dialects import DIALECT_NAMES, Dialect, all_dialects
from spine.db.schema import CORE_TABLES, ID, INT, JSON, STR, TS
from spine.types import InvalidConfigError, ValidationError

AWARE = datetime(2025, 12, 26, 13, 45, 30, 123456, tzinfo=UTC)


def test_get_dialect_accepts_names_aliases_and_dialects() -> None:
    assert get_dialect("postgres").name == "postgresql"
    assert get_dialect("PostgreSQL").name == "postgresql"
    assert get_dialect("mariadb").name == "mysql"
    assert get_dialect("sqlite3").name == "sqlite"
    d = get_dialect("oracle")
    assert get_dialect(d) is d
    assert [d.name for d in all_dialects()] == list(DIALECT_NAMES)
    assert DIALECT_NAMES == ("sqlite", "postgresql", "mysql", "oracle", "db2")


def test_get_dialect_infers_raw_driver_connections_without_importing_drivers() -> None:
    import sqlite3

    raw = sqlite3.connect(":memory:")
    try:
        assert get_dialect(raw).name == "sqlite"
    finally:
        raw.close()

    class FakeOracle:
        pass

    FakeOracle.__module__ = "oracledb.connection"
    assert get_dialect(FakeOracle()).name == "oracle"
    FakeOracle.__module__ = "ibm_db_dbi"
    assert get_dialect(FakeOracle()).name == "db2"
    FakeOracle.__module__ = "psycopg._connection"
    assert get_dialect(FakeOracle()).name == "postgresql"
    FakeOracle.__module__ = "mysql.connector.connection_cext"
    assert get_dialect(FakeOracle()).name == "mysql"


def test_get_dialect_rejects_unknown_names_and_objects() -> None:
    with pytest.raises(InvalidConfigError):
        get_dialect("mssql")
    with pytest.raises(InvalidConfigError):
        get_dialect(object())


@pytest.mark.parametrize(
    ("name", "one", "three", "from_two"),
    [
        ("sqlite", "?", "?, ?, ?", "?, ?"),
        ("postgresql", "%s", "%s, %s, %s", "%s, %s"),
        ("mysql", "%s", "%s, %s, %s", "%s, %s"),
        ("oracle", ":1", ":1, :2, :3", ":3, :4"),
        ("db2", "?", "?, ?, ?", "?, ?"),
    ],
)
def test_placeholders(name: str, one: str, three: str, from_two: str) -> None:
    d = get_dialect(name)
    assert d.placeholder() == one
    assert d.placeholders(3) == three
    assert d.placeholders(2, start=2) == from_two
    assert d.placeholders(0) == ""
    with pytest.raises(ValidationError):
        d.placeholders(-1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sqlite", "strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')"),
        ("postgresql", "NOW()"),
        ("mysql", "UTC_TIMESTAMP(6)"),
        ("oracle", "SYS_EXTRACT_UTC(SYSTIMESTAMP)"),
        ("db2", "(CURRENT TIMESTAMP - CURRENT TIMEZONE)"),
    ],
)
def test_now(name: str, expected: str) -> None:
    assert get_dialect(name).now() == expected


@pytest.mark.parametrize(
    ("name", "page", "first", "offset_only"),
    [
        ("sqlite", "LIMIT 10 OFFSET 20", "LIMIT 5", "LIMIT -1 OFFSET 7"),
        ("postgresql", "LIMIT 10 OFFSET 20", "LIMIT 5", "OFFSET 7"),
        ("mysql", "LIMIT 10 OFFSET 20", "LIMIT 5", "LIMIT 18446744073709551615 OFFSET 7"),
        (
            "oracle",
            "OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY",
            "OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY",
            "OFFSET 7 ROWS",
        ),
        (
            "db2",
            "OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY",
            "OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY",
            "OFFSET 7 ROWS",
        ),
    ],
)
def test_limit_offset(name: str, page: str, first: str, offset_only: str) -> None:
    d = get_dialect(name)
    assert d.limit_offset(10, 20) == page
    assert d.limit_offset(5) == first
    assert d.limit_offset(None, 7) == offset_only
    assert d.limit_offset(None) == ""


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
@pytest.mark.parametrize("bad", [-1, 1.5, "10", True, "1; DROP TABLE t"])
def test_limit_offset_refuses_non_counts(dialect: Dialect, bad: Any) -> None:
    with pytest.raises(ValidationError):
        dialect.limit_offset(bad)
    with pytest.raises(ValidationError):
        dialect.limit_offset(1, bad)


@pytest.mark.parametrize(
    ("name", "clause", "supported"),
    [
        ("sqlite", "", False),
        ("postgresql", "FOR UPDATE SKIP LOCKED", True),
        ("mysql", "FOR UPDATE SKIP LOCKED", True),
        ("oracle", "FOR UPDATE SKIP LOCKED", True),
        ("db2", "FOR UPDATE SKIP LOCKED DATA", True),
    ],
)
def test_skip_locked(name: str, clause: str, supported: bool) -> None:
    d = get_dialect(name)
    assert d.for_update_skip_locked() == clause
    assert d.supports_skip_locked is supported


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sqlite", "SELECT id FROM core_work_items WHERE status = ? ORDER BY priority LIMIT 3"),
        (
            "postgresql",
            "SELECT id FROM core_work_items WHERE status = ? ORDER BY priority LIMIT 3 "
            "FOR UPDATE SKIP LOCKED",
        ),
        (
            "mysql",
            "SELECT id FROM core_work_items WHERE status = ? ORDER BY priority LIMIT 3 "
            "FOR UPDATE SKIP LOCKED",
        ),
        (
            "oracle",
            "SELECT id FROM core_work_items WHERE status = ? ORDER BY priority "
            "FOR UPDATE SKIP LOCKED",
        ),
        (
            "db2",
            "SELECT id FROM core_work_items WHERE status = ? ORDER BY priority "
            "FETCH FIRST 3 ROWS ONLY FOR UPDATE SKIP LOCKED DATA",
        ),
    ],
)
def test_select_for_claim(name: str, expected: str) -> None:
    d = get_dialect(name)
    sql = d.select_for_claim("core_work_items", ["id"], "status = ?", "priority", 3)
    assert sql == expected


@pytest.mark.parametrize(
    ("name", "update", "nothing"),
    [
        (
            "sqlite",
            "INSERT INTO t (k, j, v) VALUES (?, ?, ?) ON CONFLICT (k, j) "
            "DO UPDATE SET v = excluded.v",
            "INSERT INTO t (k, j, v) VALUES (?, ?, ?) ON CONFLICT (k, j) DO NOTHING",
        ),
        (
            "postgresql",
            "INSERT INTO t (k, j, v) VALUES (%s, %s, %s) ON CONFLICT (k, j) "
            "DO UPDATE SET v = excluded.v",
            "INSERT INTO t (k, j, v) VALUES (%s, %s, %s) ON CONFLICT (k, j) DO NOTHING",
        ),
        (
            "mysql",
            "INSERT INTO t (k, j, v) VALUES (%s, %s, %s) ON DUPLICATE KEY UPDATE v = VALUES(v)",
            "INSERT INTO t (k, j, v) VALUES (%s, %s, %s) ON DUPLICATE KEY UPDATE k = k",
        ),
        (
            "oracle",
            "MERGE INTO t tgt USING (SELECT :1 AS k, :2 AS j, :3 AS v FROM dual) src "
            "ON (tgt.k = src.k AND tgt.j = src.j) WHEN MATCHED THEN UPDATE SET tgt.v = src.v "
            "WHEN NOT MATCHED THEN INSERT (k, j, v) VALUES (src.k, src.j, src.v)",
            "MERGE INTO t tgt USING (SELECT :1 AS k, :2 AS j, :3 AS v FROM dual) src "
            "ON (tgt.k = src.k AND tgt.j = src.j) "
            "WHEN NOT MATCHED THEN INSERT (k, j, v) VALUES (src.k, src.j, src.v)",
        ),
        (
            "db2",
            "MERGE INTO t AS tgt USING (VALUES (?, ?, ?)) AS src (k, j, v) "
            "ON tgt.k = src.k AND tgt.j = src.j WHEN MATCHED THEN UPDATE SET v = src.v "
            "WHEN NOT MATCHED THEN INSERT (k, j, v) VALUES (src.k, src.j, src.v)",
            "MERGE INTO t AS tgt USING (VALUES (?, ?, ?)) AS src (k, j, v) "
            "ON tgt.k = src.k AND tgt.j = src.j "
            "WHEN NOT MATCHED THEN INSERT (k, j, v) VALUES (src.k, src.j, src.v)",
        ),
    ],
)
def test_upsert_update_and_do_nothing(name: str, update: str, nothing: str) -> None:
    d = get_dialect(name)
    assert d.upsert("t", ["k", "j", "v"], ["k", "j"]) == update
    assert d.upsert("t", ["k", "j", "v"], ["k", "j"], update_columns=["v"]) == update
    assert d.upsert("t", ["k", "j", "v"], ["k", "j"], update_columns=[]) == nothing
    # only conflict columns: nothing to update
    assert "UPDATE SET" not in d.upsert("t", ["k"], ["k"]).replace("ON DUPLICATE KEY", "")


def test_db2_upsert_casts_markers_when_types_are_known() -> None:
    sql = get_dialect("db2").upsert(
        "t", ["k", "n", "doc", "ts"], ["k"], column_types={"k": ID, "n": INT, "doc": JSON, "TS": TS}
    )
    assert (
        "USING (VALUES (CAST(? AS VARCHAR(64)), CAST(? AS INTEGER), CAST(? AS CLOB(1G)), "
        "CAST(? AS TIMESTAMP(6)))) AS src (k, n, doc, ts)" in sql
    )


def test_db2_upsert_accepts_catalog_type_strings_and_refuses_anything_else() -> None:
    d = get_dialect("db2")
    sql = d.upsert("t", ["k", "n"], ["k"], column_types={"k": "VARCHAR(20)", "n": "DECIMAL(12, 2)"})
    assert "VALUES (CAST(? AS VARCHAR(20)), CAST(? AS DECIMAL(12, 2)))" in sql
    with pytest.raises(ValidationError):
        d.upsert("t", ["k"], ["k"], column_types={"k": "INT); DROP TABLE t; --"})


def test_oracle_upsert_wraps_lob_binds_when_types_are_known() -> None:
    d = get_dialect("oracle")
    sql = d.upsert("t", ["k", "doc"], ["k"], column_types={"doc": JSON})
    assert "USING (SELECT :1 AS k, TO_CLOB(:2) AS doc FROM dual) src" in sql
    sql = d.upsert("t", ["k", "doc"], ["k"], column_types={"k": "VARCHAR2", "doc": "CLOB"})
    assert "USING (SELECT :1 AS k, TO_CLOB(:2) AS doc FROM dual) src" in sql
    assert d.upsert_needs_types
    assert "all_tab_columns" in d.column_types_sql("t")[0]
    assert not get_dialect("postgresql").upsert_needs_types
    with pytest.raises(NotImplementedError):
        get_dialect("sqlite").column_types_sql("t")


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
def test_upsert_validates_its_column_lists(dialect: Dialect) -> None:
    with pytest.raises(ValidationError):
        dialect.upsert("t", [], ["k"])
    with pytest.raises(ValidationError):
        dialect.upsert("t", ["k"], [])
    with pytest.raises(ValidationError):
        dialect.upsert("t", ["k", "v"], ["missing"])
    with pytest.raises(ValidationError):
        dialect.upsert("t", ["k", "v"], ["k"], update_columns=["missing"])


@pytest.mark.parametrize(
    ("name", "reserved", "plain", "underscore"),
    [
        ("sqlite", '"order"', "domain", "_migrations"),
        ("postgresql", '"user"', "domain", "_migrations"),
        ("mysql", "`key`", "domain", "_migrations"),
        ("oracle", '"LEVEL"', "domain", '"_MIGRATIONS"'),
        ("db2", '"VALUE"', "domain", '"_MIGRATIONS"'),
    ],
)
def test_quote_only_what_needs_quoting_in_the_folded_case(
    name: str, reserved: str, plain: str, underscore: str
) -> None:
    d = get_dialect(name)
    word = reserved.strip('"`').lower()
    assert d.quote(word) == reserved
    assert d.quote("domain") == plain
    assert d.quote("_migrations") == underscore
    assert d.quote(f"s.{word}") == f"s.{reserved}"


def test_db2_quotes_advisory_words_in_upper_case() -> None:
    d = get_dialect("db2")
    assert d.quote("source") == '"SOURCE"'
    assert d.quote("position") == '"POSITION"'
    assert not d.is_reserved("source")


@pytest.mark.parametrize(
    ("name", "true", "false", "bound_true"),
    [
        ("sqlite", "1", "0", 1),
        ("postgresql", "TRUE", "FALSE", True),
        ("mysql", "1", "0", 1),
        ("oracle", "1", "0", 1),
        ("db2", "1", "0", 1),
    ],
)
def test_booleans(name: str, true: str, false: str, bound_true: Any) -> None:
    d = get_dialect(name)
    assert d.bool_literal(True) == true
    assert d.bool_literal(False) == false
    assert d.encode_bool(True) == bound_true
    assert d.encode_bool(None) is None
    for stored in (True, 1, "1", "t", "true", Decimal(1)):
        assert d.decode_bool(stored) is True
    for stored in (False, 0, "0", "f", "false", Decimal(0)):
        assert d.decode_bool(stored) is False
    assert d.decode_bool(None) is None
    with pytest.raises(ValidationError):
        d.decode_bool("maybe")


class FakeLob:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
def test_json_is_canonical_and_decodes_every_driver_shape(dialect: Dialect) -> None:
    obj = {"b": [1, 2, {"z": None, "a": True}], "a": "é", "when": date(2025, 1, 2)}
    text = dialect.encode_json(obj)
    assert text == '{"a":"é","b":[1,2,{"a":true,"z":null}],"when":"2025-01-02"}'
    expected = json.loads(text)
    assert dialect.decode_json(text) == expected
    assert dialect.decode_json(text.encode()) == expected
    assert dialect.decode_json(memoryview(text.encode())) == expected
    assert dialect.decode_json(FakeLob(text)) == expected
    assert dialect.decode_json({"already": "decoded"}) == {"already": "decoded"}
    assert dialect.decode_json(None) is None
    with pytest.raises(ValidationError):
        dialect.decode_json("{not json")
    with pytest.raises(ValidationError):
        dialect.encode_json({"x": object()})


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("sqlite", "2025-12-26T13:45:30.123456+00:00"),
        ("postgresql", AWARE),
        ("mysql", AWARE.replace(tzinfo=None)),
        ("oracle", AWARE.replace(tzinfo=None)),
        ("db2", AWARE.replace(tzinfo=None)),
    ],
)
def test_timestamps_encode_to_utc_in_the_driver_shape(name: str, encoded: Any) -> None:
    d = get_dialect(name)
    paris = AWARE.astimezone(timezone(timedelta(hours=1)))
    assert d.encode_timestamp(AWARE) == encoded
    assert d.encode_timestamp(paris) == encoded
    assert d.encode_timestamp(None) is None
    with pytest.raises(ValidationError):
        d.encode_timestamp(datetime(2025, 1, 1))  # naive


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
@pytest.mark.parametrize(
    "stored",
    [
        AWARE,  # PostgreSQL
        AWARE.astimezone(timezone(timedelta(hours=-5))),
        AWARE.replace(tzinfo=None),  # MySQL / Db2 / Oracle: naive UTC
        "2025-12-26T13:45:30.123456+00:00",  # SQLite
        "2025-12-26 13:45:30.123456",
        "2025-12-26T14:45:30.123456+01:00",
        b"2025-12-26T13:45:30.123456Z",
    ],
)
def test_timestamps_decode_every_driver_shape_to_aware_utc(dialect: Dialect, stored: Any) -> None:
    decoded = dialect.decode_timestamp(stored)
    assert decoded == AWARE
    assert decoded is not None
    assert decoded.utcoffset() == timedelta(0)


def test_timestamp_decoding_edge_cases() -> None:
    d = get_dialect("sqlite")
    assert d.decode_timestamp(None) is None
    assert d.decode_timestamp(date(2025, 1, 2)) == datetime(2025, 1, 2, tzinfo=UTC)
    assert d.decode_timestamp(0) == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError):
        d.decode_timestamp("yesterday")
    with pytest.raises(ValidationError):
        d.decode_timestamp(object())


def test_sqlite_now_and_encoded_timestamps_sort_as_text() -> None:
    d = get_dialect("sqlite")
    early = d.encode_timestamp(datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC))
    late = d.encode_timestamp(datetime(2025, 1, 1, 0, 0, 0, 2, tzinfo=UTC))
    assert early < late
    assert len(early) == len("2025-01-01T00:00:00.000000+00:00")


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
def test_encode_value_dispatches_on_type(dialect: Dialect) -> None:
    assert dialect.encode_value(True) == dialect.encode_bool(True)
    assert dialect.encode_value(AWARE) == dialect.encode_timestamp(AWARE)
    assert dialect.encode_value({"a": 1}) == '{"a":1}'
    assert dialect.encode_value("x") == "x"
    assert dialect.encode_value(3) == 3
    row = dialect.encode_row({"ok": False, "doc": [1]})
    assert row == {"ok": dialect.encode_bool(False), "doc": "[1]"}


@pytest.mark.parametrize(
    ("name", "types"),
    [
        ("sqlite", ["VARCHAR(64)", "VARCHAR(7)", "TEXT", "INTEGER", "BIGINT", "REAL", "INTEGER",
                    "TEXT", "TEXT"]),
        ("postgresql", ["VARCHAR(64)", "VARCHAR(7)", "TEXT", "INTEGER", "BIGINT",
                        "DOUBLE PRECISION", "BOOLEAN", "TEXT", "TIMESTAMPTZ"]),
        ("mysql", ["VARCHAR(64)", "VARCHAR(7)", "LONGTEXT", "INT", "BIGINT", "DOUBLE", "BOOLEAN",
                   "LONGTEXT", "DATETIME(6)"]),
        ("oracle", ["VARCHAR2(64 CHAR)", "VARCHAR2(7 CHAR)", "CLOB", "NUMBER(10)", "NUMBER(19)",
                    "BINARY_DOUBLE", "NUMBER(1)", "CLOB", "TIMESTAMP(6) WITH TIME ZONE"]),
        ("db2", ["VARCHAR(64)", "VARCHAR(7)", "CLOB(1G)", "INTEGER", "BIGINT", "DOUBLE",
                 "SMALLINT", "CLOB(1G)", "TIMESTAMP(6)"]),
    ],
)  # fmt: skip
def test_abstract_type_mapping(name: str, types: list[str]) -> None:
    from spine.db.schema import BIGINT, BOOL, FLOAT, TEXT

    d = get_dialect(name)
    abstract = [ID, STR(7), TEXT, INT, BIGINT, FLOAT, BOOL, JSON, TS]
    assert [d.type_sql(t) for t in abstract] == types


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sqlite", "id INTEGER PRIMARY KEY AUTOINCREMENT"),
        ("postgresql", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        ("mysql", "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"),
        ("oracle", "id NUMBER(19) GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        ("db2", "id BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    ],
)
def test_identity_column(name: str, expected: str) -> None:
    assert get_dialect(name).identity_column_sql("id") == expected


@pytest.mark.parametrize(
    ("name", "savepoint", "rollback", "release"),
    [
        ("sqlite", "SAVEPOINT sp", "ROLLBACK TO SAVEPOINT sp", "RELEASE SAVEPOINT sp"),
        ("postgresql", "SAVEPOINT sp", "ROLLBACK TO SAVEPOINT sp", "RELEASE SAVEPOINT sp"),
        ("mysql", "SAVEPOINT sp", "ROLLBACK TO SAVEPOINT sp", "RELEASE SAVEPOINT sp"),
        ("oracle", "SAVEPOINT sp", "ROLLBACK TO SAVEPOINT sp", None),
        (
            "db2",
            "SAVEPOINT sp ON ROLLBACK RETAIN CURSORS",
            "ROLLBACK TO SAVEPOINT sp",
            "RELEASE SAVEPOINT sp",
        ),
    ],
)
def test_savepoints(name: str, savepoint: str, rollback: str, release: str | None) -> None:
    d = get_dialect(name)
    assert d.savepoint_sql("sp") == savepoint
    assert d.rollback_to_savepoint_sql("sp") == rollback
    assert d.release_savepoint_sql("sp") == release


@pytest.mark.parametrize(
    ("name", "sql", "params"),
    [
        (
            "sqlite",
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            ("core_manifest",),
        ),
        (
            "postgresql",
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = %s",
            ("core_manifest",),
        ),
        (
            "mysql",
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = %s",
            ("core_manifest",),
        ),
        (
            "oracle",
            "SELECT 1 FROM all_tables WHERE table_name = :1 "
            "AND owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')",
            ("CORE_MANIFEST",),
        ),
        (
            "db2",
            "SELECT 1 FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TABNAME = ?",
            ("CORE_MANIFEST",),
        ),
    ],
)
def test_table_exists_queries(name: str, sql: str, params: tuple[str, ...]) -> None:
    assert get_dialect(name).table_exists_sql("core_manifest") == (sql, params)


def test_schema_qualified_table_exists_queries() -> None:
    assert get_dialect("oracle").table_exists_sql("app.t")[1] == ("T", "APP")
    assert get_dialect("db2").table_exists_sql("app.t")[1] == ("APP", "T")
    assert get_dialect("postgresql").table_exists_sql("App.T")[1] == ("app", "t")
    assert (
        get_dialect("sqlite")
        .table_exists_sql("aux.t")[0]
        .startswith("SELECT 1 FROM aux.sqlite_master")
    )


@pytest.mark.parametrize(
    ("name", "drop"),
    [
        ("sqlite", "DROP TABLE IF EXISTS core_manifest"),
        ("postgresql", "DROP TABLE IF EXISTS core_manifest"),
        ("mysql", "DROP TABLE IF EXISTS core_manifest"),
    ],
)
def test_drop_table(name: str, drop: str) -> None:
    assert get_dialect(name).drop_table_sql("core_manifest") == drop


def test_oracle_and_db2_guard_drops_and_creates_with_error_handlers() -> None:
    oracle, db2 = get_dialect("oracle"), get_dialect("db2")
    drop = oracle.drop_table_sql("core_manifest")
    assert "EXECUTE IMMEDIATE 'DROP TABLE core_manifest CASCADE CONSTRAINTS PURGE'" in drop
    assert "IF SQLCODE NOT IN (-942) THEN" in drop
    assert oracle.drop_table_sql("t", if_exists=False) == "DROP TABLE t CASCADE CONSTRAINTS PURGE"
    drop = db2.drop_table_sql("core_manifest")
    assert "DECLARE CONTINUE HANDLER FOR SQLSTATE '42704' BEGIN END;" in drop
    manifest = CORE_TABLES["manifest"]
    assert oracle.create_table_sql(manifest, if_not_exists=False).startswith(
        "CREATE TABLE core_manifest ("
    )
    assert db2.create_table_sql(manifest).startswith(
        "BEGIN\n    DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END;"
    )


def test_string_defaults_are_escaped_inside_guard_blocks() -> None:
    from spine.db.schema import Column, Table

    table = Table("t", (Column("id", ID), Column("s", STR(5), default="it's")), ("id",))
    assert "DEFAULT 'it''s' NOT NULL" in get_dialect("postgresql").create_table_sql(table)
    assert "DEFAULT ''it''''s'' NOT NULL" in get_dialect("oracle").create_table_sql(table)


def test_db2_unique_index_on_nullable_columns_excludes_null_keys() -> None:
    from spine.db.schema import Column, Index, Table

    table = Table(
        "t",
        (Column("id", ID), Column("k", STR(10), nullable=True)),
        ("id",),
        (Index("ux_t_k", ("k",), unique=True),),
    )
    sql = get_dialect("db2").create_index_sql(table, table.indexes[0], if_not_exists=False)
    assert sql == "CREATE UNIQUE INDEX ux_t_k ON t (k) EXCLUDE NULL KEYS"


def test_mysql_index_prefixes_fit_innodb_key_limit_and_unique_keys_refuse() -> None:
    from spine.db.schema import TEXT, Column, Index, Table

    d = get_dialect("mysql")
    table = Table(
        "t",
        (Column("id", ID), Column("a", STR(1000)), Column("b", STR(10)), Column("c", TEXT)),
        ("id",),
    )
    assert d.create_index_sql(table, Index("ix", ("a", "b")), if_not_exists=False) == (
        "CREATE INDEX ix ON t (a(758), b)"
    )
    assert "c(191)" in d.create_index_sql(table, Index("ix2", ("c",)))
    with pytest.raises(ValidationError):
        d.create_index_sql(table, Index("ux", ("a", "b"), unique=True))


@pytest.mark.parametrize(
    ("name", "prefix", "ref"),
    [
        ("sqlite", "CREATE TEMP TABLE scratch (", "scratch"),
        ("postgresql", "CREATE TEMPORARY TABLE scratch (", "scratch"),
        ("mysql", "CREATE TEMPORARY TABLE scratch (", "scratch"),
        ("oracle", "CREATE PRIVATE TEMPORARY TABLE ORA$PTT_SCRATCH (", "ORA$PTT_SCRATCH"),
        ("db2", "DECLARE GLOBAL TEMPORARY TABLE SESSION.scratch (", "SESSION.scratch"),
    ],
)
def test_temp_tables(name: str, prefix: str, ref: str) -> None:
    from spine.db.schema import Column, Table

    d = get_dialect(name)
    table = Table("scratch", (Column("id", ID),))
    assert d.create_temp_table_sql(table).startswith(prefix)
    assert d.temp_table_name("scratch") == ref


def test_dialects_compare_by_name() -> None:
    assert get_dialect("postgres") == get_dialect("postgresql")
    assert get_dialect("sqlite") != get_dialect("mysql")
    assert len({*all_dialects(), get_dialect("pg")}) == 5
    assert repr(get_dialect("db2")) == "DB2Dialect()"


def test_update_rows_sql_per_dialect() -> None:
    from spine.db.tabledef import ID, STR, TS, Column, Table

    t = Table("t", (Column("id", ID), Column("s", STR(9)), Column("at", TS)), primary_key=("id",))
    pg = get_dialect("postgresql").update_rows_sql(t, ["s", "at"], ["id", "s"], 2)
    arrays = "CAST(%s AS TEXT[]), CAST(%s AS TIMESTAMPTZ[]), CAST(%s AS TEXT[]), CAST(%s AS TEXT[])"
    assert pg == (
        f"UPDATE t SET s = v.c0, at = v.c1 FROM unnest({arrays}) AS v (c0, c1, c2, c3) "
        "WHERE t.id = v.c2 AND t.s = v.c3"
    )
    assert get_dialect("postgresql").update_rows_columnar
    my = get_dialect("mysql").update_rows_sql(t, ["s"], ["id"], 3)
    assert my == (
        "UPDATE t JOIN (SELECT %s AS c0, %s AS c1 UNION ALL SELECT %s, %s UNION ALL SELECT %s, %s)"
        " AS v ON t.id = v.c1 SET t.s = v.c0"
    )
    for name in ("sqlite", "oracle", "db2"):
        assert get_dialect(name).update_rows_sql(t, ["s"], ["id"], 2) is None
    assert (
        get_dialect("db2").update_row_sql("t", ["s"], ["id"]) == "UPDATE t SET s = ? WHERE id = ?"
    )
    with pytest.raises(ValidationError):
        get_dialect("postgresql").update_rows_sql(t, ["s"], ["id"], 0)


def test_descending_index_columns_render_on_every_dialect() -> None:
    from spine.db.tabledef import ID, INT, Column, Index, Table

    ix = Index("ix_t_pick", ("s", "p", "id"), descending=("p",))
    t = Table("t", (Column("id", ID), Column("s", ID), Column("p", INT)), indexes=(ix,))
    for name in DIALECT_NAMES:
        sql = get_dialect(name).create_index_sql(t, ix, if_not_exists=False)
        assert "(s, p DESC, id)" in sql, (name, sql)
    with pytest.raises(ValidationError, match="not its columns"):
        Index("ix_bad", ("a",), descending=("b",))


def test_sparse_indexes_leave_all_null_keys_out_where_the_backend_can() -> None:
    from spine.db.tabledef import ID, Column, Index, Table

    ix = Index("ix_t_key", ("k",), sparse=True)
    t = Table("t", (Column("id", ID), Column("k", ID, nullable=True)), indexes=(ix,))
    rendered = {
        name: get_dialect(name).create_index_sql(t, ix, if_not_exists=False)
        for name in DIALECT_NAMES
    }
    assert rendered["postgresql"] == "CREATE INDEX ix_t_key ON t (k) WHERE k IS NOT NULL"
    assert rendered["sqlite"] == "CREATE INDEX ix_t_key ON t (k) WHERE k IS NOT NULL"
    assert rendered["db2"] == "CREATE INDEX ix_t_key ON t (k) EXCLUDE NULL KEYS"
    assert rendered["oracle"] == "CREATE INDEX ix_t_key ON t (k)"  # never indexes NULL keys
    assert rendered["mysql"].endswith("ON t (k)")  # indexes them anyway
    with pytest.raises(ValidationError, match="sparse"):
        Index("ux_t_key", ("k",), unique=True, sparse=True)
