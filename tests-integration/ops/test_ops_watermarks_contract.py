"""Contract: every WatermarkStore (in-memory and DB-backed on each backend) behaves alike."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest

from spine.ops import DBWatermarkStore, InMemoryWatermarkStore, WatermarkStore
from spine.types import ValidationError


@pytest.fixture(params=["memory", "db"])
def store(request: pytest.FixtureRequest, ops_db: Any) -> WatermarkStore:
    if request.param == "memory":
        return InMemoryWatermarkStore()
    return DBWatermarkStore(ops_db)


def test_advance_only_moves_forward(store: WatermarkStore) -> None:
    assert store.advance("equity", "polygon", "AAPL", "2026-02-14")
    assert store.advance("equity", "polygon", "AAPL", "2026-02-15", metadata={"rows": 10})
    assert not store.advance("equity", "polygon", "AAPL", "2026-02-10")  # backwards refused
    assert not store.advance("equity", "polygon", "AAPL", "2026-02-15")  # equal: no-op
    wm = store.get("equity", "polygon", "AAPL")
    assert wm is not None
    assert (wm.high_water, dict(wm.metadata)) == ("2026-02-15", {"rows": 10})
    assert wm.updated_at is not None
    assert wm.updated_at.tzinfo is not None


def test_force_moves_backwards(store: WatermarkStore) -> None:
    store.advance("equity", "polygon", "AAPL", "2026-02-15")
    assert store.advance("equity", "polygon", "AAPL", "2026-01-01", force=True)
    assert store.get("equity", "polygon", "AAPL").high_water == "2026-01-01"  # type: ignore[union-attr]


def test_cursor_ordering_is_typed_not_lexical(store: WatermarkStore) -> None:
    store.advance("d", "seq", "p", 9)
    assert store.advance("d", "seq", "p", 10)  # "10" < "9" as text, but 10 > 9
    store.advance(
        "d", "ts", "p", dt.datetime(2026, 1, 1, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    )
    assert not store.advance("d", "ts", "p", dt.datetime(2026, 1, 2, 3, tzinfo=dt.UTC))  # earlier
    assert store.advance("d", "ts", "p", dt.date(2026, 1, 3))


def test_list_get_delete(store: WatermarkStore) -> None:
    store.advance("equity", "polygon", "MSFT", "2026-02-01")
    store.advance("equity", "polygon", "AAPL", "2026-02-01")
    store.advance("equity", "iex", "AAPL", "2026-02-02")
    store.advance("rates", "fred", "DGS10", "2026-02-03")
    assert [(w.source, w.partition_key) for w in store.list("equity")] == [
        ("iex", "AAPL"),
        ("polygon", "AAPL"),
        ("polygon", "MSFT"),
    ]
    assert [w.partition_key for w in store.list("equity", "polygon")] == ["AAPL", "MSFT"]
    assert store.get("equity", "polygon", "GOOG") is None
    assert store.delete("equity", "polygon", "AAPL")
    assert not store.delete("equity", "polygon", "AAPL")
    assert store.get("equity", "polygon", "AAPL") is None


def test_list_gaps(store: WatermarkStore) -> None:
    store.advance("equity", "polygon", "AAPL", "2026-02-15")
    store.advance("equity", "polygon", "GOOG", "2026-01-01")
    gaps = store.list_gaps("equity", "polygon", ["AAPL", "MSFT", "GOOG", "MSFT"])
    assert [(g.partition_key, g.is_missing) for g in gaps] == [("MSFT", True)]
    stale = store.list_gaps(
        "equity", "polygon", ["AAPL", "MSFT", "GOOG"], min_high_water="2026-02-01"
    )
    assert [(g.partition_key, g.high_water) for g in stale] == [
        ("MSFT", None),
        ("GOOG", "2026-01-01"),
    ]


def test_dict_partition_keys_are_canonical(store: WatermarkStore) -> None:
    store.advance("otc", "finra", {"tier": "T1", "week": "2025-12-26"}, "2025-12-26")
    wm = store.get("otc", "finra", {"week": "2025-12-26", "tier": "T1"})
    assert wm is not None
    assert wm.partition_key == '{"tier":"T1","week":"2025-12-26"}'


@pytest.mark.parametrize(
    "args",
    [
        ("", "s", "p", "1"),
        ("d", "", "p", "1"),
        ("d", "s", "", "1"),
        ("d", "s", ["p"], "1"),
        ("d", "s", "p", ""),
        ("d", "s", "p", True),
        ("d", "s", "p", dt.datetime(2026, 1, 1)),  # naive
        ("d", "s", "x" * 256, "1"),
    ],
)
def test_bad_input_is_rejected(store: WatermarkStore, args: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError):
        store.advance(*args)
    assert store.list("d") == []


def test_concurrent_advances_never_go_backwards(ops_db: Any, db_factory: Callable[[], Any]) -> None:
    errors: list[BaseException] = []

    def run(values: list[int]) -> None:
        conn = db_factory()
        try:
            s = DBWatermarkStore(conn)
            for v in values:
                s.advance("d", "s", "p", v)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(list(range(i, 200, 4)),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert DBWatermarkStore(ops_db).get("d", "s", "p").high_water == "199"  # type: ignore[union-attr]
