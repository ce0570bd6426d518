"""Contract: L2 dedup ingest and L3 atomic replace behave the same on every backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from spine.db.schema import BIGINT, STR, Column, Index, Table
from spine.ops import IdempotencyHelper, LogicalKey, ingest_l2, replace_l3
from spine.types import SpineError, ValidationError, compute_hash_fast


def _bronze(name: str, *, unique: bool) -> Table:
    return Table(
        name,
        columns=(
            Column("week", STR(10)),
            Column("symbol", STR(12)),
            Column("shares", BIGINT, nullable=True),
            Column("record_hash", STR(64)),
        ),
        indexes=(Index(f"ix_{name}_h", ("record_hash",), unique=unique),),
    )


SILVER = Table(
    "ops_silver",
    columns=(
        Column("week", STR(10)),
        Column("tier", STR(20)),
        Column("symbol", STR(12)),
        Column("volume", BIGINT),
    ),
)


def _rows(n: int, start: int = 0, week: str = "2025-12-26") -> list[dict[str, Any]]:
    return [{"week": week, "symbol": f"S{i:06d}", "shares": i} for i in range(start, start + n)]


def _count(db: Any, table: str) -> int:
    row = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    return int(row[0])


def _dupe_hashes(db: Any, table: str) -> list[Any]:
    return list(
        db.execute(
            f"SELECT record_hash FROM {table} GROUP BY record_hash HAVING COUNT(*) > 1"
        ).fetchall()
    )


@pytest.mark.parametrize("unique", [True, False], ids=["unique-index", "plain-index"])
@pytest.mark.parametrize("size", [20, 1_500], ids=["small-batch", "staged-batch"])
def test_l2_inserts_only_new_natural_keys(
    ops_db: Any, make_table: Callable[[Table], str], unique: bool, size: int
) -> None:
    table = make_table(_bronze("ops_bronze", unique=unique))
    helper = IdempotencyHelper(ops_db)
    first = _rows(size) + _rows(size // 4)  # a quarter repeated inside the batch
    res = helper.insert_new(table, first, hash_column="record_hash", natural_key=["week", "symbol"])
    assert (res.total, res.inserted, res.skipped) == (len(first), size, size // 4)
    assert res.duplicates_in_batch == size // 4

    second = _rows(size, start=size // 2)  # half already stored, half new
    res2 = helper.insert_new(
        table, second, hash_column="record_hash", natural_key=["week", "symbol"]
    )
    assert res2.inserted == size // 2
    assert res2.skipped == size - size // 2
    assert _count(ops_db, table) == size + size // 2
    assert _dupe_hashes(ops_db, table) == []

    again = ingest_l2(ops_db, table, second, natural_key=["week", "symbol"])
    assert again.inserted == 0


def test_l2_stores_the_fast_hash_of_natural_key_on_a_new_table_and_first_row_wins(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    table = make_table(_bronze("ops_bronze", unique=True))
    rows = [
        {"week": "2025-12-26", "symbol": "AAPL", "shares": 1},
        {"week": "2025-12-26", "symbol": "AAPL", "shares": 2},
    ]
    IdempotencyHelper(ops_db).insert_new(table, rows, natural_key=["week", "symbol"])
    stored = ops_db.execute(f"SELECT shares, record_hash FROM {table}").fetchall()
    assert [(int(s), h) for s, h in stored] == [(1, compute_hash_fast("2025-12-26", "AAPL"))]
    helper = IdempotencyHelper(ops_db)
    assert helper.hash_exists(table, "record_hash", compute_hash_fast("2025-12-26", "AAPL"))
    assert not helper.hash_exists(table, "record_hash", compute_hash_fast("2025-12-26", "MSFT"))


def test_l2_rows_carrying_their_own_hash(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    table = make_table(_bronze("ops_bronze", unique=True))
    rows = [{"week": "w", "symbol": "s", "shares": 1, "record_hash": "h1"}]
    helper = IdempotencyHelper(ops_db)
    assert helper.insert_new(table, rows).inserted == 1
    assert helper.insert_new(table, rows).inserted == 0
    with pytest.raises(ValidationError):
        helper.insert_new(table, [{"week": "w", "symbol": "s"}])


def test_existing_hashes_filtered_by_logical_key(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    table = make_table(_bronze("ops_bronze", unique=True))
    helper = IdempotencyHelper(ops_db)
    helper.insert_new(
        table,
        _rows(3, week="2025-12-19") + _rows(2, week="2025-12-26"),
        natural_key=["week", "symbol"],
    )
    assert len(helper.get_existing_hashes(table, "record_hash")) == 5
    wk = helper.get_existing_hashes(table, "record_hash", {"week": "2025-12-26"})
    assert wk == {compute_hash_fast("2025-12-26", f"S{i:06d}") for i in range(2)}
    assert helper.existing_among(table, "record_hash", [*wk, "nope"]) == wk


def test_concurrent_l2_ingests_never_duplicate(
    ops_db: Any, db_factory: Callable[[], Any], make_table: Callable[[Table], str]
) -> None:
    table = make_table(_bronze("ops_bronze", unique=True))
    batches = [_rows(600, start=0), _rows(600, start=300)]
    errors: list[BaseException] = []
    results: list[int] = []

    def run(rows: list[dict[str, Any]]) -> None:
        conn = db_factory()
        try:
            results.append(
                IdempotencyHelper(conn)
                .insert_new(table, rows, natural_key=["week", "symbol"])
                .inserted
            )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(results) == 900
    assert _count(ops_db, table) == 900
    assert _dupe_hashes(ops_db, table) == []


def test_logical_key_where_clause_runs_on_backend(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    table = make_table(SILVER)
    replace_l3(ops_db, table, {"week": "2025-12-26", "tier": "T1"}, [{"symbol": "A", "volume": 1}])
    helper = IdempotencyHelper(ops_db)
    key = LogicalKey(week="2025-12-26", tier="T1")
    assert helper.delete_for_key(table, key) == 1
    ops_db.commit()
    assert _count(ops_db, table) == 0


def test_l3_replaces_only_its_key(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    table = make_table(SILVER)
    k1 = {"week": "2025-12-26", "tier": "T1"}
    k2 = {"week": "2025-12-26", "tier": "T2"}
    replace_l3(ops_db, table, k1, [{"symbol": "A", "volume": 1}, {"symbol": "B", "volume": 2}])
    replace_l3(ops_db, table, k2, [{"symbol": "A", "volume": 10}])
    res = replace_l3(ops_db, table, k1, [{"symbol": "C", "volume": 3}])
    assert (res.deleted, res.inserted) == (2, 1)
    rows = ops_db.execute(
        f"SELECT tier, symbol, volume FROM {table} ORDER BY tier, symbol"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("T1", "C", 3), ("T2", "A", 10)]


def test_l3_insert_failing_midway_leaves_old_rows(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    table = make_table(SILVER)
    key = {"week": "2025-12-26", "tier": "T1"}
    replace_l3(
        ops_db, table, key, [{"symbol": "OLD1", "volume": 1}, {"symbol": "OLD2", "volume": 2}]
    )
    bad = [{"symbol": f"N{i}", "volume": i} for i in range(50)]
    bad[25]["volume"] = None  # NOT NULL violation in the middle of the insert
    with pytest.raises(SpineError):
        replace_l3(ops_db, table, key, bad)
    rows = ops_db.execute(f"SELECT symbol FROM {table} ORDER BY symbol").fetchall()
    assert [r[0] for r in rows] == ["OLD1", "OLD2"]


def test_l3_rejects_rows_outside_the_key_before_writing(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    table = make_table(SILVER)
    key = {"week": "2025-12-26", "tier": "T1"}
    replace_l3(ops_db, table, key, [{"symbol": "OLD", "volume": 1}])
    with pytest.raises(ValidationError):
        replace_l3(ops_db, table, key, [{"symbol": "X", "volume": 1, "tier": "T2"}])
    assert _count(ops_db, table) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.hash_exists("ops_silver; DROP TABLE ops_silver", "h", "x"),
        lambda h: h.hash_exists("ops_silver", "h = h OR 1=1 --", "x"),
        lambda h: h.delete_for_key("ops_silver", {"week = week OR 1=1 --": "x"}),
        lambda h: h.insert_new(
            "ops_silver", [{"symbol) VALUES (1); --": 1}], natural_key=["symbol"]
        ),
        lambda h: h.replace_key("ops_silver", {"week": "w"}, [{"volume; DROP TABLE x": 1}]),
        lambda h: h.get_existing_hashes("ops_silver", "x", {"tier'": "T1"}),
    ],
)
def test_injection_attempts_in_identifiers_are_rejected(
    ops_db: Any, make_table: Callable[[Table], str], call: Callable[[IdempotencyHelper], Any]
) -> None:
    table = make_table(SILVER)
    replace_l3(ops_db, table, {"week": "w", "tier": "T1"}, [{"symbol": "A", "volume": 1}])
    with pytest.raises(ValidationError):
        call(IdempotencyHelper(ops_db))
    assert _count(ops_db, table) == 1


RESERVED = Table(
    "ops_reserved",
    columns=(Column("date", STR(10)), Column("value", BIGINT), Column("record_hash", STR(64))),
    indexes=(Index("ux_ops_reserved_h", ("record_hash",), unique=True),),
)


@pytest.mark.parametrize("size", [5, 600], ids=["small-batch", "staged-batch"])
def test_reserved_word_columns_are_quoted(
    ops_db: Any, make_table: Callable[[Table], str], size: int
) -> None:
    table = make_table(RESERVED)
    rows = [{"date": "2025-12-26", "value": i} for i in range(size)]
    helper = IdempotencyHelper(ops_db)
    assert helper.insert_new(table, rows, natural_key=["date", "value"]).inserted == size
    assert helper.insert_new(table, rows, natural_key=["date", "value"]).inserted == 0
    res = replace_l3(ops_db, table, {"date": "2025-12-26"}, [{"value": 1, "record_hash": "x"}])
    assert (res.deleted, res.inserted) == (size, 1)
    assert helper.delete_for_key(table, LogicalKey(date="2025-12-26", value=1)) == 1
    ops_db.commit()
    assert _count(ops_db, table) == 0
