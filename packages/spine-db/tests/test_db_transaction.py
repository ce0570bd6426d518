from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from spine.db import SpineConnection, claim_transaction, connect, create_connection, transaction
from spine.types import IntegrityError, QueryError


@pytest.fixture
def conn() -> Iterator[SpineConnection]:
    with connect() as c:
        c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        c.commit()
        yield c


def run_in_transaction(conn: SpineConnection, *statements: str, fail: bool = False) -> None:
    with transaction(conn):
        for sql in statements:
            conn.execute(sql)
        if fail:
            raise RuntimeError("block failed")


def count(conn: SpineConnection) -> int:
    row = conn.execute("SELECT COUNT(*) FROM t").fetchone()
    assert row is not None
    return int(row[0])


def test_commit_on_success(conn: SpineConnection) -> None:
    with transaction(conn) as c:
        assert c is conn
        assert conn.in_transaction_block
        c.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction_block
    conn.rollback()  # nothing pending: the block committed
    assert count(conn) == 1


def test_rollback_and_reraise_on_error_nothing_half_written(conn: SpineConnection) -> None:
    with pytest.raises(RuntimeError):
        run_in_transaction(conn, "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)", fail=True)
    assert count(conn) == 0
    assert not conn.in_transaction_block


def test_ddl_is_rolled_back_on_sqlite(conn: SpineConnection) -> None:
    with pytest.raises(RuntimeError):
        run_in_transaction(conn, "CREATE TABLE u (id INTEGER)", fail=True)
    with pytest.raises(QueryError):
        conn.execute("SELECT * FROM u")


def test_database_errors_roll_back_the_whole_block(conn: SpineConnection) -> None:
    with pytest.raises(IntegrityError):
        run_in_transaction(conn, "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)")
    assert count(conn) == 0


def test_nested_blocks_are_savepoints(conn: SpineConnection) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(IntegrityError):  # the inner block only is rolled back
            run_in_transaction(conn, "INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (1)")
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (3)")
    assert [r[0] for r in conn.execute("SELECT id FROM t ORDER BY id").fetchall()] == [1, 3]


def test_transaction_accepts_a_raw_dbapi_connection() -> None:
    import sqlite3

    raw = sqlite3.connect(":memory:")
    try:
        raw.execute("CREATE TABLE t (id INTEGER)")
        with transaction(raw) as c:
            c.execute("INSERT INTO t VALUES (1)")
        assert raw.execute("SELECT COUNT(*) FROM t").fetchone() == (1,)
    finally:
        raw.close()


def test_claim_transaction_serialises_sqlite_claimers(tmp_path: Path) -> None:
    path = str(tmp_path / "q.db")
    setup, _ = create_connection(path)
    setup.execute("CREATE TABLE q (id INTEGER PRIMARY KEY, owner TEXT)")
    setup.executemany("INSERT INTO q (id) VALUES (?)", [(i,) for i in range(40)])
    setup.commit()
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def worker(name: str) -> None:
        conn, _ = create_connection(path, busy_timeout=10)
        d = conn.dialect
        while True:
            with claim_transaction(conn) as c:
                sql = d.select_for_claim("q", ["id"], "owner IS NULL", "id", 1)
                row = c.execute(sql).fetchone()
                if row is None:
                    break
                c.execute("UPDATE q SET owner = ? WHERE id = ?", (name, row[0]))
            claimed[name].append(row[0])
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in claimed]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(claimed["a"] + claimed["b"]) == list(range(40))
    assert not set(claimed["a"]) & set(claimed["b"])
    setup.close()


def test_begin_immediate_inside_an_open_transaction_is_refused(conn: SpineConnection) -> None:
    conn.execute("INSERT INTO t VALUES (1)")  # sqlite3 opened a transaction implicitly
    with pytest.raises(QueryError):
        conn.begin(immediate=True)
    conn.rollback()
