"""Contract: restatements keep history on every backend."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest

from spine.db.schema import BIGINT, STR, Column, Table
from spine.ops import as_of, bitemporal_columns, current_rows, history, restate
from spine.types import SpineError, ValidationError
from spine.types import as_of as record_as_of

VOL = Table(
    "ops_vol",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("shares", BIGINT),
        *bitemporal_columns(),
    ),
)
KEY = {"week": "2025-12-26"}
T1 = dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 1, 9, 9, tzinfo=dt.UTC)


def _shares(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {str(r["symbol"]): int(r["shares"]) for r in rows}


def test_corrections_become_versions(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    t = make_table(VOL)
    first = restate(
        ops_db,
        t,
        KEY,
        [{"symbol": "AAPL", "shares": 100}, {"symbol": "MSFT", "shares": 50}],
        system_time=T1,
    )
    assert (first.changed, first.closed, first.inserted) == (True, 0, 2)
    second = restate(
        ops_db,
        t,
        KEY,
        [{"symbol": "AAPL", "shares": 120}, {"symbol": "MSFT", "shares": 50}],
        system_time=T2,
    )
    assert (second.changed, second.closed, second.inserted) == (True, 2, 2)
    assert _shares(as_of(ops_db, t, KEY, T1)) == {"AAPL": 100, "MSFT": 50}
    assert _shares(as_of(ops_db, t, KEY, T2 - dt.timedelta(microseconds=1))) == {
        "AAPL": 100,
        "MSFT": 50,
    }
    assert _shares(as_of(ops_db, t, KEY, T2)) == {"AAPL": 120, "MSFT": 50}  # half-open [from, to)
    assert as_of(ops_db, t, KEY, T1 - dt.timedelta(days=1)) == []
    assert _shares(current_rows(ops_db, t, KEY)) == {"AAPL": 120, "MSFT": 50}


def test_unchanged_republish_is_a_noop(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    t = make_table(VOL)
    rows = [{"symbol": "AAPL", "shares": 100}, {"symbol": "MSFT", "shares": 50}]
    restate(ops_db, t, KEY, rows, system_time=T1)
    again = restate(ops_db, t, KEY, list(reversed(rows)))  # order does not matter
    assert (again.changed, again.closed, again.inserted) == (False, 0, 0)
    assert int(ops_db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) == 2


def test_history_matches_bitemporal_semantics(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 100}], system_time=T1)
    restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 120}], system_time=T2)
    records = history(ops_db, t, KEY)
    assert [(r.system_from, r.system_to) for r in records] == [(T1, T2), (T2, None)]
    for when in (T1, T2, T2 + dt.timedelta(days=3)):
        rec = record_as_of(records, system_time=when, valid_time=T2 + dt.timedelta(days=30))
        assert rec is not None
        assert _shares(rec.payload) == _shares(as_of(ops_db, t, KEY, when))


def test_other_keys_untouched_and_failed_write_keeps_current(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    other = {"week": "2025-12-19"}
    restate(ops_db, t, other, [{"symbol": "AAPL", "shares": 1}], system_time=T1)
    restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 100}], system_time=T1)
    with pytest.raises(SpineError):
        restate(
            ops_db,
            t,
            KEY,
            [{"symbol": "AAPL", "shares": 5}, {"symbol": None, "shares": 1}],
            system_time=T2,
        )  # NOT NULL violation after the close
    assert _shares(current_rows(ops_db, t, KEY)) == {"AAPL": 100}
    assert _shares(current_rows(ops_db, t, other)) == {"AAPL": 1}


def test_bad_input(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    t = make_table(VOL)
    restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 1}], system_time=T2)
    with pytest.raises(ValidationError):  # cannot start a version before the current one
        restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 2}], system_time=T1)
    with pytest.raises(ValidationError):
        restate(ops_db, t, KEY, [{"symbol": "A", "shares": 1, "week": "2025-12-19"}])
    with pytest.raises(ValidationError):
        restate(ops_db, f"{t}; DROP TABLE {t}", KEY, [])
    with pytest.raises(ValidationError):
        restate(ops_db, t, KEY, [{"shares) VALUES (1); --": 1}])
    assert _shares(current_rows(ops_db, t, KEY)) == {"AAPL": 1}


def test_concurrent_restatements_leave_one_current_version(
    ops_db: Any, db_factory: Callable[[], Any], make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 1}], system_time=T1)
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker(shares: int) -> None:
        conn = db_factory()
        try:
            barrier.wait(10)
            restate(conn, t, KEY, [{"symbol": "AAPL", "shares": shares}])
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (10, 20, 30)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    current = current_rows(ops_db, t, KEY)
    assert len(current) == 1  # never two current versions of the key
    assert int(current[0]["shares"]) in (10, 20, 30)
    # a writer that kept losing gets a typed, retryable-by-caller error, never corruption
    assert all(isinstance(e, SpineError) for e in errors)
    versions = history(ops_db, t, KEY)
    assert [v.system_to is None for v in versions].count(True) == 1
