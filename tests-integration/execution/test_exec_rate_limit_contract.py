"""Rate limiters over every store (in process, Redis, the database): same behaviour, and
the global limit holds N/s across processes on Redis and on PostgreSQL / MariaDB."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from spine.db.testing import BACKENDS
from spine.execution import SqlTokenBucketStore
from spine.execution.rate_limit import (
    CompositeRateLimiter,
    InMemorySlidingWindowStore,
    InMemoryTokenBucketStore,
    KeyedRateLimiter,
    RateLimiter,
    SlidingWindowLimiter,
    SlidingWindowStore,
    TokenBucketLimiter,
    TokenBucketStore,
)
from spine.execution.redis_limits import RedisSlidingWindowStore, RedisTokenBucketStore
from spine.types import DatabaseConnectionError, ValidationError

BucketFactory = Callable[[], TokenBucketStore]
WindowFactory = Callable[[], SlidingWindowStore]


@pytest.fixture(params=["memory", "redis", *BACKENDS])
def buckets(request: pytest.FixtureRequest) -> BucketFactory:
    """Makes token-bucket stores of one implementation (shared state per key; on a
    database each store has its own connection, like separate workers)."""
    if request.param == "memory":
        shared = InMemoryTokenBucketStore()
        return lambda: shared
    if request.param != "redis":
        space = request.getfixturevalue("exec_space_of")(request.param)
        return lambda: SqlTokenBucketStore(space.connect())
    prefix = request.getfixturevalue("redis_prefix")
    url = request.getfixturevalue("redis_url")
    return lambda: RedisTokenBucketStore(url, prefix=prefix)


@pytest.fixture(params=["memory", "redis"])
def windows(request: pytest.FixtureRequest) -> WindowFactory:
    """Makes sliding-window stores of one implementation (shared state per key)."""
    if request.param == "memory":
        shared = InMemorySlidingWindowStore()
        return lambda: shared
    prefix = request.getfixturevalue("redis_prefix")
    url = request.getfixturevalue("redis_url")
    return lambda: RedisSlidingWindowStore(url, prefix=prefix)


def test_a_token_bucket_allows_its_burst_then_refills_at_its_rate(buckets: BucketFactory) -> None:
    # A slow rate: a take on a database costs a commit (milliseconds on a busy machine).
    limiter = TokenBucketLimiter(rate=2, capacity=3, key="api", store=buckets())
    assert [limiter.try_acquire() for _ in range(4)] == [True, True, True, False]
    time.sleep(0.6)  # ~1.2 tokens
    assert limiter.try_acquire()
    assert not limiter.try_acquire()


def test_blocking_acquire_waits_for_the_next_token(buckets: BucketFactory) -> None:
    limiter = TokenBucketLimiter(rate=10, capacity=1, key="api", store=buckets())
    assert limiter.acquire()
    start = time.monotonic()
    assert limiter.acquire(timeout=2)
    assert 0.07 <= time.monotonic() - start < 1.0


def test_acquire_gives_up_at_its_timeout_and_non_blocking_returns_at_once(
    buckets: BucketFactory,
) -> None:
    limiter = TokenBucketLimiter(rate=0.5, capacity=1, key="slow", store=buckets())
    assert limiter.acquire()
    start = time.monotonic()
    assert not limiter.acquire(timeout=0.2)
    assert 0.15 <= time.monotonic() - start < 1.0
    assert not limiter.acquire(blocking=False)


def test_limiters_sharing_a_key_share_the_limit(buckets: BucketFactory) -> None:
    one = TokenBucketLimiter(rate=1, capacity=2, key="shared", store=buckets())
    two = TokenBucketLimiter(rate=1, capacity=2, key="shared", store=buckets())
    other = TokenBucketLimiter(rate=1, capacity=2, key="other", store=buckets())
    assert one.try_acquire()
    assert two.try_acquire()
    assert not one.try_acquire()
    assert other.try_acquire()


def test_a_sliding_window_counts_hits_in_the_last_window(windows: WindowFactory) -> None:
    limiter = SlidingWindowLimiter(3, 0.3, key="w", store=windows())
    assert [limiter.try_acquire() for _ in range(4)] == [True, True, True, False]
    start = time.monotonic()
    assert limiter.acquire(timeout=2)
    assert 0.2 <= time.monotonic() - start < 1.0


def test_a_sliding_window_grants_several_tokens_at_once_or_none(windows: WindowFactory) -> None:
    limiter = SlidingWindowLimiter(5, 10, key="w", store=windows())
    assert limiter.try_acquire(3)
    assert not limiter.try_acquire(3)
    assert limiter.try_acquire(2)


def test_composite_takes_from_all_or_from_none(
    buckets: BucketFactory, windows: WindowFactory
) -> None:
    bucket = TokenBucketLimiter(rate=0.01, capacity=10, key="bucket", store=buckets())
    window = SlidingWindowLimiter(2, 60, key="win", store=windows())
    both = CompositeRateLimiter([bucket, window])
    assert both.try_acquire()
    assert both.try_acquire()
    assert not both.try_acquire()  # the window is full ...
    assert [bucket.try_acquire() for _ in range(8)] == [
        True
    ] * 8  # ... the bucket got its token back
    assert not bucket.try_acquire()


def test_keyed_limiters_keep_one_limit_per_key(buckets: BucketFactory) -> None:
    store = buckets()
    per_host = KeyedRateLimiter(lambda key: TokenBucketLimiter(1, 1, key=key, store=store))
    assert per_host.try_acquire("sec.gov")
    assert not per_host.try_acquire("sec.gov")
    assert per_host.try_acquire("finra.org")


def test_threads_never_get_more_than_the_limit(buckets: BucketFactory) -> None:
    limiter = TokenBucketLimiter(rate=50, capacity=5, key="t", store=buckets())
    granted: list[float] = []
    lock = threading.Lock()
    end = time.monotonic() + 1.0

    def worker() -> None:
        while time.monotonic() < end:
            if limiter.acquire(timeout=max(0.0, end - time.monotonic())):
                with lock:
                    granted.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)  # nobody deadlocked
    assert len(granted) <= 5 + 50 * 1.0 + 3


# -- the global limit across processes, on Redis --------------------------------------------

RATE = 40.0
SECONDS = 3.0
BURST = 5  # a small bucket absorbs wake-up latency; a bucket of 1 loses tokens to it


HAMMER = """
import json, sys, time
from spine.execution.rate_limit import TokenBucketLimiter
from spine.execution.redis_limits import RedisTokenBucketStore

BURST = 5

url, prefix, seconds, rate = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:5])
limiter = TokenBucketLimiter(
    rate, BURST, key="global", store=RedisTokenBucketStore(url, prefix=prefix)
)
limiter.store.client.ping()
print("ready", flush=True)
start = float(sys.stdin.readline())
while time.time() < start:
    time.sleep(0.001)
stamps = []
while time.time() < start + seconds:
    if limiter.acquire(timeout=max(0.0, start + seconds - time.time())):
        stamps.append(time.time())
print(json.dumps(stamps))
"""


def test_the_redis_limit_holds_n_per_second_across_three_processes(
    redis_url: str, redis_prefix: str
) -> None:
    args = [redis_url, redis_prefix, repr(SECONDS), repr(RATE)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for worker in workers:  # every process has imported and connected ...
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    start = time.time() + 0.5  # ... then all start together
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start!r}\n")
        worker.stdin.close()
    results = []
    for worker in workers:
        assert worker.stdout is not None
        out = worker.stdout.read()
        worker.stdout.close()
        assert worker.wait(timeout=60) == 0
        results.append(json.loads(out))
    stamps = sorted(s for r in results for s in r if start <= s < start + SECONDS)
    expected = RATE * SECONDS + BURST  # the rate over the run plus the initial burst
    assert all(results), "every process got tokens"
    assert 0.9 * expected <= len(stamps) <= 1.1 * expected, (len(stamps), expected)
    per_second = [sum(1 for s in stamps if start + i <= s < start + i + 1) for i in range(3)]
    assert all(0.8 * RATE <= n <= 1.2 * RATE + BURST for n in per_second), per_second


def test_blocking_acquire_on_redis_wakes_up_in_time(redis_url: str, redis_prefix: str) -> None:
    limiter: RateLimiter = TokenBucketLimiter(
        5, 1, key="k", store=RedisTokenBucketStore(redis_url, prefix=redis_prefix)
    )
    assert limiter.acquire()
    start = time.monotonic()
    assert limiter.acquire(timeout=2)
    assert 0.15 <= time.monotonic() - start < 0.6


# -- the global limit across processes, on the database --------------------------------------

SQL_HAMMER = """
import json, sys, time
from spine.db import connect
from spine.execution import SqlTokenBucketStore, TokenBucketLimiter

BURST = 5

url, schema, seconds, rate = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:5])
conn = connect(url, schema=schema) if schema else connect(url)
limiter = TokenBucketLimiter(rate, BURST, key="global", store=SqlTokenBucketStore(conn))
print("ready", flush=True)
start = float(sys.stdin.readline())
while time.time() < start:
    time.sleep(0.001)
stamps = []
while time.time() < start + seconds:
    if limiter.acquire(timeout=max(0.0, start + seconds - time.time())):
        stamps.append(time.time())
conn.close()
print(json.dumps(stamps))
"""


@pytest.mark.parametrize("backend", ["postgres", "mysql"])
def test_the_database_limit_holds_n_per_second_across_three_processes(
    backend: str, exec_space_of: Callable[[str], object]
) -> None:
    space = exec_space_of(backend).space  # type: ignore[attr-defined]
    args = [str(space.url), space.schema or "", repr(SECONDS), repr(RATE)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", SQL_HAMMER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    start = time.time() + 0.5
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start!r}\n")
        worker.stdin.close()
    results = []
    for worker in workers:
        assert worker.stdout is not None
        out = worker.stdout.read()
        worker.stdout.close()
        assert worker.wait(timeout=60) == 0
        results.append(json.loads(out))
    stamps = sorted(s for r in results for s in r if start <= s < start + SECONDS)
    expected = RATE * SECONDS + BURST
    assert all(results), "every process got tokens"
    assert 0.9 * expected <= len(stamps) <= 1.1 * expected, (len(stamps), expected)
    per_second = [sum(1 for s in stamps if start + i <= s < start + i + 1) for i in range(3)]
    assert all(0.8 * RATE <= n <= 1.2 * RATE + BURST for n in per_second), per_second


@pytest.mark.parametrize("backend", ["postgres", "mysql"])
def test_the_database_store_reconnects_after_its_connection_is_killed(
    backend: str, exec_space_of: Callable[[str], object]
) -> None:
    space = exec_space_of(backend).space  # type: ignore[attr-defined]
    admin = space.connect()
    store = SqlTokenBucketStore(space.connect(), reconnect=space.connect)
    without = SqlTokenBucketStore(space.connect())
    limiter = TokenBucketLimiter(100, 100, key="api", store=store)
    assert limiter.try_acquire()
    for victim in (store, without):
        conn = victim.conn
        if backend == "postgres":
            session = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            conn.commit()
            admin.execute(f"SELECT pg_terminate_backend({int(session)})").fetchall()
        else:
            session = conn.execute("SELECT CONNECTION_ID()").fetchone()[0]
            conn.commit()
            admin.execute(f"KILL {int(session)}")
        admin.commit()
    time.sleep(0.2)
    assert limiter.try_acquire()  # on a new connection
    assert limiter.try_acquire()
    with pytest.raises(DatabaseConnectionError):
        TokenBucketLimiter(100, 100, key="api", store=without).try_acquire()
    with pytest.raises(ValidationError):
        SqlTokenBucketStore(admin, reconnect="postgresql://")  # type: ignore[arg-type]
