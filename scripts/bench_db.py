"""Benchmark spine-db's bulk insert against the raw driver on every live backend.

For each backend (SQLite file, PostgreSQL, MySQL/MariaDB) the same 100,000 realistic rows
are loaded into a fresh table twice per round:

* raw:   the driver alone (``cursor.executemany`` of tuples; ``COPY ... FROM STDIN`` with
         ``write_row`` on PostgreSQL), one transaction, one commit;
* spine: ``BaseRepository(conn).insert_many(table, rows_as_dicts)``, one transaction, one
         commit.

Rows are built once before timing (dicts for spine, the equivalent tuples for raw);
timestamps are pre-encoded with the dialect. The best of ``--rounds`` runs is reported (and
the overhead of the medians), with the order of raw/spine alternating between rounds. MySQL's
raw baseline uses the same 5,000-row ``executemany`` batches as spine.

    uv run python scripts/bench_db.py [--rows 100000] [--rounds 5] [--backends sqlite,postgres]

URLs come from ``SPINE_TEST_POSTGRES_URL`` / ``SPINE_TEST_MYSQL_URL`` (defaults: the local
services); an unreachable backend is skipped.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spine.db import BaseRepository, SpineConnection, create_connection
from spine.db.schema import BIGINT, FLOAT, ID, INT, STR, TS, Column, Table, create_table
from spine.db.testing import backend_url, probe_backend

TABLE = Table(
    "bench_trades",
    columns=(
        Column("id", BIGINT),
        Column("trade_id", ID),
        Column("symbol", STR(12)),
        Column("venue", STR(20)),
        Column("side", STR(4)),
        Column("qty", INT),
        Column("price", FLOAT),
        Column("traded_at", TS),
        Column("note", STR(100), nullable=True),
    ),
    primary_key=("id",),
)
COLUMNS = TABLE.column_names
MYSQL_CHUNK = 5_000  # spine-db's default MySQL batch (keeps packets under max_allowed_packet)
SYMBOLS = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA", "META", "BRK.B", "JPM", "XOM"]
VENUES = ["NYSE", "NASDAQ", "ARCA", "BATS", "IEX", "OTC"]


def make_rows(conn: SpineConnection, n: int) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    rnd = random.Random(42)
    d = conn.dialect
    start = datetime(2025, 12, 26, 9, 30, tzinfo=UTC)
    dicts = [
        {
            "id": i,
            "trade_id": f"01JFZ{i:021d}",
            "symbol": rnd.choice(SYMBOLS),
            "venue": rnd.choice(VENUES),
            "side": "BUY" if i % 2 else "SELL",
            "qty": rnd.randint(1, 10_000),
            "price": round(rnd.uniform(5, 900), 4),
            "traded_at": d.encode_timestamp(start + timedelta(milliseconds=i)),
            "note": None if i % 5 else f"block trade {i}",
        }
        for i in range(n)
    ]
    tuples = [tuple(r[c] for c in COLUMNS) for r in dicts]
    return dicts, tuples


def fresh_table(conn: SpineConnection) -> None:
    conn.execute(conn.dialect.drop_table_sql(TABLE.name))
    conn.commit()
    create_table(conn, TABLE)


def raw_load(conn: SpineConnection, tuples: list[tuple[Any, ...]]) -> None:
    raw, d = conn.raw, conn.dialect
    if d.name == "postgresql":
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {TABLE.name} ({', '.join(COLUMNS)}) FROM STDIN") as cp,
        ):
            for row in tuples:
                cp.write_row(row)
    else:
        cols, marks = ", ".join(COLUMNS), d.placeholders(len(COLUMNS))
        sql = f"INSERT INTO {TABLE.name} ({cols}) VALUES ({marks})"  # noqa: S608 - constants
        cur = raw.cursor()
        if d.name == "mysql":  # same batches as spine: one multi-row INSERT per 5,000 rows
            for start in range(0, len(tuples), MYSQL_CHUNK):
                cur.executemany(sql, tuples[start : start + MYSQL_CHUNK])
        else:
            cur.executemany(sql, tuples)
        cur.close()
    raw.commit()


def spine_load(conn: SpineConnection, dicts: list[dict[str, Any]]) -> None:
    BaseRepository(conn).insert_many(TABLE.name, dicts)
    conn.commit()


def timed(conn: SpineConnection, fn: Callable[[], None], expected: int) -> float:
    fresh_table(conn)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    got = BaseRepository(conn).query_value(f"SELECT COUNT(*) FROM {TABLE.name}")  # noqa: S608
    conn.commit()
    assert got == expected, f"loaded {got} rows, expected {expected}"
    return elapsed


def bench(name: str, url: str, n: int, rounds: int) -> dict[str, float]:
    conn, _ = create_connection(url)
    dicts, tuples = make_rows(conn, n)
    raw_times: list[float] = []
    spine_times: list[float] = []
    for i in range(rounds):
        order = [("raw", raw_times), ("spine", spine_times)]
        if i % 2:
            order.reverse()
        for label, sink in order:
            if label == "raw":
                sink.append(timed(conn, lambda: raw_load(conn, tuples), n))
            else:
                sink.append(timed(conn, lambda: spine_load(conn, dicts), n))
    conn.execute(conn.dialect.drop_table_sql(TABLE.name))
    conn.commit()
    conn.close()
    raw_best, spine_best = min(raw_times), min(spine_times)
    raw_med, spine_med = statistics.median(raw_times), statistics.median(spine_times)
    return {
        "raw_rps": n / raw_best,
        "spine_rps": n / spine_best,
        "overhead_pct": (spine_best / raw_best - 1) * 100,
        "median_overhead_pct": (spine_med / raw_med - 1) * 100,
        "raw_s": raw_best,
        "spine_s": spine_best,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgres,mysql")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="spine-bench-") as tmp:
        for name in args.backends.split(","):
            if name == "sqlite":
                url: str | None = str(Path(tmp) / "bench.db")
            else:
                status = probe_backend(name)
                if not status.available:
                    print(f"{name:9s} skipped: {status.reason}")
                    continue
                url = backend_url(name)
            assert url is not None
            results[name] = bench(name, url, args.rows, args.rounds)
            r = results[name]
            print(
                f"{name:9s} raw {r['raw_rps']:>10,.0f} rows/s ({r['raw_s']:.3f}s)   "
                f"spine {r['spine_rps']:>10,.0f} rows/s ({r['spine_s']:.3f}s)   "
                f"overhead {r['overhead_pct']:+.1f}% (median {r['median_overhead_pct']:+.1f}%)",
                flush=True,
            )
    worst = max((r["overhead_pct"] for r in results.values()), default=0.0)
    print(
        f"rows={args.rows} rounds={args.rounds} python={sys.version.split()[0]} "
        f"worst overhead {worst:+.1f}% (goal < 10%)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
