"""IdempotencyHelper / LogicalKey on SQLite: behaviour that needs no server backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spine.db import SpineConnection, get_dialect, transaction
from spine.ops import (
    IdempotencyHelper,
    IdempotencyLevel,
    LogicalKey,
    WorkManifest,
    ingest_l2,
    replace_l3,
)
from spine.types import IntegrityError, ValidationError, compute_hash_fast


@pytest.fixture
def conn(memory_db: SpineConnection) -> SpineConnection:
    c = memory_db
    c.execute("CREATE TABLE bronze (week TEXT, symbol TEXT, shares INT, record_hash TEXT)")
    c.execute("CREATE TABLE silver (week TEXT, tier TEXT, symbol TEXT, volume INT NOT NULL)")
    c.commit()
    return c


def _count(conn: SpineConnection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def test_levels_rank_in_order() -> None:
    assert [lvl.rank for lvl in IdempotencyLevel] == [1, 2, 3]


def test_logical_key_sql_and_values() -> None:
    key = LogicalKey(week_ending="2025-12-26", tier="NMS_TIER_1")
    assert key.where_clause() == "week_ending = ? AND tier = ?"
    assert key.where_clause(get_dialect("postgresql")) == "week_ending = %s AND tier = %s"
    assert key.where_clause(get_dialect("oracle"), start=1) == "week_ending = :2 AND tier = :3"
    assert key.values() == ("2025-12-26", "NMS_TIER_1")
    assert key.as_dict() == {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}
    assert key.columns == ("week_ending", "tier")


def test_logical_key_null_part_and_equality() -> None:
    key = LogicalKey(week="w", tier=None)
    assert key.where_clause() == "week = ? AND tier IS NULL"
    assert key.values() == ("w",)
    assert LogicalKey(a=1, b=2) == LogicalKey(b=2, a=1)
    assert hash(LogicalKey(a=1, b=2)) == hash(LogicalKey(b=2, a=1))
    assert LogicalKey(a=1).where_clause() != LogicalKey(b=1).where_clause()


def test_logical_key_matches_date_likes_by_iso_text() -> None:
    key = LogicalKey(week=dt.date(2025, 12, 26))
    assert key.matches({"week": "2025-12-26"})
    assert not key.matches({"week": "2025-12-19"})
    assert not key.matches({})
    assert key.conflicts({"week": "2025-12-19"}) == "week"
    assert key.conflicts({"other": 1}) is None


@pytest.mark.parametrize("bad", [{}, {"week; DROP TABLE x": 1}, {"a b": 1}, {"1abc": 1}])
def test_logical_key_rejects_bad_parts(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        LogicalKey(**bad)


def test_coerce_rejects_non_mappings() -> None:
    with pytest.raises(ValidationError):
        LogicalKey.coerce(["week"])  # type: ignore[arg-type]
    assert LogicalKey.coerce({"a": 1}) == LogicalKey(a=1)


@pytest.mark.parametrize("size", [10, 1_000])
def test_insert_new_never_queries_per_row(
    conn: SpineConnection, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    calls = {"n": 0}
    for name in ("execute", "executemany", "insert_rows"):
        original = getattr(SpineConnection, name)

        def counting(self: Any, *a: Any, _o: Any = original, **k: Any) -> Any:
            calls["n"] += 1
            return _o(self, *a, **k)

        monkeypatch.setattr(SpineConnection, name, counting)
    rows = [{"week": "w", "symbol": f"S{i}", "shares": i} for i in range(size)]
    res = IdempotencyHelper(conn).insert_new("bronze", rows, natural_key=["week", "symbol"])
    assert res.inserted == size
    assert calls["n"] < 15  # a handful of statements whatever the batch size


@pytest.mark.parametrize("unique", [True, False])
def test_large_batches_dedupe_on_sqlite(conn: SpineConnection, unique: bool) -> None:
    helper = IdempotencyHelper(conn)
    if unique:
        assert helper.ensure_hash_index("bronze", "record_hash") == "ux_bronze_record_hash"
        helper.ensure_hash_index("bronze", "record_hash")  # idempotent
    rows = [{"week": "w", "symbol": f"S{i % 700}", "shares": i} for i in range(1_000)]
    res = helper.insert_new("bronze", rows, natural_key=["week", "symbol"])
    assert (res.inserted, res.duplicates_in_batch) == (700, 300)
    again = helper.insert_new("bronze", rows[:800], natural_key=["week", "symbol"])
    assert again.inserted == 0
    assert _count(conn, "bronze") == 700
    stored = conn.execute("SELECT shares FROM bronze WHERE symbol = 'S5'").fetchall()
    assert stored == [(5,)]  # first occurrence in the batch wins


def test_unique_index_rejects_duplicates_afterwards(conn: SpineConnection) -> None:
    helper = IdempotencyHelper(conn)
    helper.ensure_hash_index("bronze", "record_hash")
    helper.insert_new("bronze", [{"week": "w", "symbol": "A"}], natural_key=["week", "symbol"])
    with pytest.raises(IntegrityError):
        conn.execute("INSERT INTO bronze (record_hash) VALUES (?)", (compute_hash_fast("w", "A"),))
    conn.rollback()


@pytest.mark.parametrize(
    ("rows", "kwargs"),
    [
        ([{"week": "w"}], {"natural_key": ["week", "symbol"]}),  # missing key column
        ([{"week": dt.datetime(2025, 1, 1), "symbol": "x"}], {"natural_key": ["week", "symbol"]}),
        ([{"week": "w", "symbol": object()}], {"natural_key": ["week", "symbol"]}),
        (["not a dict"], {"natural_key": ["week"]}),
        ([{"week": "w"}], {"natural_key": "week"}),
        ([{"week": "w"}], {"natural_key": []}),
        ([{"week": "w"}], {}),  # no natural key and no record_hash
        ([{"week": "w", "symbol) VALUES (1); --": 1}], {"natural_key": ["week"]}),
        ([{"week": "w"}], {"natural_key": ["week"], "hash_column": "h; DROP TABLE bronze"}),
    ],
)
def test_bad_batches_are_typed_errors_and_write_nothing(
    conn: SpineConnection, rows: list[Any], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        IdempotencyHelper(conn).insert_new("bronze", rows, **kwargs)
    assert _count(conn, "bronze") == 0


def test_empty_batch(conn: SpineConnection) -> None:
    res = ingest_l2(conn, "bronze", [], natural_key=["week"])
    assert (res.total, res.inserted, res.skipped) == (0, 0, 0)


def test_delete_for_key_joins_the_callers_transaction(conn: SpineConnection) -> None:
    replace_l3(conn, "silver", {"week": "w", "tier": "T1"}, [{"symbol": "A", "volume": 1}])
    helper = IdempotencyHelper(conn)
    assert helper.delete_for_key("silver", {"week": "w"}) == 1
    conn.rollback()  # the delete was not committed
    assert _count(conn, "silver") == 1


def test_replace_fills_key_columns_and_validates_rows(conn: SpineConnection) -> None:
    key = {"week": "w", "tier": "T1"}
    replace_l3(conn, "silver", key, [{"symbol": "A", "volume": 1, "week": "w"}])
    assert conn.execute("SELECT week, tier FROM silver").fetchall() == [("w", "T1")]
    with pytest.raises(ValidationError):
        replace_l3(conn, "silver", key, [{"symbol": "A", "volume": 1, "tier": "T2"}])
    # a key absent from a row is NULL there (the column is NOT NULL: refused, nothing written)
    with pytest.raises(IntegrityError):
        replace_l3(conn, "silver", key, [{"symbol": "A", "volume": 1}, {"symbol": "B"}])
    with pytest.raises(ValidationError):
        replace_l3(conn, "silver; DROP TABLE silver", key, [])
    assert _count(conn, "silver") == 1
    assert replace_l3(conn, "silver", key, []).deleted == 1  # empty rows clear the key


def test_replace_rolls_back_when_the_insert_fails_after_the_delete(
    conn: SpineConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"week": "w", "tier": "T1"}
    replace_l3(conn, "silver", key, [{"symbol": "OLD", "volume": 1}])
    original = SpineConnection.insert_rows
    seen: list[int] = []

    def crash_midway(self: Any, table: str, columns: Any, rows: Any, **kw: Any) -> int:
        rows = list(rows)
        original(self, table, columns, rows[: len(rows) // 2], **kw)  # half is written...
        seen.append(_count(conn, "silver"))
        raise RuntimeError("worker killed")  # ...then the process dies

    monkeypatch.setattr(SpineConnection, "insert_rows", crash_midway)
    with pytest.raises(RuntimeError):
        replace_l3(conn, "silver", key, [{"symbol": f"N{i}", "volume": i} for i in range(10)])
    monkeypatch.undo()
    assert seen == [5]  # inside the transaction: old row deleted, half the new rows in
    assert conn.execute("SELECT symbol FROM silver").fetchall() == [("OLD",)]


def test_primitives_inside_a_caller_block_are_savepoints(conn: SpineConnection) -> None:
    key = {"week": "w", "tier": "T1"}
    replace_l3(conn, "silver", key, [{"symbol": "OLD", "volume": 1}])

    def caller_block() -> None:
        with transaction(conn):
            replace_l3(conn, "silver", key, [{"symbol": "NEW", "volume": 2}])
            ingest_l2(
                conn, "bronze", [{"week": "w", "symbol": "A"}], natural_key=["week", "symbol"]
            )
            raise RuntimeError("caller fails after the primitives")

    with pytest.raises(RuntimeError):
        caller_block()
    assert conn.execute("SELECT symbol FROM silver").fetchall() == [("OLD",)]
    assert _count(conn, "bronze") == 0
    with transaction(conn):
        conn.execute("INSERT INTO bronze (week, symbol) VALUES ('kept', 'x')")
        with pytest.raises(ValidationError):
            replace_l3(conn, "silver", key, [{"symbol": "X", "volume": 1, "tier": "T9"}])
        with pytest.raises(IntegrityError):
            replace_l3(conn, "silver", key, [{"symbol": "X", "volume": None}])
    assert _count(conn, "bronze") == 1  # the caller's own work survived the inner failure
    assert conn.execute("SELECT symbol FROM silver").fetchall() == [("OLD",)]


def test_should_skip_with_manifest_predicate_and_force(conn: SpineConnection) -> None:
    helper = IdempotencyHelper(conn)
    manifest = WorkManifest(conn, "otc", ["INGESTED", "NORMALIZED"])
    key = {"week": "w"}
    assert not helper.should_skip(manifest, key, "INGESTED")
    manifest.advance_to(key, "NORMALIZED")
    assert helper.should_skip(manifest, key, "INGESTED")
    assert not helper.should_skip(manifest, key, "INGESTED", force=True)
    assert helper.should_skip(lambda: True)
    assert not helper.should_skip(lambda: False)
    with pytest.raises(ValidationError):
        helper.should_skip(manifest)


def test_hash_lookups(conn: SpineConnection) -> None:
    helper = IdempotencyHelper(conn)
    helper.insert_new(
        "bronze",
        [{"week": "w", "symbol": "A"}, {"week": "v", "symbol": "B"}],
        natural_key=["week", "symbol"],
    )
    h = compute_hash_fast("w", "A")
    assert helper.hash_exists("bronze", "record_hash", h)
    assert helper.get_existing_hashes("bronze", "record_hash", LogicalKey(week="w")) == {h}
    many = [f"x{i}" for i in range(1_200)] + [h]
    assert helper.existing_among("bronze", "record_hash", many) == {h}
