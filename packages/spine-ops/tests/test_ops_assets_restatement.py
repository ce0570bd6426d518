"""Assets and restatements on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from spine.db import SpineConnection, get_dialect
from spine.ops import (
    AssetKey,
    AssetMaterialization,
    AssetStore,
    as_of,
    bitemporal_column_defs,
    current_rows,
    history,
    restate,
)
from spine.types import ValidationError

T1 = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def test_asset_key_forms() -> None:
    k = AssetKey("sec", "filings", "10-K")
    assert str(k) == "sec/filings/10-K"
    assert repr(k) == "AssetKey('sec', 'filings', '10-K')"
    assert AssetKey.coerce("a/b") == AssetKey("a", "b")
    assert AssetKey("a").parent is None
    assert len({AssetKey("a", "b"), AssetKey.from_string("a/b")}) == 1


def test_asset_partition_validated_and_materialize_shorthand(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    store = AssetStore(memory_db_factory())
    with pytest.raises(ValidationError):
        AssetMaterialization(AssetKey("a"), partition="")
    mid = store.materialize("a/b", partition="p1", execution_id="e", metadata={"n": 1})
    latest = store.latest_materialization("a/b", "p1")
    assert latest is not None
    assert latest.id == mid
    assert latest.asset_key == AssetKey("a", "b")


@pytest.mark.parametrize(
    ("dialect", "first"),
    [
        ("postgresql", "system_from TIMESTAMPTZ NOT NULL"),
        ("mysql", "system_from DATETIME(6) NOT NULL"),
        ("sqlite", "system_from TEXT NOT NULL"),
    ],
)
def test_bitemporal_column_defs_per_dialect(dialect: str, first: str) -> None:
    defs = bitemporal_column_defs(get_dialect(dialect))
    assert defs[0] == first
    assert defs[1].startswith("system_to ")
    assert "NOT NULL" not in defs[1]
    assert defs[2].startswith("row_hash ")


def test_retraction_and_history_on_sqlite(memory_db_factory: Callable[[], SpineConnection]) -> None:
    conn = memory_db_factory()
    cols = ", ".join(bitemporal_column_defs(get_dialect(conn)))
    conn.execute(f"CREATE TABLE vol (week TEXT, symbol TEXT, shares INT, {cols})")
    key = {"week": "2025-12-26"}
    restate(conn, "vol", key, [{"symbol": "A", "shares": 1}], system_time=T1)
    gone = restate(conn, "vol", key, [], system_time=T1 + dt.timedelta(days=1))
    assert (gone.changed, gone.closed, gone.inserted) == (True, 1, 0)
    assert current_rows(conn, "vol", key) == []
    assert [r["shares"] for r in as_of(conn, "vol", key, T1, columns=["shares"])] == [1]
    assert [len(v.payload) for v in history(conn, "vol", key)] == [1]


def test_clock_that_did_not_move_is_nudged_forward(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    cols = ", ".join(bitemporal_column_defs(get_dialect(conn)))
    conn.execute(f"CREATE TABLE vol (week TEXT, symbol TEXT, shares INT, {cols})")
    future = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    restate(conn, "vol", {"week": "w"}, [{"symbol": "A", "shares": 1}], system_time=future)
    res = restate(conn, "vol", {"week": "w"}, [{"symbol": "A", "shares": 2}])  # now < future
    assert res.system_time == future + dt.timedelta(microseconds=1)
