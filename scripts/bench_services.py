"""Benchmark spine-exec's scheduler and caches against their bare baselines.

Scheduler overhead per tick: a minutely schedule in America/New_York is ticked N times on a
controllable clock (advance one minute, ``tick()``): spine plans the fire (misfire policy,
DST rules), claims it in the in-memory store, renders the params template, submits a
:class:`WorkSpec` with its idempotency key and records the fire. The baseline is a bare
croniter loop doing the least a scheduler must: ``get_next()`` in the zone and a call of
the same no-op submit function. Both submit to a no-op (the dispatcher is measured by
``bench_exec``); a second spine row submits through the real in-process ``Dispatcher``.
The database backend (``DatabaseScheduler`` over ``SqlScheduleStore``) is ticked the same
way on SQLite (a file), PostgreSQL and MariaDB/MySQL when reachable (the test URLs of
``spine.db.testing``, an isolated schema each): per tick it renews its leader lease, reads
the schedules, claims the fire (its unique row), submits and records it - several commits,
so its cost is the database round trips.

Cache get/set: ``RedisCache.set/get`` against raw redis-py ``SET``/``GET`` of the same JSON
payload (json.dumps/loads included on both sides, since the cache stores JSON), on the Redis
at ``SPINE_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); ``InMemoryCache`` against
a dict behind a lock, for scale.

Each figure is the median of ``--rounds`` rounds (min-max shown); spine and baseline run
back to back in each round, alternating which goes first.

    uv run python scripts/bench_services.py [--ticks 2000] [--db-ticks 300] [--ops 5000]
                                            [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from spine.db.testing import IsolatedDatabase
from spine.db.testing.backends import backend_url, probe_backend
from spine.execution import (
    DatabaseScheduler,
    Dispatcher,
    InMemoryCache,
    InMemoryScheduleStore,
    ManualClock,
    RedisCache,
    Schedule,
    SchedulerCore,
    WorkSpec,
)

REDIS_URL = os.environ.get("SPINE_TEST_REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0"
START = datetime(2025, 3, 1, tzinfo=UTC)  # the run crosses no DST change for small N
ZONE = "America/New_York"
VALUE = {"week_ending": "2025-12-26", "tier": "NMS_TIER_1", "rows": 960, "ok": True}


class NoopSubmitter:
    """Accepts a spec and returns an id, like a dispatcher that costs nothing."""

    def __init__(self) -> None:
        self.count = 0

    def submit(self, spec: WorkSpec) -> str:
        self.count += 1
        return f"e{self.count}"


def bench_spine_ticks(ticks: int, submitter: Any) -> float:
    clock = ManualClock(START)
    store = InMemoryScheduleStore(history_limit=ticks + 1)
    core = SchedulerCore(submitter, clock=clock, store=store, check_targets=False)
    core.add(
        Schedule(
            "bench",
            "otc.ingest",
            cron="* * * * *",
            timezone=ZONE,
            params={"week": "{week_ending}", "at": "{scheduled_time}"},
        )
    )
    step = timedelta(minutes=1)
    start = time.perf_counter()
    for _ in range(ticks):
        clock.advance(step)
        core.tick()
    elapsed = time.perf_counter() - start
    assert len(core.history("bench", ticks + 1)) == ticks
    return elapsed / ticks * 1e6


def bench_db_ticks(ticks: int, backend: str) -> float:
    space = IsolatedDatabase.create(backend, backend_url(backend))
    try:
        clock = ManualClock(START)
        scheduler = DatabaseScheduler(
            NoopSubmitter(), space.connect(), clock=clock, check_targets=False
        )
        scheduler.add(
            Schedule(
                "bench",
                "otc.ingest",
                cron="* * * * *",
                timezone=ZONE,
                params={"week": "{week_ending}", "at": "{scheduled_time}"},
            )
        )
        step = timedelta(minutes=1)
        start = time.perf_counter()
        for _ in range(ticks):
            clock.advance(step)
            scheduler.tick()
        elapsed = time.perf_counter() - start
        assert len(scheduler.history("bench", ticks + 1)) == ticks
        return elapsed / ticks * 1e6
    finally:
        space.cleanup()


def bench_bare_croniter(ticks: int) -> float:
    submitter = NoopSubmitter()
    tz = ZoneInfo(ZONE)
    it = croniter("* * * * *", START.astimezone(tz))
    start = time.perf_counter()
    for _ in range(ticks):
        fire = it.get_next(datetime)
        submitter.submit(WorkSpec("otc.ingest", {"at": fire.isoformat()}))
    elapsed = time.perf_counter() - start
    assert submitter.count == ticks
    return elapsed / ticks * 1e6


def bench_redis_cache(ops: int) -> tuple[float, float]:
    cache = RedisCache(REDIS_URL, prefix="spine-bench:cache:")
    keys = [f"k{i % 100}" for i in range(ops)]
    start = time.perf_counter()
    for key in keys:
        cache.set(key, VALUE)
    mid = time.perf_counter()
    for key in keys:
        cache.get(key)
    end = time.perf_counter()
    cache.clear()
    cache.close()
    return (mid - start) / ops * 1e6, (end - mid) / ops * 1e6


def bench_raw_redis(ops: int) -> tuple[float, float]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [f"spine-bench:raw:k{i % 100}" for i in range(ops)]
    start = time.perf_counter()
    for key in keys:
        client.set(key, json.dumps(VALUE, separators=(",", ":")))
    mid = time.perf_counter()
    for key in keys:
        payload = client.get(key)
        json.loads(payload)  # type: ignore[arg-type]
    end = time.perf_counter()
    client.delete(*set(keys))
    client.close()
    return (mid - start) / ops * 1e6, (end - mid) / ops * 1e6


def bench_memory_cache(ops: int) -> tuple[float, float]:
    cache = InMemoryCache()
    keys = [f"k{i % 100}" for i in range(ops)]
    start = time.perf_counter()
    for key in keys:
        cache.set(key, VALUE)
    mid = time.perf_counter()
    for key in keys:
        cache.get(key)
    end = time.perf_counter()
    return (mid - start) / ops * 1e6, (end - mid) / ops * 1e6


def bench_locked_dict(ops: int) -> tuple[float, float]:
    data: dict[str, Any] = {}
    lock = threading.Lock()
    keys = [f"k{i % 100}" for i in range(ops)]
    start = time.perf_counter()
    for key in keys:
        with lock:
            data[key] = VALUE
    mid = time.perf_counter()
    for key in keys:
        with lock:
            data.get(key)
    end = time.perf_counter()
    return (mid - start) / ops * 1e6, (end - mid) / ops * 1e6


def rounds(
    n: int, pair: tuple[Callable[[], Any], Callable[[], Any]]
) -> tuple[list[Any], list[Any]]:
    first, second = [], []
    for i in range(n):
        if i % 2 == 0:
            first.append(pair[0]())
            second.append(pair[1]())
        else:
            second.append(pair[1]())
            first.append(pair[0]())
    return first, second


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def redis_available() -> str | None:
    try:
        import redis
    except ImportError:
        return "redis-py not installed"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:
        return f"Redis unavailable at {REDIS_URL}: {exc}"
    finally:
        client.close()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ticks", type=int, default=2000)
    parser.add_argument("--db-ticks", type=int, default=300)
    parser.add_argument("--ops", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"spine-exec services benchmark: {args.rounds} rounds, median (min-max), "
        "µs per operation; a shared 2-core machine, so figures are noisy\n"
    )

    print(f"Scheduler, {args.ticks} ticks of a minutely schedule in {ZONE}")
    spine, bare = rounds(
        args.rounds,
        (
            lambda: bench_spine_ticks(args.ticks, NoopSubmitter()),
            lambda: bench_bare_croniter(args.ticks),
        ),
    )
    with_dispatcher = []
    for _ in range(args.rounds):
        dispatcher = Dispatcher()
        dispatcher.registry.register("otc.ingest", lambda params: None)
        with_dispatcher.append(bench_spine_ticks(args.ticks, dispatcher))
    overhead = [s - b for s, b in zip(spine, bare, strict=True)]
    ratio = [s / b for s, b in zip(spine, bare, strict=True)]
    print(f"  {'bare croniter loop (get_next + submit)':44} {fmt(bare)} µs/tick")
    print(f"  {'spine SchedulerCore.tick (no-op submit)':44} {fmt(spine)} µs/tick")
    print(
        f"  {'spine overhead over the bare loop':44} {fmt(overhead)} µs/tick "
        f"(x{statistics.median(ratio):.2f})"
    )
    print(f"  {'spine tick + in-process Dispatcher submit':44} {fmt(with_dispatcher)} µs/tick")
    bare_db = [bench_bare_croniter(args.db_ticks) for _ in range(args.rounds)]
    print(f"  DatabaseScheduler, {args.db_ticks} ticks (bare loop {fmt(bare_db)} µs/tick):")
    for backend in ("sqlite", "postgres", "mysql"):
        status = probe_backend(backend)
        if not status.available:
            print(f"    {backend:42} skipped: {status.reason}")
            continue
        db = [bench_db_ticks(args.db_ticks, backend) for _ in range(args.rounds)]
        ratio = [d / b for d, b in zip(db, bare_db, strict=True)]
        print(
            f"    {'DatabaseScheduler.tick on ' + backend:42} {fmt(db)} µs/tick "
            f"(x{statistics.median(ratio):.0f})"
        )
    print()

    problem = redis_available()
    print(f"Cache, {args.ops} set then {args.ops} get of a small JSON dict over 100 keys")
    if problem is None:
        spine_r, raw_r = rounds(
            args.rounds, (lambda: bench_redis_cache(args.ops), lambda: bench_raw_redis(args.ops))
        )
        for label, index in (("set", 0), ("get", 1)):
            s = [r[index] for r in spine_r]
            b = [r[index] for r in raw_r]
            ratio = [x / y for x, y in zip(s, b, strict=True)]
            print(f"  {'raw redis-py ' + label + ' (+ json)':44} {fmt(b)} µs/op")
            print(f"  {'RedisCache.' + label:44} {fmt(s)} µs/op (x{statistics.median(ratio):.2f})")
    else:
        print(f"  Redis skipped: {problem}")
    mem, dct = rounds(
        args.rounds, (lambda: bench_memory_cache(args.ops), lambda: bench_locked_dict(args.ops))
    )
    for label, index in (("set", 0), ("get", 1)):
        s = [r[index] for r in mem]
        b = [r[index] for r in dct]
        print(f"  {'dict + lock ' + label:44} {fmt(b)} µs/op")
        print(f"  {'InMemoryCache.' + label + ' (JSON copy, LRU, TTL)':44} {fmt(s)} µs/op")


if __name__ == "__main__":
    main()
