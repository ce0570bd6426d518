"""Contract: transaction scoping, catalog reflection and the set-based statements spine-db
renders for the packages above, live on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from spine.db import (
    BaseRepository,
    OpenTransactionError,
    SpineConnection,
    reading,
    schema_change,
    transaction,
    write,
    write_retrying,
)
from spine.db.schema import (
    ID,
    INT,
    STR,
    TS,
    Column,
    Index,
    IndexInfo,
    Table,
    create_table,
    ensure_index,
    table_columns,
    table_indexes,
)
from spine.types import DatabaseError, IntegrityError

T = Table(
    "spine_t_scope",
    (
        Column("id", ID),
        Column("k", STR(64), nullable=True),
        Column("n", INT),
        Column("at", TS, nullable=True),
    ),
    ("id",),
    indexes=(
        Index("ux_spine_t_scope_k", ("k",), unique=True),
        Index("ix_spine_t_scope_n_at", ("n", "at")),
    ),
)


@pytest.fixture
def conn(db: SpineConnection) -> Iterator[SpineConnection]:
    create_table(db, T)
    yield db
    db.rollback()


def _count(c: SpineConnection, where: str = "") -> int:
    row = c.execute(f"SELECT COUNT(*) FROM {T.name} {where}").fetchone()
    c.commit()
    assert row is not None
    return int(row[0])


def _insert(c: SpineConnection, ident: str, k: str | None = None, n: int = 0) -> None:
    c.execute(
        f"INSERT INTO {T.name} (id, k, n) VALUES ({c.dialect.placeholders(3)})", (ident, k, n)
    )


# ------------------------------------------------------------------ transaction state
def test_the_connection_reports_pending_writes_the_same_way_on_every_backend(
    conn: SpineConnection,
) -> None:
    assert not conn.has_pending_writes
    conn.execute(f"SELECT COUNT(*) FROM {T.name}").fetchall()
    assert not conn.has_pending_writes  # a read is no one's work
    _insert(conn, "a")
    assert conn.in_transaction
    assert conn.has_pending_writes
    conn.commit()
    assert not conn.has_pending_writes
    assert not conn.in_transaction
    with transaction(conn):
        assert conn.has_pending_writes  # a block is the caller's transaction even before work


def test_write_joins_pending_work_through_a_savepoint_and_commits_nothing(
    conn: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    other = db_factory()
    _insert(conn, "caller")

    def duplicate() -> None:
        with write(conn):
            _insert(conn, "mine")
            _insert(conn, "mine")  # duplicate key: the savepoint is rolled back

    with pytest.raises(IntegrityError):
        duplicate()
    with write(conn):
        _insert(conn, "second")
    assert _count(other) == 0
    rows = conn.execute(f"SELECT id FROM {T.name} ORDER BY id").fetchall()
    assert rows == [("caller",), ("second",)]
    conn.commit()
    assert _count(other) == 2


def test_write_owns_its_transaction_on_an_idle_connection(
    conn: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    other = db_factory()
    with write(conn):
        _insert(conn, "a")
    assert _count(other) == 1

    def duplicate() -> None:
        with write(conn):
            _insert(conn, "b")
            _insert(conn, "a")

    with pytest.raises(IntegrityError):
        duplicate()
    assert not conn.in_transaction
    assert _count(other) == 1


def test_write_retrying_reruns_a_retryable_failure_it_owns_and_not_a_joined_one(
    conn: SpineConnection,
) -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        _insert(conn, f"r{len(calls)}")
        if len(calls) < 3:
            raise DatabaseError("deadlock", retryable=True)
        return "done"

    assert write_retrying(conn, flaky, base_delay=0) == "done"
    assert len(calls) == 3
    assert _count(conn) == 1  # the two failed attempts were rolled back
    calls.clear()
    _insert(conn, "caller")
    with pytest.raises(DatabaseError):
        write_retrying(conn, flaky, base_delay=0)
    assert len(calls) == 1  # inside the caller's transaction: no retry
    conn.rollback()


def test_reading_ends_the_implicit_transaction_but_keeps_locks_and_changes(
    conn: SpineConnection,
) -> None:
    with reading(conn):
        conn.execute(f"SELECT COUNT(*) FROM {T.name}").fetchall()
    assert not conn.in_transaction
    _insert(conn, "x")
    with reading(conn):  # inside the caller's transaction: nothing ends
        conn.execute(f"SELECT COUNT(*) FROM {T.name}").fetchall()
    assert conn.has_pending_writes
    conn.rollback()


def test_schema_changes_join_where_ddl_is_transactional_and_refuse_elsewhere(
    conn: SpineConnection,
) -> None:
    _insert(conn, "pending")
    extra = Table("spine_t_scope2", (Column("id", ID),), ("id",))
    if conn.dialect.transactional_ddl:
        with schema_change(conn):
            create_table(conn, extra)
        conn.rollback()  # the DDL was part of the caller's transaction
        assert "id" not in table_columns(conn, extra.name)
    else:
        with pytest.raises(OpenTransactionError):
            create_table(conn, extra)
        assert conn.has_pending_writes  # nothing was committed
        conn.rollback()
    assert _count(conn) == 0


# ------------------------------------------------------------------ catalog
def test_indexes_are_reflected_with_columns_and_uniqueness(conn: SpineConnection) -> None:
    found = {ix.name: ix for ix in table_indexes(conn, T.name)}
    assert found["ux_spine_t_scope_k"] == IndexInfo("ux_spine_t_scope_k", ("k",), True)
    assert found["ix_spine_t_scope_n_at"].columns == ("n", "at")
    assert not found["ix_spine_t_scope_n_at"].unique
    assert found["ux_spine_t_scope_k"].is_unique_on_one_column
    assert table_columns(conn, T.name) == ["id", "k", "n", "at"]
    assert table_columns(conn, "spine_t_absent") == []


def test_ensure_index_twice_creates_once(conn: SpineConnection) -> None:
    ix = Index("ix_spine_t_scope_id_n", ("id", "n"))
    assert ensure_index(conn, T.name, ix) is True
    assert ensure_index(conn, T.name, ix) is False
    assert [i.columns for i in table_indexes(conn, T.name) if i.name == ix.name] == [("id", "n")]


# ------------------------------------------------------------------ set-based statements
@pytest.mark.parametrize("ignore_conflicts", [False, True], ids=["plain", "ignoring-conflicts"])
def test_staging_table_and_insert_missing(conn: SpineConnection, ignore_conflicts: bool) -> None:
    d, repo = conn.dialect, BaseRepository(conn)
    _insert(conn, "a", "ka", 1)
    conn.commit()
    cols = ["id", "k", "n"]
    with write(conn):
        conn.execute(d.create_temp_table_as_sql("spine_stage_t", T.name, cols))
        conn.insert_rows(
            "spine_stage_t", cols, [("a", "ka", 1), ("b", "kb", 2), ("c", "kc", 3)], temporary=True
        )
        sql = d.insert_missing_sql(
            T.name, "spine_stage_t", cols, "k", ignore_conflicts=ignore_conflicts
        )
        assert repo.execute_rowcount(sql) == 2
        if not d.staging_dropped_at_commit:
            conn.execute(d.drop_temp_table_sql("spine_stage_t"))
    assert _count(conn) == 3


def test_bounded_delete_removes_at_most_a_batch_oldest_first(conn: SpineConnection) -> None:
    for i in range(7):
        _insert(conn, f"r{i}", None, i)
    conn.commit()
    d, repo = conn.dialect, BaseRepository(conn)
    sql = d.delete_batch_sql(T.name, f"n < {d.placeholder(0)}", "n", 3)
    with write(conn):
        assert repo.execute_rowcount(sql, (5,)) == 3
    assert [r[0] for r in conn.execute(f"SELECT n FROM {T.name} ORDER BY n").fetchall()] == [
        3,
        4,
        5,
        6,
    ]
