"""InMemoryCache specifics (the shared behaviour is in tests-integration/services): LRU bound,
TTL on a controllable clock, counters; RedisCache errors never show the password."""

from __future__ import annotations

import pytest

from spine.execution import CacheValueError, InMemoryCache, RedisCache
from spine.types import NetworkError


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lru_bound_evicts_the_least_recently_used_entry() -> None:
    cache = InMemoryCache(max_entries=3)
    for key in "abc":
        cache.set(key, key)
    assert cache.get("a") == "a"  # a is now the most recent
    cache.set("d", "d")
    assert [k for k in "abcd" if cache.exists(k)] == ["a", "c", "d"]
    assert cache.evictions == 1
    assert len(cache) == 3


def test_ttl_follows_the_given_clock_exactly() -> None:
    clock = FakeMonotonic()
    cache = InMemoryCache(clock=clock)
    cache.set("k", 1, ttl_seconds=10)
    clock.now += 9.999
    assert cache.get("k") == 1
    clock.now += 0.001
    assert cache.get("k") is None
    assert len(cache) == 0  # an expired entry is dropped when seen


def test_hits_and_misses_are_counted() -> None:
    cache = InMemoryCache()
    cache.set("k", 1)
    cache.get("k")
    cache.get("k")
    cache.get("x")
    assert (cache.hits, cache.misses) == (2, 1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_max_entries_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(CacheValueError):
        InMemoryCache(max_entries=bad)  # type: ignore[arg-type]


def test_redis_errors_name_the_server_but_never_the_password() -> None:
    cache = RedisCache("redis://:s3cret-pw@127.0.0.1:1/0", timeout=0.5)
    assert "s3cret-pw" not in repr(cache)
    with pytest.raises(NetworkError) as info:
        cache.get("k")
    assert "s3cret-pw" not in str(info.value)
    assert "127.0.0.1:1" in str(info.value)
    assert info.value.retryable
