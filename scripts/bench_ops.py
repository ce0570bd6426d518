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
* **Peers** (issue 9): the same L2 scenario - ``rows / 2`` stored, then ``rows`` input records
  of which half are duplicates (a quarter already stored, a quarter repeated in the input) -
  on a table with a unique constraint over the natural key and no hash column, streamed from
  a generator. spine's ``ingest_l2`` in natural-key mode (``hash_column=None``) against the
  SQL a data engineer writes by hand: PostgreSQL ``COPY`` into a temporary table +
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``; SQLite ``INSERT OR IGNORE``
  ``executemany``; MariaDB ``INSERT IGNORE`` ``executemany`` (in 50,000-row calls). Reports
  both times, the spine/peer ratio and the peak RSS growth of each call (each runs in a
  forked child with its own connection; RSS sampled every 10 ms from ``/proc/self/statm``,
  process-wide: it includes the driver's and SQLite's buffers). On PostgreSQL a ``CHECKPOINT``
  precedes each timed run, so none of them pays for writing back the WAL of the preload or
  of the run before it.
  Also spine's hash mode (``ingest_l2`` with ``natural_key`` + ``record_hash``) on a hashed
  table preloaded with ``--hash-scheme`` hashes (default ``blake2b-128``, what a new table
  gets; ``sha256`` for a table written before it), for reference. The load average
  (``os.getloadavg()``) before and after each backend's run is printed with its figures.

Usage::

    uv run python scripts/bench_ops.py                    # 1,000,000 rows, all backends
    uv run python scripts/bench_ops.py --rows 100000 --backends sqlite,postgres
    uv run python scripts/bench_ops.py --only peers --rows 10000000 --backends postgres

Backends that are unreachable are skipped (URLs: ``SPINE_TEST_POSTGRES_URL``,
``SPINE_TEST_MYSQL_URL``; defaults to the local services).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from spine.db import BaseRepository, SpineConnection, get_dialect, transaction
from spine.db.schema import BIGINT, STR, Column, Index, Table
from spine.db.testing import IsolatedDatabase, probe_backend
from spine.ops import IdempotencyHelper, ingest_l2, replace_l3
from spine.types import HashScheme

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


HASH_SCHEME = HashScheme.BLAKE2B_128
"""Scheme of the preloaded hashes (``--hash-scheme``): ``ingest_l2`` follows the table."""


def _with_hash(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "record_hash": HASH_SCHEME.compute(*(row[c] for c in NATURAL_KEY))}


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


def _settle(conn: SpineConnection) -> None:
    """Before a timed run on PostgreSQL: a ``CHECKPOINT``, so the WAL of the preload (or of
    the previous run) is not written back during this one (each run starts alike)."""
    if conn.dialect.name == "postgresql":
        try:
            conn.execute("CHECKPOINT")
            conn.commit()
        except Exception:  # no privilege: the runs share whatever the server does
            conn.rollback()


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


# -- peers (issue 9) ---------------------------------------------------------------------
NK_COLUMNS = ("week", "symbol", "venue", "shares")
PEER_CHUNK = 50_000


def _nk_table(name: str) -> Table:
    return Table(
        name,
        columns=(
            Column("week", STR(10)),
            Column("symbol", STR(16)),
            Column("venue", STR(8)),
            Column("shares", BIGINT),
        ),
        indexes=(Index(f"ux_{name}_nk", tuple(NATURAL_KEY), unique=True),),
    )


def _input(rows: int) -> Iterator[dict[str, Any]]:
    """The L2 input, generated lazily: a quarter already stored, half new, a quarter
    repeating new records of the same input."""
    half, quarter = rows // 2, rows // 4
    for i in range(quarter):
        yield _record(i)
    for i in range(half, 2 * half):
        yield _record(i)
    for i in range(half, half + rows - quarter - half):
        yield _record(i)


class _PeakRSS:
    """Peak resident-set growth of this process while the block runs (sampled)."""

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE")
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _rss(self) -> int:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * self._page

    def _poll(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> _PeakRSS:
        gc.collect()
        self.base = self.peak = self._rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.base) / 2**20, 1)


def _peer_postgres(conn: SpineConnection, table: str, rows: Iterator[dict[str, Any]]) -> int:
    """COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING."""
    raw = conn.raw
    cols = ", ".join(NK_COLUMNS)
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMPORARY TABLE peer_stage ON COMMIT DROP AS "  # noqa: S608 - bench constants
            f"SELECT {cols} FROM {table} WHERE false"
        )
        with cur.copy(f"COPY peer_stage ({cols}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row((r["week"], r["symbol"], r["venue"], r["shares"]))
        cur.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM peer_stage "  # noqa: S608
            f"ON CONFLICT ({', '.join(NATURAL_KEY)}) DO NOTHING"
        )
        n = int(cur.rowcount)
    raw.commit()
    return n


def _tuples(rows: Iterator[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    for r in rows:
        yield (r["week"], r["symbol"], r["venue"], r["shares"])


def _peer_sqlite(conn: SpineConnection, table: str, rows: Iterator[dict[str, Any]]) -> int:
    """INSERT OR IGNORE executemany (one transaction)."""
    raw = conn.raw
    cur = raw.executemany(
        f"INSERT OR IGNORE INTO {table} ({', '.join(NK_COLUMNS)}) VALUES (?, ?, ?, ?)",  # noqa: S608
        _tuples(rows),
    )
    n = int(cur.rowcount)
    raw.commit()
    return n


def _peer_mysql(conn: SpineConnection, table: str, rows: Iterator[dict[str, Any]]) -> int:
    """INSERT IGNORE executemany, 50,000 rows per call (one transaction)."""
    raw = conn.raw
    sql = f"INSERT IGNORE INTO {table} ({', '.join(NK_COLUMNS)}) VALUES (%s, %s, %s, %s)"  # noqa: S608
    n = 0
    it = _tuples(rows)
    cur = raw.cursor()
    while True:
        chunk = [t for _, t in zip(range(PEER_CHUNK), it, strict=False)]
        if not chunk:
            break
        cur.executemany(sql, chunk)
        n += int(cur.rowcount)
    cur.close()
    raw.commit()
    return n


PEERS: dict[str, tuple[str, Callable[[SpineConnection, str, Iterator[dict[str, Any]]], int]]] = {
    "postgresql": ("COPY + INSERT ... ON CONFLICT DO NOTHING", _peer_postgres),
    "sqlite": ("INSERT OR IGNORE executemany", _peer_sqlite),
    "mysql": ("INSERT IGNORE executemany", _peer_mysql),
}


@dataclass
class PeerResult:
    backend: str
    rows: int
    peer: str
    spine_seconds: float
    spine_rows_per_s: float
    spine_rss_growth_mb: float
    peer_seconds: float
    peer_rows_per_s: float
    peer_rss_growth_mb: float
    spine_vs_peer: float
    hash_mode_seconds: float | None
    hash_mode_rss_growth_mb: float | None
    hash_scheme: str
    loadavg_before: tuple[float, float, float]
    loadavg_after: tuple[float, float, float]


def _preload(conn: SpineConnection, table: Table, half: int, *, hashed: bool) -> None:
    _create(conn, table)
    rows = (_with_hash(_record(i)) if hashed else _record(i) for i in range(half))
    with transaction(conn):
        BaseRepository(conn).insert_many(table.name, rows)
    _analyze(conn, table.name)


def _in_child(
    connect: Callable[[], SpineConnection], fn: Callable[[SpineConnection], int]
) -> tuple[float, int, float]:
    """Run ``fn(conn)`` in a forked child with its own connection: the memory it takes is
    measured from the child's start, unaffected by what earlier runs freed.
    Returns ``(seconds, fn's result, peak RSS growth in MB)``."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        conn = connect()
        try:
            with _PeakRSS() as mem:
                seconds, result = _timed(lambda: fn(conn))
            send.send((seconds, result, mem.growth_mb))
        finally:
            conn.close()

    proc = ctx.Process(target=child)
    proc.start()
    try:
        out: tuple[float, int, float] = receive.recv()
    except EOFError:
        raise SystemExit("benchmark child process failed") from None
    proc.join()
    return out


def bench_peers(
    backend: str, rows: int, log: Callable[[str], None], *, hash_mode: bool
) -> PeerResult:
    half = rows // 2
    load_before = _load()
    iso = IsolatedDatabase.create(backend)
    try:
        conn = iso.connect()
        dialect = get_dialect(conn).name
        label, peer = PEERS[dialect]
        expected = half  # the new records
        for name in ("bench_nk_spine", "bench_nk_peer"):
            log(f"{backend}: preloading {half:,} rows into {name}")
            _preload(conn, _nk_table(name), half, hashed=False)

        log(f"{backend}: spine ingest_l2 (natural-key mode) of {rows:,} rows")
        _settle(conn)
        spine_s, spine_n, spine_mb = _in_child(
            iso.connect,
            lambda c: (
                ingest_l2(
                    c, "bench_nk_spine", _input(rows), natural_key=NATURAL_KEY, hash_column=None
                ).inserted
            ),
        )
        log(f"{backend}: peer ({label}) of {rows:,} rows")
        _settle(conn)
        peer_s, peer_n, peer_mb = _in_child(
            iso.connect, lambda c: peer(c, "bench_nk_peer", _input(rows))
        )
        for name, got in (("spine", spine_n), ("peer", peer_n)):
            if got != expected:
                raise SystemExit(f"{backend}: {name} inserted {got:,}, expected {expected:,}")
        for name in ("bench_nk_spine", "bench_nk_peer"):
            conn.execute(get_dialect(conn).drop_table_sql(name))
            conn.commit()

        hash_s: float | None = None
        hash_mb: float | None = None
        if hash_mode:
            log(f"{backend}: preloading {half:,} hashed rows")
            _preload(conn, _l2_table("bench_l2h"), half, hashed=True)
            log(f"{backend}: spine ingest_l2 (hash mode) of {rows:,} rows")
            _settle(conn)
            hash_s, hash_n, hash_mb = _in_child(
                iso.connect,
                lambda c: ingest_l2(c, "bench_l2h", _input(rows), natural_key=NATURAL_KEY).inserted,
            )
            if hash_n != expected:
                raise SystemExit(f"{backend}: hash mode inserted {hash_n:,}")
            conn.execute(get_dialect(conn).drop_table_sql("bench_l2h"))
            conn.commit()
    finally:
        iso.cleanup()
    return PeerResult(
        backend=backend,
        rows=rows,
        peer=label,
        spine_seconds=round(spine_s, 2),
        spine_rows_per_s=round(rows / spine_s),
        spine_rss_growth_mb=spine_mb,
        peer_seconds=round(peer_s, 2),
        peer_rows_per_s=round(rows / peer_s),
        peer_rss_growth_mb=peer_mb,
        spine_vs_peer=round(spine_s / peer_s, 2),
        hash_mode_seconds=round(hash_s, 2) if hash_s is not None else None,
        hash_mode_rss_growth_mb=hash_mb,
        hash_scheme=HASH_SCHEME.value,
        loadavg_before=load_before,
        loadavg_after=_load(),
    )


def _load() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def _print_peers(results: list[PeerResult]) -> None:
    header = (
        f"{'backend':<10} {'rows':>11} {'spine s':>8} {'rows/s':>8} {'peer s':>8} "
        f"{'spine/peer':>10} {'spine MB':>9} {'peer MB':>8} {'hash-mode s':>11} {'hash MB':>8} "
        f"{'load before -> after (1/5/15 min)':>36}  peer"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        hs = f"{r.hash_mode_seconds:.2f}" if r.hash_mode_seconds is not None else "-"
        hm = f"{r.hash_mode_rss_growth_mb:.1f}" if r.hash_mode_rss_growth_mb is not None else "-"
        load = (
            "/".join(f"{x:.2f}" for x in r.loadavg_before)
            + " -> "
            + "/".join(f"{x:.2f}" for x in r.loadavg_after)
        )
        print(
            f"{r.backend:<10} {r.rows:>11,} {r.spine_seconds:>8.2f} {r.spine_rows_per_s:>8,} "
            f"{r.peer_seconds:>8.2f} {r.spine_vs_peer:>10.2f} {r.spine_rss_growth_mb:>9.1f} "
            f"{r.peer_rss_growth_mb:>8.1f} {hs:>11} {hm:>8} {load:>36}  {r.peer}"
        )
    print(f"(hash mode: {HASH_SCHEME.value} hashes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="L2 input rows (default 1M)")
    parser.add_argument("--l3-rows", type=int, default=100_000, help="L3 partition size")
    parser.add_argument("--backends", default="sqlite,postgres,mysql")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--only",
        choices=("all", "peers", "classic"),
        default="all",
        help="peers: only the issue-9 comparison; classic: only L2/bulk/L3",
    )
    parser.add_argument(
        "--no-hash-mode", action="store_true", help="peers: skip spine's hash-mode run"
    )
    parser.add_argument(
        "--hash-scheme",
        choices=[s.value for s in HashScheme],
        default=HashScheme.BLAKE2B_128.value,
        help="scheme of the preloaded hashes (hash mode and classic L2 follow the table)",
    )
    args = parser.parse_args(argv)
    global HASH_SCHEME
    HASH_SCHEME = HashScheme(args.hash_scheme)
    print(f"load average at start: {_load()}", file=sys.stderr)
    if args.rows < 8 or args.l3_rows < 1:
        parser.error("--rows must be >= 8 and --l3-rows >= 1")

    def log(msg: str) -> None:
        print(f"  .. {msg}", file=sys.stderr, flush=True)

    results: list[BackendResult] = []
    peer_results: list[PeerResult] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        status = probe_backend(backend)
        if not status.available:
            print(f"skip {backend}: {status.reason}", file=sys.stderr)
            continue
        if args.only in ("all", "classic"):
            results.append(bench_backend(backend, args.rows, args.l3_rows, log))
        if args.only in ("all", "peers"):
            peer_results.append(
                bench_peers(backend, args.rows, log, hash_mode=not args.no_hash_mode)
            )
    if peer_results:
        _print_peers(peer_results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "classic": [asdict(r) for r in results],
                    "peers": [asdict(r) for r in peer_results],
                },
                fh,
                indent=2,
            )
    if not results:
        return 0

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
