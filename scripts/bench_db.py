"""Benchmark spine-db's bulk insert against the raw driver on every live backend.

For each backend (SQLite file, PostgreSQL, MySQL/MariaDB) the same 100,000 realistic rows
are loaded into a fresh table twice per round:

* raw:   the driver alone (``cursor.executemany`` of tuples; ``COPY ... FROM STDIN`` with
         ``write_row`` on PostgreSQL), one transaction, one commit;
* spine: ``BaseRepository(conn).insert_many(table, rows_as_dicts)``, one transaction, one
         commit.

Rows are built once before timing (dicts for spine, the equivalent tuples for raw);
timestamps are pre-encoded with the dialect. Each round loads raw and spine back to back
(alternating which goes first); rows/s are medians, the overhead is the median of the
per-round spine/raw ratios (robust on a shared machine), shown next to best-vs-best and client
CPU time. MySQL's raw baseline uses the same 5,000-row ``executemany`` batches as spine.

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


def spine_tuple_load(conn: SpineConnection, tuples: list[tuple[Any, ...]]) -> None:
    BaseRepository(conn).insert_many(TABLE.name, tuples, columns=COLUMNS)
    conn.commit()


def timed(conn: SpineConnection, fn: Callable[[], None], expected: int) -> tuple[float, float]:
    """(wall seconds, client CPU seconds) of one load into a fresh table."""
    fresh_table(conn)
    gc.collect()
    gc.disable()
    try:
        cpu, start = time.process_time(), time.perf_counter()
        fn()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        gc.enable()
    got = BaseRepository(conn).query_value(f"SELECT COUNT(*) FROM {TABLE.name}")  # noqa: S608
    conn.commit()
    assert got == expected, f"loaded {got} rows, expected {expected}"
    return elapsed, cpu


def bench(url: str, n: int, rounds: int) -> dict[str, float]:
    """Interleaved rounds of three loads of the same rows: the raw driver (tuples), spine with
    the same tuples (``insert_many(rows, columns=...)``) and spine with dict rows (which pays
    the dict -> tuple conversion a raw-driver user holding dicts would pay too). Overhead is the
    median of the per-round ratios to raw (each round runs the three back to back, so they see
    the same machine load); the client-CPU ratio is shown beside it."""
    conn, _ = create_connection(url)
    dicts, tuples = make_rows(conn, n)
    loads: dict[str, Callable[[], None]] = {
        "raw": lambda: raw_load(conn, tuples),
        "tuples": lambda: spine_tuple_load(conn, tuples),
        "dicts": lambda: spine_load(conn, dicts),
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in loads}
    order = list(loads)
    for i in range(rounds):
        for key in order[i % 3 :] + order[: i % 3]:
            times[key].append(timed(conn, loads[key], n))
    conn.execute(conn.dialect.drop_table_sql(TABLE.name))
    conn.commit()
    conn.close()

    def overhead(key: str) -> float:
        ratios = (s[0] / r[0] for r, s in zip(times["raw"], times[key], strict=True))
        return (statistics.median(ratios) - 1) * 100

    def cpu_overhead(key: str) -> float:
        spine_cpu = statistics.median(c for _, c in times[key])
        return (spine_cpu / statistics.median(c for _, c in times["raw"]) - 1) * 100

    def rps(key: str) -> float:
        return n / statistics.median(w for w, _ in times[key])

    return {
        "raw_rps": rps("raw"),
        "spine_rps": rps("tuples"),
        "spine_dict_rps": rps("dicts"),
        "overhead_pct": overhead("tuples"),
        "dict_overhead_pct": overhead("dicts"),
        "cpu_overhead_pct": cpu_overhead("tuples"),
        "dict_cpu_overhead_pct": cpu_overhead("dicts"),
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
            results[name] = r = bench(url, args.rows, args.rounds)
            print(
                f"{name:9s} raw {r['raw_rps']:>9,.0f} rows/s | spine, same tuples "
                f"{r['spine_rps']:>9,.0f} rows/s {r['overhead_pct']:+5.1f}% "
                f"(CPU {r['cpu_overhead_pct']:+.1f}%) | spine, dict rows "
                f"{r['spine_dict_rps']:>9,.0f} rows/s {r['dict_overhead_pct']:+5.1f}% "
                f"(CPU {r['dict_cpu_overhead_pct']:+.1f}%)",
                flush=True,
            )
    worst = max((r["overhead_pct"] for r in results.values()), default=0.0)
    worst_dicts = max((r["dict_overhead_pct"] for r in results.values()), default=0.0)
    print(
        f"rows={args.rows} rounds={args.rounds} python={sys.version.split()[0]} "
        f"worst overhead {worst:+.1f}% on the same tuples (goal < 10%), "
        f"{worst_dicts:+.1f}% from dict rows"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
