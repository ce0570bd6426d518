"""Benchmark: spine's worker queue against PgQueuer, on local PostgreSQL, in one invocation.

Usage::

    uv run python scripts/bench_worker.py                 # 10,000 jobs, 3 repetitions
    uv run python scripts/bench_worker.py --jobs 3000 --repeat 1
    uv run python scripts/bench_worker.py --skip-peer     # spine only
    uv run python scripts/bench_worker.py --json

Method (``/work/shared/benchmarks/PEERS.md``; the same for both systems, each in its own
fresh schema, the tables truncated before each figure):

* **enqueue**: ``--jobs`` jobs in one batch call (spine: ``SqlWorkQueue.enqueue_many``,
  PgQueuer: ``Queries.enqueue`` with lists), and 1,000 jobs one call each. Goal: batch
  enqueue >= 50,000 jobs/s.
* **drain**: ``--jobs`` queued no-op jobs, then 1 and 2 worker processes started and held
  at a barrier; the clock runs from releasing the barrier until every job is done. Workers
  report through shared memory (a counter per process copied every 2 ms), never through the
  database. spine's "done" is *committed*: the item completed and its execution COMPLETED
  in the ledger with created/started/completed events (ledger and events fully on).
  PgQueuer: ``QueueManager.run(batch_size=10)`` on one asyncpg connection per process.
  Goal: spine drains at least as fast as PgQueuer with 1 and 2 processes. spine also
  drains with 4 processes, to show how it scales with the worker count (2 cores here).
* **latency**: with one idle worker waiting, 200 jobs enqueued one at a time (20 ms
  apart); the job body records ``time.perf_counter()`` into shared memory; latency = start
  in the body minus just before the enqueue. Median reported. Goal: < 5 ms.

PgQueuer runs from its own virtual environment (``uv venv`` + ``uv pip install pgqueuer
asyncpg``, created under ``--peer-venv`` on first use). Each figure is the median of
``--repeat`` runs (min-max shown). The machine is shared (2 cores): note the load average
printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.sharedctypes import Synchronized, SynchronizedArray
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

URL = os.environ.get("SPINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
LATENCY_JOBS = 200
ONE_BY_ONE = 1000
GOAL_ENQUEUE = 50_000.0
GOAL_LATENCY_MS = 5.0
PEER_FIGURES = {"drain_1": 5049.0, "drain_2": 6795.0, "enqueue_batch": 65274.0}
"""PgQueuer as measured on this kind of machine (PEERS.md), shown when the peer is skipped."""

# -- spine ------------------------------------------------------------------------------------

_LATENCY: SynchronizedArray[float] | None = None


def _noop(params: dict[str, Any]) -> None:
    return None


def _latency(params: dict[str, Any]) -> None:
    assert _LATENCY is not None
    _LATENCY[int(params["i"])] = time.perf_counter()


def _spine_worker(
    schema: str,
    ready: Synchronized[int],
    start: Event,
    stop: Event,
    counter: Synchronized[int],
    latency: SynchronizedArray[float],
    concurrency: int,
    batch_size: int,
    connections: int,
) -> None:
    global _LATENCY
    _LATENCY = latency
    from spine.db import connect
    from spine.execution import HandlerRegistry
    from spine.execution.queue import WorkerLoop

    registry = HandlerRegistry()
    registry.register("noop", _noop)
    registry.register("latency", _latency)
    worker = WorkerLoop(
        lambda: connect(URL, schema=schema),
        registry,
        concurrency=concurrency,
        batch_size=batch_size,
        connections=connections,
        poll_interval=0.5,
    )

    def report() -> None:
        while not stop.is_set():
            counter.value = worker.metrics.completed
            time.sleep(0.002)
        worker.stop()

    with ready.get_lock():
        ready.value += 1
    start.wait()
    threading.Thread(target=report, daemon=True).start()
    worker.run(handle_signals=False)
    counter.value = worker.metrics.completed


class SpineBench:
    """spine's side: an isolated schema with the queue, ledger and dead-letter tables."""

    def __init__(self, concurrency: int, batch_size: int, connections: int = 1) -> None:
        from spine.db.schema import install_schema
        from spine.db.testing import IsolatedDatabase

        self.space = IsolatedDatabase.create("postgres", URL)
        self.conn = self.space.connect()
        install_schema(self.conn, ["spine-exec", "spine-exec.queue"])
        assert self.space.schema is not None
        self.schema = self.space.schema
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.connections = connections

    def close(self) -> None:
        self.space.cleanup()

    def empty(self) -> None:
        # TRUNCATE, as the peer's side does: each figure starts from empty tables and
        # indexes, not from the dead rows of the previous figures
        self.conn.execute("TRUNCATE core_work_items, core_execution_events, core_executions")
        self.conn.commit()

    def enqueue_batch(self, jobs: int) -> float:
        from spine.execution.queue import NewWork, SqlWorkQueue

        self.empty()
        queue = SqlWorkQueue(self.conn)
        t0 = time.perf_counter()
        queue.enqueue_many([NewWork("noop", {"n": n}) for n in range(jobs)])
        return jobs / (time.perf_counter() - t0)

    def enqueue_one_by_one(self, jobs: int) -> float:
        from spine.execution.queue import NewWork, SqlWorkQueue

        self.empty()
        queue = SqlWorkQueue(self.conn)
        t0 = time.perf_counter()
        for n in range(jobs):
            queue.enqueue(NewWork("noop", {"n": n}))
        return jobs / (time.perf_counter() - t0)

    def _start(self, procs: int) -> tuple[list[Any], Event, Event, list[Any], Any]:
        ctx = mp.get_context("spawn")
        ready = ctx.Value("i", 0)
        start, stop = ctx.Event(), ctx.Event()
        counters = [ctx.Value("q", 0, lock=False) for _ in range(procs)]
        latency = ctx.Array("d", LATENCY_JOBS, lock=False)
        workers = [
            ctx.Process(
                target=_spine_worker,
                args=(
                    self.schema,
                    ready,
                    start,
                    stop,
                    counters[i],
                    latency,
                    self.concurrency,
                    self.batch_size,
                    self.connections,
                ),
            )
            for i in range(procs)
        ]
        for w in workers:
            w.start()
        while ready.value < procs:
            time.sleep(0.01)
        return workers, start, stop, counters, latency

    def drain(self, jobs: int, procs: int) -> float:
        from spine.execution.queue import NewWork, SqlWorkQueue

        self.empty()
        SqlWorkQueue(self.conn).enqueue_many([NewWork("noop", {"n": n}) for n in range(jobs)])
        workers, start, stop, counters, _ = self._start(procs)
        time.sleep(0.5)  # connections opened, imports done
        t0 = time.perf_counter()
        start.set()
        while sum(c.value for c in counters) < jobs:
            time.sleep(0.002)
        elapsed = time.perf_counter() - t0
        stop.set()
        for w in workers:
            w.join(60)
        self._check_history(jobs)
        return jobs / elapsed

    def _check_history(self, jobs: int) -> None:
        rows = self.conn.execute(
            "SELECT event_type, COUNT(*) FROM core_execution_events GROUP BY event_type"
        ).fetchall()
        self.conn.commit()
        counts = {str(k): int(v) for k, v in rows}
        expected = {"created": jobs, "started": jobs, "completed": jobs}
        if counts != expected:
            raise SystemExit(f"ledger history incomplete: {counts} != {expected}")

    def latency_ms(self) -> float:
        from spine.execution.queue import NewWork, SqlWorkQueue

        self.empty()
        workers, start, stop, _, latency = self._start(1)
        start.set()
        time.sleep(1.0)  # idle, listening
        queue = SqlWorkQueue(self.conn)
        sent = []
        for i in range(LATENCY_JOBS):
            sent.append(time.perf_counter())
            queue.enqueue(NewWork("latency", {"i": i}))
            time.sleep(0.02)
        deadline = time.monotonic() + 30
        while any(v == 0 for v in latency) and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        for w in workers:
            w.join(60)
        return float(statistics.median((latency[i] - sent[i]) * 1e3 for i in range(LATENCY_JOBS)))


# -- PgQueuer, in its own virtual environment ---------------------------------------------------

PEER_SCRIPT = r"""
import asyncio, json, multiprocessing as mp, os, secrets, statistics, sys, time
from datetime import timedelta
# one schema per run; spawned workers inherit it through the environment
SCHEMA = os.environ.setdefault("PGQ_BENCH_SCHEMA", "pgq_bench_" + secrets.token_hex(4))
os.environ["PGQUEUER_SCHEMA"] = SCHEMA
import asyncpg
from pgqueuer.db import AsyncpgDriver
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries

URL, JOBS, REPEAT, ONE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
LAT_JOBS = 200

async def connect():
    return await asyncpg.connect(URL, server_settings={"search_path": SCHEMA})

async def setup():
    admin = await asyncpg.connect(URL)
    await admin.execute(f"CREATE SCHEMA {SCHEMA}")
    await admin.close()
    conn = await connect()
    await Queries(AsyncpgDriver(conn)).install()
    await conn.close()

async def teardown():
    admin = await asyncpg.connect(URL)
    await admin.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    await admin.close()

async def empty(conn):
    await conn.execute("TRUNCATE pgqueuer, pgqueuer_log")

async def enqueue(jobs, batch):
    conn = await connect()
    await empty(conn)
    q = Queries(AsyncpgDriver(conn))
    t0 = time.perf_counter()
    if batch:
        await q.enqueue(["noop"] * jobs, [str(n).encode() for n in range(jobs)], [0] * jobs)
    else:
        for n in range(jobs):
            await q.enqueue("noop", str(n).encode())
    rate = jobs / (time.perf_counter() - t0)
    await conn.close()
    return rate

def worker(ready, start, counter, lat, stop):
    async def main():
        conn = await connect()
        qm = QueueManager(Queries(AsyncpgDriver(conn)))
        done = 0
        @qm.entrypoint("noop")
        async def noop(job):
            nonlocal done
            done += 1
        @qm.entrypoint("latency")
        async def latency(job):
            lat[int(job.payload.decode())] = time.perf_counter()
        async def report():
            while not stop.is_set():
                counter.value = done
                await asyncio.sleep(0.002)
            qm.shutdown.set()
        with ready.get_lock():
            ready.value += 1
        while not start.is_set():
            await asyncio.sleep(0.001)
        asyncio.create_task(report())
        await qm.run(batch_size=10, dequeue_timeout=timedelta(seconds=1))
        await conn.close()
    asyncio.run(main())

def start_workers(procs):
    ctx = mp.get_context("spawn")
    ready = ctx.Value("i", 0)
    start, stop = ctx.Event(), ctx.Event()
    counters = [ctx.Value("q", 0, lock=False) for _ in range(procs)]
    lat = ctx.Array("d", LAT_JOBS, lock=False)
    ps = [
        ctx.Process(target=worker, args=(ready, start, counters[i], lat, stop))
        for i in range(procs)
    ]
    for p in ps:
        p.start()
    while ready.value < procs:
        time.sleep(0.01)
    return ps, start, stop, counters, lat

def drain(procs):
    async def fill():
        conn = await connect()
        await empty(conn)
        payloads = [str(n).encode() for n in range(JOBS)]
        await Queries(AsyncpgDriver(conn)).enqueue(["noop"] * JOBS, payloads, [0] * JOBS)
        await conn.close()
    asyncio.run(fill())
    ps, start, stop, counters, _ = start_workers(procs)
    time.sleep(0.5)
    t0 = time.perf_counter()
    start.set()
    while sum(c.value for c in counters) < JOBS:
        time.sleep(0.002)
    rate = JOBS / (time.perf_counter() - t0)
    stop.set()
    for p in ps:
        p.join(30)
        if p.is_alive():
            p.terminate()
    return rate

def latency():
    async def clear():
        conn = await connect()
        await empty(conn)
        await conn.close()
    asyncio.run(clear())
    ps, start, stop, _, lat = start_workers(1)
    start.set()
    time.sleep(1.0)
    async def send():
        conn = await connect()
        q = Queries(AsyncpgDriver(conn))
        sent = []
        for i in range(LAT_JOBS):
            sent.append(time.perf_counter())
            await q.enqueue("latency", str(i).encode())
            await asyncio.sleep(0.02)
        await conn.close()
        return sent
    sent = asyncio.run(send())
    deadline = time.monotonic() + 30
    while any(v == 0 for v in lat) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for p in ps:
        p.join(30)
        if p.is_alive():
            p.terminate()
    return statistics.median((lat[i] - sent[i]) * 1e3 for i in range(LAT_JOBS))

if __name__ == "__main__":
    asyncio.run(setup())
    try:
        out = {
            "enqueue_batch": [asyncio.run(enqueue(JOBS, True)) for _ in range(REPEAT)],
            "enqueue_one": [asyncio.run(enqueue(ONE, False)) for _ in range(REPEAT)],
            "drain_1": [drain(1) for _ in range(REPEAT)],
            "drain_2": [drain(2) for _ in range(REPEAT)],
            "latency_ms": [latency() for _ in range(REPEAT)],
        }
    finally:
        asyncio.run(teardown())
    print(json.dumps(out))
"""


def peer_python(venv: Path) -> Path:
    """The peer environment's interpreter (created with uv on first use)."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["uv", "venv", "-q", str(venv)], check=True)
        subprocess.run(
            ["uv", "pip", "install", "-q", "--python", str(python), "pgqueuer", "asyncpg"],
            check=True,
        )
    return python


def run_peer(venv: Path, jobs: int, repeat: int) -> dict[str, list[float]]:
    """Run PgQueuer's side in its environment; its figures as lists of repetitions."""
    python = peer_python(venv)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "peer_pgqueuer.py"
        script.write_text(PEER_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [str(python), str(script), URL, str(jobs), str(repeat), str(ONE_BY_ONE)],
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
        )
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- report -------------------------------------------------------------------------------------


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _repeat(fn: Callable[[], float], n: int) -> list[float]:
    return [fn() for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument(
        "--connections", type=int, default=1, help="spine's WorkerLoop(connections=) per process"
    )
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument(
        "--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "spine-bench-pgqueuer"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    bench = SpineBench(args.concurrency, args.batch_size, args.connections)
    try:
        spine = {
            "enqueue_batch": _repeat(lambda: bench.enqueue_batch(args.jobs), args.repeat),
            "enqueue_one": _repeat(lambda: bench.enqueue_one_by_one(ONE_BY_ONE), args.repeat),
            "drain_1": _repeat(lambda: bench.drain(args.jobs, 1), args.repeat),
            "drain_2": _repeat(lambda: bench.drain(args.jobs, 2), args.repeat),
            "drain_4": _repeat(lambda: bench.drain(args.jobs, 4), args.repeat),
            "latency_ms": _repeat(bench.latency_ms, args.repeat),
        }
    finally:
        bench.close()
    peer = None if args.skip_peer else run_peer(args.peer_venv, args.jobs, args.repeat)
    report: dict[str, Any] = {
        "machine": {
            "load_average": os.getloadavg(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "settings": vars(args) | {"peer_venv": str(args.peer_venv)},
        "spine": {k: _summary(v) for k, v in spine.items()},
        "pgqueuer": None if peer is None else {k: _summary(v) for k, v in peer.items()},
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return
    load = ", ".join(f"{x:.1f}" for x in report["machine"]["load_average"])
    print(f"worker queue on {URL} ({args.jobs} jobs, {args.repeat} runs; load average {load})")
    rows = [
        ("batch enqueue (jobs/s)", "enqueue_batch", True),
        ("one-by-one enqueue (jobs/s)", "enqueue_one", True),
        ("drain, 1 process (jobs/s)", "drain_1", True),
        ("drain, 2 processes (jobs/s)", "drain_2", True),
        ("drain, 4 processes (jobs/s)", "drain_4", True),
        ("enqueue-to-start median (ms)", "latency_ms", False),
    ]
    for label, key, higher in rows:
        s = report["spine"][key]
        line = f"  {label:<30} spine {s['median']:>10,.1f} ({s['min']:,.1f}-{s['max']:,.1f})"
        p = None if report["pgqueuer"] is None else report["pgqueuer"].get(key)
        if p is not None:
            ratio = s["median"] / p["median"] if higher else p["median"] / s["median"]
            line += f"   pgqueuer {p['median']:>10,.1f}   spine/peer {ratio:.2f}x"
        print(line)
    s = report["spine"]
    print(
        f"  goals: batch enqueue >= {GOAL_ENQUEUE:,.0f}/s: "
        f"{'met' if s['enqueue_batch']['median'] >= GOAL_ENQUEUE else 'NOT met'}; "
        f"latency < {GOAL_LATENCY_MS} ms: "
        f"{'met' if s['latency_ms']['median'] < GOAL_LATENCY_MS else 'NOT met'}; "
        "drain >= PgQueuer: "
        + (
            "n/a (peer skipped)"
            if report["pgqueuer"] is None
            else ", ".join(
                f"{k}: {'met' if s[k]['median'] >= report['pgqueuer'][k]['median'] else 'NOT met'}"
                for k in ("drain_1", "drain_2")
            )
        )
    )


if __name__ == "__main__":
    main()
