"""Benchmarks for spine-exec: per-call overhead of dispatch and of the resilience primitives.

Usage::

    uv run python scripts/bench_exec.py            # full run
    uv run python scripts/bench_exec.py --quick    # fewer repetitions
    uv run python scripts/bench_exec.py --json     # machine-readable
    uv run python scripts/bench_exec.py --only dispatch   # one group: dispatch, tracked,
                                                          # wrappers, sqlite, postgres, redis

Each figure is the best of ``--repeat`` timed loops of ``--calls`` calls (loops of the
measured code and of its baseline interleaved), in microseconds per call:

* **dispatch (MemoryExecutor)**: ``Dispatcher.submit("noop", params)`` with the in-memory
  ledger - validation, JSON copy of the params, ledger row and 3 events (created, started,
  completed), the handler call and its result check - against calling the same no-op
  function directly. Goal (issue 11): overhead under 20 µs.
* **tracked_execution (in memory)**: the 7-step lifecycle around a no-op block on the
  in-memory stores (no database).
* **tracked_execution (SQLite file / PostgreSQL)**: the lifecycle around a no-op block on a
  real connection (SQL ledger, lock and dead-letter stores; one commit for create + lock +
  RUNNING, one for COMPLETED + release), against a bare ``INSERT`` + ``COMMIT`` with the
  driver itself (``sqlite3`` / ``psycopg``) on the same database. Goal (issue 11): at most
  2 commits' worth per tracked call, i.e. a ratio <= 2.0.
* **with_retry / CircuitBreaker.call / TokenBucketLimiter.try_acquire**: the cost a
  successful call pays for the protection, against the plain call.
* **Redis token bucket** (when Redis answers on ``--redis``): one ``acquire`` (one Lua
  script) against one raw redis-py ``INCR`` round trip.

The machine is shared (2 cores): figures are noisy; the best-of-N loop limits the noise.
The load average (``os.getloadavg()``) before and after the run is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from spine.execution import CircuitBreaker, Dispatcher, RetryStrategy, with_retry
from spine.execution.rate_limit import TokenBucketLimiter
from spine.execution.testing import in_memory_stores

PARAMS = {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}
GOAL_DISPATCH_US = 20.0


def noop(params: dict[str, Any]) -> dict[str, int]:
    """The handler every figure runs: returns a tiny result."""
    return {"rows": 0}


def _loop_us(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def best_pair(
    measured: Callable[[], object], baseline: Callable[[], object], calls: int, repeat: int
) -> tuple[float, float]:
    """Best µs/call of ``measured`` and of ``baseline`` over interleaved loops."""
    for fn in (measured, baseline):  # warm up
        _loop_us(fn, max(calls // 10, 10))
    best_m = best_b = float("inf")
    for _ in range(repeat):
        best_m = min(best_m, _loop_us(measured, calls))
        best_b = min(best_b, _loop_us(baseline, calls))
    return best_m, best_b


def bench_dispatch(calls: int, repeat: int) -> dict[str, Any]:
    dispatcher = Dispatcher()
    dispatcher.registry.register("noop", noop)
    measured, plain = best_pair(
        lambda: dispatcher.submit("noop", PARAMS), lambda: noop(dict(PARAMS)), calls, repeat
    )
    overhead = measured - plain
    return {
        "name": "dispatch (MemoryExecutor, in-memory ledger)",
        "us_per_call": measured,
        "baseline": "plain function call",
        "baseline_us": plain,
        "overhead_us": overhead,
        "goal": f"overhead < {GOAL_DISPATCH_US:g} µs",
        "met": overhead < GOAL_DISPATCH_US,
    }


def bench_tracked(calls: int, repeat: int) -> dict[str, Any]:
    from spine.execution import tracked_execution

    stores = in_memory_stores()

    def tracked() -> None:
        with tracked_execution(stores, workflow="noop", params=PARAMS, lock_key="noop") as ctx:
            ctx.set_result({"rows": 0})

    measured, plain = best_pair(tracked, lambda: noop(dict(PARAMS)), calls, repeat)
    return {
        "name": "tracked_execution (in-memory stores)",
        "us_per_call": measured,
        "baseline": "plain function call",
        "baseline_us": plain,
        "overhead_us": measured - plain,
        "goal": "(SQL figures come with the SQL stores)",
        "met": None,
    }


GOAL_COMMITS = 2.0


def _raw_pair(backend: str, space: Any) -> tuple[Callable[[], object], Callable[[], None]]:
    """A bare INSERT + COMMIT with the driver itself, and how to close it."""
    if backend == "sqlite":
        import sqlite3

        raw = sqlite3.connect(str(space.path))
        raw.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, v TEXT)")
        raw.commit()

        def insert_commit() -> None:
            raw.execute("INSERT INTO bench_raw (v) VALUES (?)", ("x",))
            raw.commit()

        return insert_commit, raw.close
    import psycopg

    pg = psycopg.connect(str(space.url))
    pg.execute(f"SET search_path TO {space.schema}")
    pg.execute("CREATE TABLE IF NOT EXISTS bench_raw (id SERIAL PRIMARY KEY, v TEXT)")
    pg.commit()

    def pg_insert_commit() -> None:
        pg.execute("INSERT INTO bench_raw (v) VALUES (%s)", ("x",))
        pg.commit()

    return pg_insert_commit, pg.close


def bench_sql(backend: str, url: str | None, calls: int, repeat: int) -> list[dict[str, Any]]:
    """tracked_execution on a real connection vs a bare INSERT+COMMIT with the driver."""
    from spine.db import install_schema
    from spine.db.testing import IsolatedDatabase
    from spine.execution import sql_stores, tracked_execution

    try:
        space = IsolatedDatabase.create(backend, url)
    except Exception as exc:  # no server: the figure is skipped, the rest still runs
        print(f"({backend} figures skipped: {exc})", file=sys.stderr)
        return []
    try:
        conn = space.connect()
        install_schema(conn, ["spine-exec"])
        conn.commit()
        stores = sql_stores(conn)
        raw, close = _raw_pair(backend, space)
        counter = iter(range(10**9))

        def tracked() -> None:
            with tracked_execution(stores, workflow="noop", params=PARAMS, lock_key="noop") as ctx:
                ctx.set_result({"rows": 0})

        def tracked_keyed() -> None:
            key = f"noop:{next(counter)}"
            with tracked_execution(stores, workflow="noop", params=PARAMS, idempotency_key=key):
                pass

        def tracked_conn() -> None:
            with tracked_execution(conn, workflow="noop", params=PARAMS) as ctx:
                ctx.set_result({"rows": 0})

        rows = []
        for name, fn in (
            (f"tracked_execution ({backend}, lock)", tracked),
            (f"tracked_execution ({backend}, idem. key)", tracked_keyed),
            (f"tracked_execution(conn) ({backend})", tracked_conn),
        ):
            measured, pair = best_pair(fn, raw, calls, repeat)
            ratio = measured / pair
            rows.append(
                {
                    "name": name,
                    "us_per_call": measured,
                    "baseline": f"bare INSERT+COMMIT with the driver ({backend})",
                    "baseline_us": pair,
                    "overhead_us": measured - pair,
                    "goal": f"{ratio:.2f} commits' worth (goal <= {GOAL_COMMITS:g})",
                    "met": ratio <= GOAL_COMMITS,
                }
            )
        close()
        return rows
    finally:
        space.cleanup()


def bench_wrappers(calls: int, repeat: int) -> list[dict[str, Any]]:
    retried = with_retry(RetryStrategy.exponential(3))(noop)
    breaker = CircuitBreaker("bench")
    limiter = TokenBucketLimiter(rate=1e12, capacity=1e12)
    rows = []
    for name, fn in (
        ("with_retry (no failure)", lambda: retried(PARAMS)),
        ("CircuitBreaker.call (closed)", lambda: breaker.call(noop, PARAMS)),
        ("TokenBucketLimiter.try_acquire + call", lambda: limiter.try_acquire() and noop(PARAMS)),
    ):
        measured, plain = best_pair(fn, lambda: noop(PARAMS), calls, repeat)
        rows.append(
            {
                "name": name,
                "us_per_call": measured,
                "baseline": "plain function call",
                "baseline_us": plain,
                "overhead_us": measured - plain,
                "goal": "",
                "met": None,
            }
        )
    return rows


def bench_redis(url: str, calls: int, repeat: int) -> dict[str, Any] | None:
    try:
        import redis

        from spine.execution.redis_limits import RedisTokenBucketStore

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # no server: the figure is skipped, the rest still runs
        print(f"(redis figure skipped: {exc})", file=sys.stderr)
        return None
    limiter = TokenBucketLimiter(
        rate=1e9, capacity=1e9, key="bench", store=RedisTokenBucketStore(client, prefix="bench:")
    )
    measured, raw = best_pair(
        limiter.acquire, lambda: client.incr("bench:raw"), max(calls // 20, 200), repeat
    )
    client.delete("bench:raw", "bench:bench")
    return {
        "name": "Redis token bucket acquire (Lua)",
        "us_per_call": measured,
        "baseline": "raw redis-py INCR",
        "baseline_us": raw,
        "overhead_us": measured - raw,
        "goal": f"ratio {measured / raw:.2f}x a raw round trip",
        "met": None,
    }


GROUPS = ("dispatch", "tracked", "wrappers", "sqlite", "postgres", "redis")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sql-calls", type=int, default=300)
    parser.add_argument(
        "--only",
        action="append",
        choices=GROUPS,
        help="run only this group (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    calls, repeat = (2_000, 3) if args.quick else (args.calls, args.repeat)
    groups = set(args.only or GROUPS)

    load_before = os.getloadavg()
    rows = []
    if "dispatch" in groups:
        rows.append(bench_dispatch(calls, repeat))
    if "tracked" in groups:
        rows.append(bench_tracked(calls, repeat))
    if "wrappers" in groups:
        rows += bench_wrappers(calls, repeat)
    sql_calls = 100 if args.quick else args.sql_calls
    if "sqlite" in groups:
        rows += bench_sql("sqlite", None, sql_calls, repeat)
    if "postgres" in groups:
        rows += bench_sql("postgres", args.postgres, sql_calls, repeat)
    redis_row = bench_redis(args.redis, calls, repeat) if "redis" in groups else None
    if redis_row is not None:
        rows.append(redis_row)
    load = {"before": load_before, "after": os.getloadavg()}

    if args.json:
        print(
            json.dumps(
                {"python": platform.python_version(), "load_average": load, "rows": rows},
                indent=2,
            )
        )
        return 0
    print(f"spine-exec benchmarks (Python {platform.python_version()}, best of {repeat} x {calls})")
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load["before"])
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load["after"])
    )
    header = f"{'measure':<44} {'µs/call':>9} {'baseline':>9} {'overhead':>9}  goal"
    print(header)
    print("-" * len(header))
    for row in rows:
        met = {True: "  MET", False: "  NOT MET", None: ""}[row["met"]]
        print(
            f"{row['name']:<44} {row['us_per_call']:>9.2f} {row['baseline_us']:>9.2f} "
            f"{row['overhead_us']:>9.2f}  {row['goal']}{met}"
        )
    print("baseline: " + "; ".join(sorted({r["baseline"] for r in rows})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
