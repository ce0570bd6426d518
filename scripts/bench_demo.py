"""Benchmark the demo end to end: ``spine demo``'s throughput next to a plain bulk load.

For each backend (an isolated schema/database/file from ``spine.db.testing``):

* **demo**: the whole FINRA OTC pipeline (``finra_otc.demo.run_demo``, what ``spine demo
  --scale N`` runs) over a fresh database: both releases of the synthetic sample, every week
  through ingest (L2), normalize + rejects, quality gate, aggregate (restated L3), rolling
  and publish, each step an execution through the dispatcher, each week a tracked workflow
  run, the weeks as backfill plans. Reported as rows read from the weekly files per second
  of wall time (and per second of this process's CPU time).
* **plain load**: the same rows (every line of every file the demo read, split into FINRA's
  eight columns) loaded into one unindexed table by the driver alone, in one transaction:
  ``COPY ... FROM STDIN`` on PostgreSQL, ``executemany`` elsewhere.

The ratio ``demo / plain`` is what the pipeline costs over just storing the rows.

Usage::

    uv run python scripts/bench_demo.py                           # --scale 100000, 6 weeks
    uv run python scripts/bench_demo.py --scale 10000 --weeks 12 --backends sqlite

Backends that are unreachable are skipped (URLs: ``SPINE_TEST_POSTGRES_URL``,
``SPINE_TEST_MYSQL_URL``; defaults to the local services).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from finra_otc.demo import DemoSettings, run_demo
from finra_otc.sample import SampleSource
from finra_otc.source import HEADER
from spine.db import SpineConnection
from spine.db.schema import STR, Column, Table, create_table
from spine.db.testing import IsolatedDatabase, probe_backend

PLAIN = Table("bench_demo_plain", columns=tuple(Column(c, STR(200)) for c in HEADER))


@dataclass
class BackendResult:
    backend: str
    scale: int
    weeks: int
    rows: int
    demo_seconds: float
    demo_cpu_seconds: float
    demo_rows_per_s: float
    demo_rows_per_cpu_s: float
    weeks_published: int
    plain_seconds: float
    plain_rows_per_s: float
    demo_vs_plain: float


def sample_rows(sample: SampleSource, directory: Path) -> list[tuple[str, ...]]:
    """Every data line of every file the demo reads (release 1, then release 2's files), as
    eight text columns (short lines padded, long ones cut: the plain load takes any row)."""
    rows: list[tuple[str, ...]] = []
    for release in (1, 2):
        for path in sample.write_release(release, directory / f"r{release}"):
            for line in path.read_text(encoding="utf-8").splitlines()[1:]:
                parts = line.split("|")
                rows.append(tuple((parts + [""] * 8)[:8]))
    return rows


def plain_load(conn: SpineConnection, rows: list[tuple[str, ...]]) -> float:
    """Seconds to load ``rows`` with the driver alone (``COPY`` / ``executemany``)."""
    create_table(conn, PLAIN)
    raw, d = conn.raw, conn.dialect
    columns = ", ".join(HEADER)
    t0 = time.perf_counter()
    if d.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {PLAIN.name} ({columns}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    else:
        sql = f"INSERT INTO {PLAIN.name} ({columns}) VALUES ({d.placeholders(8)})"  # noqa: S608 - constants
        cur = raw.cursor()
        for start in range(0, len(rows), 5_000):
            cur.executemany(sql, rows[start : start + 5_000])
        cur.close()
    raw.commit()
    return time.perf_counter() - t0


@contextmanager
def _space(backend: str) -> Iterator[SpineConnection]:
    iso = IsolatedDatabase.create(backend)
    try:
        conn = iso.connect()
        try:
            yield conn
        finally:
            conn.close()
    finally:
        iso.cleanup()


def bench_backend(
    backend: str, scale: int, weeks: int, rows: list[tuple[str, ...]], log: Callable[[str], None]
) -> BackendResult:
    with _space(backend) as conn:
        log(f"{backend}: spine demo --scale {scale:,} --weeks {weeks} ({len(rows):,} rows)")
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = run_demo(conn, DemoSettings(scale=scale, weeks=weeks))
        demo_s, demo_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        published = len(report.published_weeks)
        if published != weeks:
            raise SystemExit(f"{backend}: {published} of {weeks} weeks published")
    with _space(backend) as conn:
        log(f"{backend}: plain load of the same {len(rows):,} rows")
        plain_s = plain_load(conn, rows)
    demo_rate = len(rows) / demo_s
    plain_rate = len(rows) / plain_s
    return BackendResult(
        backend=backend,
        scale=scale,
        weeks=weeks,
        rows=len(rows),
        demo_seconds=round(demo_s, 2),
        demo_cpu_seconds=round(demo_cpu, 2),
        demo_rows_per_s=round(demo_rate),
        demo_rows_per_cpu_s=round(len(rows) / demo_cpu),
        weeks_published=published,
        plain_seconds=round(plain_s, 3),
        plain_rows_per_s=round(plain_rate),
        demo_vs_plain=round(demo_rate / plain_rate, 3),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=100_000, help="rows per week (100000)")
    parser.add_argument("--weeks", type=int, default=6, help="weeks of the sample (6..104)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.scale < 100 or not 6 <= args.weeks <= 104:
        parser.error("--scale must be >= 100 and --weeks in 6..104")

    def log(msg: str) -> None:
        print(f"  .. {msg}", file=sys.stderr, flush=True)

    sample = SampleSource(weeks=args.weeks, rows_per_week=args.scale)
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        log(f"generating the sample: {args.weeks} weeks of about {args.scale:,} rows")
        rows = sample_rows(sample, Path(tmp))

    results: list[BackendResult] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        status = probe_backend(backend)
        if not status.available:
            print(f"skip {backend}: {status.reason}", file=sys.stderr)
            continue
        results.append(bench_backend(backend, args.scale, args.weeks, rows, log))

    header = (
        f"{'backend':<10} {'rows':>9} {'demo s':>8} {'demo rows/s':>12} {'(per CPU s)':>12} "
        f"{'plain rows/s':>13} {'demo/plain':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.backend:<10} {r.rows:>9,} {r.demo_seconds:>8.1f} {r.demo_rows_per_s:>12,} "
            f"{r.demo_rows_per_cpu_s:>12,} {r.plain_rows_per_s:>13,} {r.demo_vs_plain:>11.3f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in results], fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
