from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spine.db import (
    Migration,
    MigrationChecksumError,
    MigrationError,
    MigrationRunner,
    SpineConnection,
    connect,
    load_migrations,
    run_migrations,
    table_exists,
)
from spine.db.migrations import split_statements
from spine.types import DatabaseError, InvalidConfigError

MIGRATIONS = [
    Migration(1, "create_trades", "CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT)"),
    Migration(
        2,
        "seed",
        "INSERT INTO trades VALUES (1, 'A;B'); -- a comment; with semicolons\n"
        "INSERT INTO trades VALUES (2, 'it''s');",
    ),
]


@pytest.fixture
def conn() -> Iterator[SpineConnection]:
    with connect() as c:
        yield c


def test_apply_in_order_record_and_rerun_is_a_no_op(conn: SpineConnection) -> None:
    runner = MigrationRunner(conn, reversed(MIGRATIONS))
    assert [m.version for m in runner.pending()] == [1, 2]
    assert [m.version for m in runner.apply()] == [1, 2]
    assert runner.apply() == []
    assert runner.pending() == []
    assert conn.execute("SELECT symbol FROM trades ORDER BY id").fetchall() == [
        ("A;B",),
        ("it's",),
    ]
    applied = runner.applied()
    assert sorted(applied) == [1, 2]
    assert applied[1].name == "create_trades"
    assert len(applied[1].checksum) == 64
    assert applied[1].applied_at is not None
    assert applied[1].applied_at.tzinfo is not None
    assert [s.state for s in runner.status()] == ["applied", "applied"]


def test_target_version(conn: SpineConnection) -> None:
    runner = MigrationRunner(conn, MIGRATIONS)
    assert [m.version for m in runner.apply(target=1)] == [1]
    assert [s.state for s in runner.status()] == ["applied", "pending"]


def test_changed_checksum_is_refused_naming_the_version(conn: SpineConnection) -> None:
    MigrationRunner(conn, MIGRATIONS).apply()
    changed = [MIGRATIONS[0], Migration(2, "seed", "INSERT INTO trades VALUES (3, 'x')")]
    runner = MigrationRunner(conn, [*changed, Migration(3, "more", "SELECT 1")])
    with pytest.raises(MigrationChecksumError) as info:
        runner.apply()
    assert "migration 2 (seed)" in str(info.value)
    assert info.value.context.metadata["version"] == 2
    assert isinstance(info.value, DatabaseError)
    assert [s.state for s in runner.status()] == ["applied", "changed", "pending"]
    assert not table_exists(conn, "nothing_applied")


def test_a_removed_migration_shows_as_missing(conn: SpineConnection) -> None:
    MigrationRunner(conn, MIGRATIONS).apply()
    statuses = MigrationRunner(conn, MIGRATIONS[:1]).status()
    assert [(s.version, s.state) for s in statuses] == [(1, "applied"), (2, "missing")]


def test_failed_migration_is_not_recorded_and_rolled_back_on_sqlite(
    conn: SpineConnection,
) -> None:
    bad = Migration(3, "broken", "CREATE TABLE half (id INTEGER); SELEC oops")
    runner = MigrationRunner(conn, [*MIGRATIONS, bad])
    with pytest.raises(MigrationError) as info:
        runner.apply()
    assert "migration 3 (broken) of 'app' failed" in str(info.value)
    assert not table_exists(conn, "half")  # DDL is transactional on SQLite
    assert [s.state for s in runner.status()] == ["applied", "applied", "pending"]


def test_callable_migrations_and_their_checksums(conn: SpineConnection) -> None:
    def create(c: SpineConnection) -> None:
        c.execute("CREATE TABLE f (id INTEGER)")

    runner = MigrationRunner(conn, [Migration(1, "fn", create)])
    runner.apply()
    assert table_exists(conn, "f")
    explicit = Migration(1, "fn", create, checksum="v2")
    assert explicit.checksum_for("sqlite") == "v2"
    with pytest.raises(MigrationChecksumError):
        MigrationRunner(conn, [explicit]).apply()


def test_dialect_variants(conn: SpineConnection) -> None:
    mig = Migration(
        1, "v", "CREATE TABLE generic (id INTEGER)", {"postgres": "CREATE TABLE pg (id INT)"}
    )
    assert mig.sql_for("postgresql") == "CREATE TABLE pg (id INT)"
    assert mig.sql_for("sqlite") == "CREATE TABLE generic (id INTEGER)"
    assert mig.checksum_for("sqlite") != mig.checksum_for("postgresql")
    only_pg = Migration(2, "pg_only", variants={"postgresql": "SELECT 1"})
    with pytest.raises(MigrationError):
        only_pg.sql_for("sqlite")


def test_invalid_migration_definitions() -> None:
    with pytest.raises(InvalidConfigError):
        Migration(0, "zero", "SELECT 1")
    with pytest.raises(InvalidConfigError):
        Migration(1, "nothing")
    with connect() as conn, pytest.raises(InvalidConfigError):
        MigrationRunner(conn, [Migration(1, "a", "x"), Migration(1, "b", "y")])


def test_checksum_ignores_line_ending_and_outer_whitespace() -> None:
    a = Migration(1, "a", "CREATE TABLE t (id INTEGER);\n")
    b = Migration(1, "a", "  CREATE TABLE t (id INTEGER);\r\n")
    assert a.checksum_for("sqlite") == b.checksum_for("sqlite")


def test_load_from_directory_with_dialect_variants(tmp_path: Path, conn: SpineConnection) -> None:
    (tmp_path / "0001_create.sql").write_text("CREATE TABLE a (id INTEGER);")
    (tmp_path / "0002_more.sql").write_text("CREATE TABLE b (id INTEGER);")
    (tmp_path / "0002_more.postgresql.sql").write_text("CREATE TABLE b (id BIGINT);")
    (tmp_path / "0003_oracle_only.oracle.sql").write_text("BEGIN NULL; END;\n/\n")
    (tmp_path / "README.md").write_text("not a migration")
    migrations = load_migrations(tmp_path)
    assert [(m.version, m.name) for m in migrations] == [
        (1, "create"),
        (2, "more"),
        (3, "oracle_only"),
    ]
    assert migrations[1].sql_for("postgresql") == "CREATE TABLE b (id BIGINT);"
    assert migrations[1].sql_for("sqlite") == "CREATE TABLE b (id INTEGER);"
    applied = run_migrations(conn, [m for m in migrations if m.version < 3])
    assert [m.version for m in applied] == [1, 2]
    assert table_exists(conn, "a")
    assert table_exists(conn, "b")


def test_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigError):
        load_migrations(tmp_path / "missing")
    (tmp_path / "0001_a.sql").write_text("SELECT 1")
    (tmp_path / "0001_b.sql").write_text("SELECT 1")
    with pytest.raises(InvalidConfigError):
        load_migrations(tmp_path)
    (tmp_path / "0001_b.sql").unlink()
    (tmp_path / "bad-name.sql").write_text("SELECT 1")
    with pytest.raises(InvalidConfigError):
        load_migrations(tmp_path)


def test_run_migrations_from_a_directory(tmp_path: Path, conn: SpineConnection) -> None:
    (tmp_path / "0001_x.sql").write_text("CREATE TABLE x (id INTEGER)")
    assert [m.version for m in run_migrations(conn, tmp_path)] == [1]
    assert run_migrations(conn, str(tmp_path)) == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1", ["SELECT 1"]),
        ("SELECT 1;;  ; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT ('a;b', \"c;d\", `e;f`)", ["SELECT ('a;b', \"c;d\", `e;f`)"]),
        ("/* x; y */ SELECT 1; -- z;\n", ["/* x; y */ SELECT 1"]),
        (
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT f()",
            ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT f()"],
        ),
        (
            "CREATE TABLE t (id INT);\n/\nBEGIN\n  NULL;\nEND;\n/\n",
            ["CREATE TABLE t (id INT)", "BEGIN\n  NULL;\nEND;"],
        ),
        ("-- only a comment\n", []),
        ("SELECT 'it''s;'; SELECT 2", ["SELECT 'it''s;'", "SELECT 2"]),
    ],
)  # fmt: skip
def test_split_statements(sql: str, expected: list[str]) -> None:
    assert split_statements(sql) == expected
