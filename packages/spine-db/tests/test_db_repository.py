from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from spine.db import BaseRepository, SpineConnection, connect, get_dialect
from spine.types import IntegrityError, ValidationError


@pytest.fixture
def repo() -> Iterator[BaseRepository]:
    with connect() as conn:
        r = BaseRepository(conn)
        r.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT, qty INTEGER)")
        yield r


def test_dialect_is_inferred_or_given() -> None:
    with connect() as conn:
        assert BaseRepository(conn).dialect.name == "sqlite"
    raw = sqlite3.connect(":memory:")
    repos = [BaseRepository(raw), BaseRepository(raw, "sqlite")]
    repos.append(BaseRepository(raw, get_dialect("sqlite")))
    assert repos[0].conn.raw is raw
    assert repos[1].dialect is get_dialect("sqlite")
    assert repos[2].dialect.name == "sqlite"
    for repo in repos:
        repo.conn.close()


def test_placeholder_helpers(repo: BaseRepository) -> None:
    assert repo.ph() == "?"
    assert repo.ph(3) == "?, ?, ?"
    assert repo.ph_list(2) == ["?", "?"]
    oracle = BaseRepository(sqlite3.connect(":memory:"), "oracle")
    assert oracle.ph(2, start=1) == ":2, :3"
    assert oracle.ph_list(2) == [":1", ":2"]
    assert oracle.q("level") == '"LEVEL"'
    oracle.conn.close()


def test_query_returns_dicts_with_lower_case_keys(repo: BaseRepository) -> None:
    repo.insert("trades", {"id": 1, "symbol": "AAPL", "qty": 10})
    rows = repo.query("SELECT ID, Symbol AS SYMBOL, qty FROM trades")
    assert rows == [{"id": 1, "symbol": "AAPL", "qty": 10}]
    assert repo.query_one(f"SELECT symbol FROM trades WHERE id = {repo.ph()}", (1,)) == {
        "symbol": "AAPL"
    }
    assert repo.query_one("SELECT symbol FROM trades WHERE id = 99") is None
    assert repo.query_value("SELECT COUNT(*) FROM trades") == 1
    assert repo.query_value("SELECT qty FROM trades WHERE id = 99") is None


def test_insert_validates_names_and_binds_values(repo: BaseRepository) -> None:
    repo.insert("trades", {"id": 1, "symbol": "x'); DROP TABLE trades; --", "qty": 1})
    assert repo.query_value("SELECT symbol FROM trades") == "x'); DROP TABLE trades; --"
    with pytest.raises(ValidationError):
        repo.insert("trades; DROP TABLE trades", {"id": 2})
    with pytest.raises(ValidationError):
        repo.insert("trades", {"id = 1; --": 2})
    with pytest.raises(ValidationError):
        repo.insert("trades", {})


def test_insert_many_uses_the_first_rows_columns(repo: BaseRepository) -> None:
    rows = [{"id": i, "symbol": f"S{i}", "qty": i * 10} for i in range(1, 1001)]
    assert repo.insert_many("trades", rows) == 1000
    assert repo.insert_many("trades", []) == 0
    assert repo.insert_many("trades", iter([{"id": 5000, "symbol": "G", "qty": 1}])) == 1
    assert repo.insert_many("trades", [{"id": 5001}], chunk_size=1) == 1
    assert repo.query_value("SELECT SUM(qty) FROM trades") == sum(r["qty"] for r in rows) + 1


@pytest.mark.parametrize(("n", "chunk"), [(250, None), (250, 100), (7, 3), (99, 1000)])
def test_insert_many_batches_and_remainders(
    repo: BaseRepository, n: int, chunk: int | None
) -> None:
    rows = [{"id": i, "symbol": str(i), "qty": i} for i in range(n)]
    assert repo.insert_many("trades", rows, chunk_size=chunk) == n
    assert repo.query_value("SELECT COUNT(*) FROM trades") == n
    assert repo.query_value("SELECT SUM(qty) FROM trades") == sum(range(n))


def test_insert_many_missing_key_is_a_validation_error(repo: BaseRepository) -> None:
    with pytest.raises(ValidationError) as info:
        repo.insert_many("trades", [{"id": 1, "symbol": "a"}, {"id": 2}])
    assert "'symbol'" in str(info.value)


def test_insert_many_duplicates_raise_integrity_error(repo: BaseRepository) -> None:
    with pytest.raises(IntegrityError):
        repo.insert_many("trades", [{"id": 1}, {"id": 1}])


def test_upsert_inserts_updates_and_can_do_nothing(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    repo = BaseRepository(conn)
    d = repo.dialect
    now = d.encode_timestamp(datetime(2025, 1, 1, tzinfo=UTC))
    row = {
        "domain": "otc",
        "source": "finra",
        "partition_key": "2025-01-03",
        "high_water": "1",
        "updated_at": now,
    }
    key = ["domain", "source", "partition_key"]
    repo.upsert("core_watermarks", row, key)
    repo.upsert("core_watermarks", {**row, "high_water": "2"}, key)
    repo.upsert("core_watermarks", {**row, "high_water": "3"}, key, update_columns=[])
    assert repo.query("SELECT high_water FROM core_watermarks") == [{"high_water": "2"}]


def test_repository_transaction_and_commit(repo: BaseRepository) -> None:
    def failing_block() -> None:
        with repo.transaction():
            repo.insert("trades", {"id": 1})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_block()
    assert repo.query_value("SELECT COUNT(*) FROM trades") == 0
    repo.insert("trades", {"id": 1})
    repo.rollback()
    assert repo.query_value("SELECT COUNT(*) FROM trades") == 0
    repo.insert("trades", {"id": 1})
    repo.commit()
    assert repo.query_value("SELECT COUNT(*) FROM trades") == 1


def test_db2_upsert_casts_markers_from_the_catalog_for_user_tables() -> None:
    from typing import Any

    from spine.db import SpineConnection
    from spine.db.connection import ConnectionInfo
    from spine.db.drivers import get_driver

    sent: list[str] = []

    class Cur:
        def __init__(self, sql: str) -> None:
            self.sql = sql

        def fetchall(self) -> list[tuple[Any, ...]]:
            if "SYSCAT.COLUMNS" in self.sql:
                return [("K", "VARCHAR", 20, 0), ("DOC", "CLOB", 1048576, 0),
                        ("AT", "TIMESTAMP", 10, 6)]  # fmt: skip
            return []

    class FakeDB2(SpineConnection):
        __slots__ = ()

        def execute(self, sql: str, params: Any = ()) -> Any:
            sent.append(sql)
            return Cur(sql)

    raw = sqlite3.connect(":memory:")  # never reached: execute is faked
    conn = FakeDB2(raw, get_driver("sqlite"), ConnectionInfo("db2", get_dialect("db2"), "-"))
    repo = BaseRepository(conn)
    repo.upsert("my_table", {"k": "a", "doc": "{}", "at": None}, ["k"])
    repo.upsert("my_table", {"k": "b", "doc": "{}", "at": None}, ["k"])
    assert len([sql for sql in sent if "SYSCAT.COLUMNS" in sql]) == 1  # cached per repository
    assert (
        "VALUES (CAST(? AS VARCHAR(20)), CAST(? AS CLOB(1048576)), CAST(? AS TIMESTAMP(6)))"
        in sent[-1]
    )
    repo.upsert("core_watermarks", {"domain": "d", "source": "s", "partition_key": "p",
                                    "high_water": "1", "updated_at": None},
                ["domain", "source", "partition_key"])  # fmt: skip
    assert "CAST(? AS VARCHAR(100))" in sent[-1]
    conn.close()
    assert len([sql for sql in sent if "SYSCAT.COLUMNS" in sql]) == 1
