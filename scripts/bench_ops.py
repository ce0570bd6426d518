"""Benchmark spine-ops idempotent writes against plain bulk inserts, per backend.

For each backend (an isolated schema/database/file from ``spine.db.testing``):

* **L2 dedup ingest**: a table preloaded with ``rows / 2`` records; then ``rows`` records are
  ingested with ``IdempotencyHelper.insert_new`` (natural-key hashing included): a quarter are
  copies of stored records, a quarter repeat records of the same batch, half are new.
  Reported as input rows/s (and new rows/s).
* **plain bulk insert**: the same new unique rows (``rows / 2``, hashes precomputed) inserted
  with spine-db ``BaseRepository.insert_many`` (``COPY`` on PostgreSQL, multi-row
  ``executemany`` elsewhere) into an identically preloaded and indexed table.
* **L3 replace**: ``replace_l3`` of a ``l3_rows`` partition (delete + insert in one
  transaction) in a table holding a second partition of the same size.

Usage::

    uv run python scripts/bench_ops.py                    # 1,000,000 rows, all backends
    uv run python scripts/bench_ops.py --rows 100000 --backends sqlite,postgres

Backends that are unreachable are skipped (URLs: ``SPINE_TEST_POSTGRES_URL``,
``SPINE_TEST_MYSQL_URL``; defaults to the local services).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from spine.db import BaseRepository, SpineConnection, get_dialect, transaction
from spine.db.schema import BIGINT, STR, Column, Index, Table
from spine.db.testing import IsolatedDatabase, probe_backend
from spine.ops import IdempotencyHelper, replace_l3
from spine.types import compute_hash

NATURAL_KEY = ["week", "symbol", "venue"]


def _l2_table(name: str) -> Table:
    return Table(
        name,
        columns=(
            Column("week", STR(10)),
            Column("symbol", STR(16)),
            Column("venue", STR(8)),
            Column("shares", BIGINT),
            Column("record_hash", STR(64)),
        ),
        indexes=(Index(f"ux_{name}_h", ("record_hash",), unique=True),),
    )


L3_TABLE = Table(
    "bench_l3",
    columns=(
        Column("week", STR(10)),
        Column("tier", STR(12)),
        Column("symbol", STR(16)),
        Column("volume", BIGINT),
    ),
    indexes=(Index("ix_bench_l3_key", ("week", "tier")),),
)


@dataclass
class BackendResult:
    backend: str
    rows: int
    l2_seconds: float
    l2_rows_per_s: float
    l2_new_rows_per_s: float
    l2_inserted: int
    l2_skipped: int
    bulk_rows: int
    bulk_seconds: float
    bulk_rows_per_s: float
    l2_vs_bulk: float
    l3_rows: int
    l3_seconds: float
    l3_rows_per_s: float


def _record(i: int) -> dict[str, Any]:
    return {"week": "2025-12-26", "symbol": f"SYM{i:09d}", "venue": "XNAS", "shares": i}


def _with_hash(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "record_hash": compute_hash(*(row[c] for c in NATURAL_KEY))}


def _create(conn: SpineConnection, table: Table) -> None:
    d = get_dialect(conn)
    with transaction(conn):
        conn.execute(d.drop_table_sql(table.name))
    with transaction(conn):
        for stmt in d.create_table_statements(table):
            conn.execute(stmt)


def _analyze(conn: SpineConnection, table: str) -> None:
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(f"ANALYZE {table}")
    elif name == "mysql":
        conn.execute(f"ANALYZE TABLE {table}").fetchall()
    elif name == "sqlite":
        conn.execute("ANALYZE")
    conn.commit()


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


@contextmanager
def _space(backend: str) -> Iterator[SpineConnection]:
    iso = IsolatedDatabase.create(backend)
    try:
        yield iso.connect()
    finally:
        iso.cleanup()


def bench_backend(
    backend: str, rows: int, l3_rows: int, log: Callable[[str], None]
) -> BackendResult:
    half = rows // 2
    quarter = rows // 4
    with _space(backend) as conn:
        repo = BaseRepository(conn)
        preload = [_with_hash(_record(i)) for i in range(half)]
        new_unique = [_record(i) for i in range(half, half + half)]
        # batch: a quarter already stored, half new, a quarter repeating new rows of the batch
        batch = (
            [_record(i) for i in range(quarter)] + new_unique + new_unique[: rows - quarter - half]
        )

        # -- plain bulk insert of the same new unique rows (hashes precomputed) -------------
        _create(conn, _l2_table("bench_bulk"))
        with transaction(conn):
            repo.insert_many("bench_bulk", preload)
        _analyze(conn, "bench_bulk")
        bulk_rows = [_with_hash(r) for r in new_unique]
        log(f"{backend}: bulk insert of {len(bulk_rows):,} rows")

        def bulk() -> int:
            with transaction(conn):
                return repo.insert_many("bench_bulk", bulk_rows)

        bulk_s, _ = _timed(bulk)
        conn.execute(get_dialect(conn).drop_table_sql("bench_bulk"))
        conn.commit()

        # -- L2 dedup ingest ------------------------------------------------------------------
        _create(conn, _l2_table("bench_l2"))
        with transaction(conn):
            repo.insert_many("bench_l2", preload)
        _analyze(conn, "bench_l2")
        del preload
        helper = IdempotencyHelper(conn)
        log(f"{backend}: L2 ingest of {len(batch):,} rows")
        l2_s, res = _timed(
            lambda: helper.insert_new(
                "bench_l2", batch, hash_column="record_hash", natural_key=NATURAL_KEY
            )
        )
        stored = int(conn.execute("SELECT COUNT(*) FROM bench_l2").fetchone()[0])  # type: ignore[index]
        conn.commit()
        if res.inserted != half or stored != half + half:
            raise SystemExit(f"{backend}: L2 ingest inserted {res.inserted}, table has {stored}")
        conn.execute(get_dialect(conn).drop_table_sql("bench_l2"))
        conn.commit()

        # -- L3 replace of a partition ----------------------------------------------------------
        _create(conn, L3_TABLE)
        with transaction(conn):
            for tier in ("T1", "T2"):
                repo.insert_many(
                    "bench_l3",
                    (
                        {"week": "2025-12-26", "tier": tier, "symbol": f"S{i:08d}", "volume": i}
                        for i in range(l3_rows)
                    ),
                )
        _analyze(conn, "bench_l3")
        new_rows = [
            {"week": "2025-12-26", "tier": "T1", "symbol": f"S{i:08d}", "volume": i * 2}
            for i in range(l3_rows)
        ]
        log(f"{backend}: L3 replace of {l3_rows:,} rows")
        l3_s, rep = _timed(
            lambda: replace_l3(conn, "bench_l3", {"week": "2025-12-26", "tier": "T1"}, new_rows)
        )
        if (rep.deleted, rep.inserted) != (l3_rows, l3_rows):
            raise SystemExit(f"{backend}: L3 replace returned {rep}")
        conn.execute(get_dialect(conn).drop_table_sql("bench_l3"))
        conn.commit()

    l2_rate = len(batch) / l2_s
    bulk_rate = len(bulk_rows) / bulk_s
    return BackendResult(
        backend=backend,
        rows=len(batch),
        l2_seconds=round(l2_s, 3),
        l2_rows_per_s=round(l2_rate),
        l2_new_rows_per_s=round(res.inserted / l2_s),
        l2_inserted=res.inserted,
        l2_skipped=res.skipped,
        bulk_rows=len(bulk_rows),
        bulk_seconds=round(bulk_s, 3),
        bulk_rows_per_s=round(bulk_rate),
        l2_vs_bulk=round(l2_rate / bulk_rate, 2),
        l3_rows=l3_rows,
        l3_seconds=round(l3_s, 3),
        l3_rows_per_s=round(l3_rows / l3_s),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="L2 input rows (default 1M)")
    parser.add_argument("--l3-rows", type=int, default=100_000, help="L3 partition size")
    parser.add_argument("--backends", default="sqlite,postgres,mysql")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.rows < 8 or args.l3_rows < 1:
        parser.error("--rows must be >= 8 and --l3-rows >= 1")

    def log(msg: str) -> None:
        print(f"  .. {msg}", file=sys.stderr, flush=True)

    results: list[BackendResult] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        status = probe_backend(backend)
        if not status.available:
            print(f"skip {backend}: {status.reason}", file=sys.stderr)
            continue
        results.append(bench_backend(backend, args.rows, args.l3_rows, log))

    header = (
        f"{'backend':<10} {'L2 rows/s':>11} {'(new/s)':>10} {'bulk rows/s':>12} "
        f"{'L2/bulk':>8} {'L3 rows/s':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.backend:<10} {r.l2_rows_per_s:>11,} {r.l2_new_rows_per_s:>10,} "
            f"{r.bulk_rows_per_s:>12,} {r.l2_vs_bulk:>8.2f} {r.l3_rows_per_s:>10,}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in results], fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
