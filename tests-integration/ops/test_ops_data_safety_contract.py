"""Contract: the write paths of spine-ops never lose or corrupt data (issue 7 items 1, 2, 3, 5,
6), the same on every backend.

- concurrent first publication of a key leaves one current version; contended writers back
  off and all succeed; a corrupted key is found and repaired;
- aware datetimes are stored at their UTC instant, naive ones refused naming the column;
- the column list is the union of the rows' keys, unknown keys refused naming them;
- concurrent overlapping small L2 batches never fail for a duplicate;
- non-finite floats are refused naming the column, never stored as NULL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

from spine.db import get_dialect
from spine.db.schema import BIGINT, FLOAT, STR, TS, Column, Index, Table
from spine.ops import (
    bitemporal_columns,
    corrupted_keys,
    current_rows,
    history,
    ingest_l2,
    repair_key,
    replace_l3,
    restate,
)
from spine.types import ValidationError

VOL = Table(
    "ops_safe_vol",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("shares", BIGINT),
        Column("venue", STR(10), nullable=True),
        Column("px", FLOAT, nullable=True),
        Column("seen_at", TS, nullable=True),
        *bitemporal_columns(),
    ),
)
BRONZE = Table(
    "ops_safe_bronze",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("venue", STR(10), nullable=True),
        Column("px", FLOAT, nullable=True),
        Column("seen_at", TS, nullable=True),
        Column("record_hash", STR(64)),
    ),
    indexes=(Index("ux_ops_safe_bronze_h", ("record_hash",), unique=True),),
)
SILVER = Table(
    "ops_safe_silver",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("venue", STR(10), nullable=True),
        Column("px", FLOAT, nullable=True),
        Column("seen_at", TS, nullable=True),
    ),
)
KEY = {"week": "2025-12-26"}
NK = ["week", "symbol"]


def _count(db: Any, table: str) -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _run_threads(n: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(180)


# -- item 1: one current version per key --------------------------------------------------
def test_concurrent_first_publication_leaves_one_current_version(
    ops_db: Any, db_factory: Callable[[], Any], make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker(i: int) -> None:
        conn = db_factory()
        try:
            barrier.wait(30)
            restate(conn, t, KEY, [{"symbol": "AAPL", "shares": 100 + i}])
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    _run_threads(6, worker)
    assert errors == []  # every writer got through (they waited for the key's lock)
    current = current_rows(ops_db, t, KEY)
    assert len(current) == 1
    assert len({r["system_from"] for r in current}) == 1
    assert corrupted_keys(ops_db, t, ["week"]) == []
    versions = history(ops_db, t, KEY)
    assert len(versions) == 6
    assert [v.system_to is None for v in versions].count(True) == 1


def test_contended_restatements_back_off_and_all_succeed(
    ops_db: Any, db_factory: Callable[[], Any], make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def worker(i: int) -> None:
        conn = db_factory()
        try:
            barrier.wait(30)
            for j in range(3):
                restate(conn, t, KEY, [{"symbol": "AAPL", "shares": i * 10 + j}])
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    _run_threads(5, worker)
    assert errors == []
    assert len(current_rows(ops_db, t, KEY)) == 1
    versions = history(ops_db, t, KEY)
    assert len(versions) == 15
    for older, newer in itertools.pairwise(versions):
        assert older.system_to == newer.system_from  # a clean chain of intervals


def test_a_corrupted_key_is_detected_and_repaired(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    d = get_dialect(ops_db)
    cols = ["week", "symbol", "shares", "system_from", "system_to", "row_hash"]
    t1 = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
    # what concurrent first publications left behind before the lock: two current versions
    ops_db.insert_rows(
        t,
        cols,
        [
            ("2025-12-26", "AAPL", 1, d.encode_timestamp(t1), None, "h1"),
            ("2025-12-26", "AAPL", 2, d.encode_timestamp(t2), None, "h2"),
            ("2025-12-19", "AAPL", 3, d.encode_timestamp(t1), None, "h3"),
        ],
    )
    ops_db.commit()
    assert [r["week"] for r in corrupted_keys(ops_db, t, ["week"])] == ["2025-12-26"]
    assert repair_key(ops_db, t, KEY) == 1
    assert corrupted_keys(ops_db, t, ["week"]) == []
    assert [int(r["shares"]) for r in current_rows(ops_db, t, KEY)] == [2]  # the newest
    assert repair_key(ops_db, t, KEY) == 0
    # and restatements work on the key again
    assert restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 5}]).closed == 1


def test_restating_a_corrupted_key_closes_every_current_row(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    d = get_dialect(ops_db)
    cols = ["week", "symbol", "shares", "system_from", "system_to", "row_hash"]
    stamps = [d.encode_timestamp(dt.datetime(2026, 1, k, tzinfo=dt.UTC)) for k in (2, 3)]
    ops_db.insert_rows(
        t, cols, [("2025-12-26", "AAPL", k, s, None, f"h{k}") for k, s in enumerate(stamps)]
    )
    ops_db.commit()
    res = restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 9}])
    assert res.closed == 2
    assert [int(r["shares"]) for r in current_rows(ops_db, t, KEY)] == [9]


# -- item 2: datetimes -------------------------------------------------------------------
PLUS5 = dt.timezone(dt.timedelta(hours=5))
NOON_PLUS5 = dt.datetime(2026, 1, 2, 12, 0, tzinfo=PLUS5)
SEVEN_UTC = dt.datetime(2026, 1, 2, 7, 0, tzinfo=dt.UTC)


def _stored_times(db: Any, table: str) -> list[dt.datetime | None]:
    d = get_dialect(db)
    rows = db.execute(f"SELECT seen_at FROM {table}").fetchall()
    return [d.decode_timestamp(r[0]) for r in rows]


def test_aware_datetimes_are_stored_at_their_utc_instant(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    bronze, silver, vol = make_table(BRONZE), make_table(SILVER), make_table(VOL)
    row = {"week": "2025-12-26", "symbol": "AAPL", "seen_at": NOON_PLUS5}
    ingest_l2(ops_db, bronze, [row], natural_key=NK)
    replace_l3(ops_db, silver, KEY, [row])
    restate(ops_db, vol, KEY, [{**row, "shares": 1}])
    for table in (bronze, silver, vol):
        assert _stored_times(ops_db, table) == [SEVEN_UTC], table
    # the same instant in another zone is the same content: no new version
    same = dict(row, shares=1, seen_at=SEVEN_UTC)
    assert restate(ops_db, vol, KEY, [same]).changed is False


@pytest.mark.parametrize("path", ["ingest_l2", "replace_l3", "restate"])
def test_naive_datetimes_are_refused_naming_the_column(
    ops_db: Any, make_table: Callable[[Table], str], path: str
) -> None:
    table = make_table({"ingest_l2": BRONZE, "replace_l3": SILVER, "restate": VOL}[path])
    rows = [
        {"week": "2025-12-26", "symbol": "A", "shares": 1, "seen_at": SEVEN_UTC},
        {"week": "2025-12-26", "symbol": "B", "shares": 1, "seen_at": dt.datetime(2026, 1, 2)},
    ]
    if path != "restate":
        rows = [{k: v for k, v in r.items() if k != "shares"} for r in rows]
    with pytest.raises(ValidationError, match=r"seen_at.*naive"):
        _write(ops_db, path, table, rows)
    assert _count(ops_db, table) == 0


def _write(db: Any, path: str, table: str, rows: Any, **kw: Any) -> Any:
    if path == "ingest_l2":
        return ingest_l2(db, table, rows, natural_key=NK, **kw)
    if path == "replace_l3":
        return replace_l3(db, table, KEY, rows, **kw)
    return restate(db, table, KEY, rows, **kw)


# -- item 3: the union of the rows' keys -------------------------------------------------
@pytest.mark.parametrize("path", ["ingest_l2", "replace_l3", "restate"])
def test_columns_are_the_union_of_the_rows_keys(
    ops_db: Any, make_table: Callable[[Table], str], path: str
) -> None:
    table = make_table({"ingest_l2": BRONZE, "replace_l3": SILVER, "restate": VOL}[path])
    extra = {"shares": 1} if path == "restate" else {}
    rows = [
        {"week": "2025-12-26", "symbol": "AAPL", **extra},
        {"week": "2025-12-26", "symbol": "MSFT", "venue": "XNAS", **extra},
    ]
    _write(ops_db, path, table, rows)
    got = dict(ops_db.execute(f"SELECT symbol, venue FROM {table}").fetchall())
    assert got == {"AAPL": None, "MSFT": "XNAS"}


@pytest.mark.parametrize("path", ["ingest_l2", "replace_l3", "restate"])
def test_unknown_keys_are_refused_naming_them(
    ops_db: Any, make_table: Callable[[Table], str], path: str
) -> None:
    table = make_table({"ingest_l2": BRONZE, "replace_l3": SILVER, "restate": VOL}[path])
    extra = {"shares": 1} if path == "restate" else {}
    rows = [
        {"week": "2025-12-26", "symbol": "AAPL", **extra},
        {"week": "2025-12-26", "symbol": "MSFT", "vneue": "XNAS", **extra},
    ]
    with pytest.raises(ValidationError, match="vneue"):
        _write(ops_db, path, table, rows)
    assert _count(ops_db, table) == 0


# -- item 5: concurrent overlapping small batches -----------------------------------------
def test_concurrent_overlapping_small_batches_never_fail_for_a_duplicate(
    ops_db: Any, db_factory: Callable[[], Any], make_table: Callable[[Table], str]
) -> None:
    table = make_table(BRONZE)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(i: int) -> None:
        conn = db_factory()
        try:
            barrier.wait(30)
            for start in range(0, 120, 10):  # each batch overlaps the other workers' batches
                rows = [
                    {"week": "2025-12-26", "symbol": f"S{n:04d}"}
                    for n in range(start + i, start + i + 30)
                ]
                ingest_l2(conn, table, rows, natural_key=NK)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    _run_threads(4, worker)
    assert errors == []
    assert _count(ops_db, table) == 143  # S0000..S0142, once each
    dupes = ops_db.execute(
        f"SELECT record_hash FROM {table} GROUP BY record_hash HAVING COUNT(*) > 1"
    ).fetchall()
    assert list(dupes) == []


# -- item 6: non-finite floats -------------------------------------------------------------
@pytest.mark.parametrize("path", ["ingest_l2", "replace_l3", "restate"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_floats_are_refused_naming_the_column(
    ops_db: Any, make_table: Callable[[Table], str], path: str, value: float
) -> None:
    table = make_table({"ingest_l2": BRONZE, "replace_l3": SILVER, "restate": VOL}[path])
    extra = {"shares": 1} if path == "restate" else {}
    rows = [
        {"week": "2025-12-26", "symbol": "A", "px": 1.5, **extra},
        {"week": "2025-12-26", "symbol": "B", "px": value, **extra},
    ]
    with pytest.raises(ValidationError, match=r"'px'.*non-finite"):
        _write(ops_db, path, table, rows)
    assert _count(ops_db, table) == 0
    _write(ops_db, path, table, rows[:1])  # finite floats round-trip
    assert [float(r[0]) for r in ops_db.execute(f"SELECT px FROM {table}").fetchall()] == [1.5]
