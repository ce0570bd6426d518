"""The CacheBackend contract, run against InMemoryCache and RedisCache (live)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

import pytest

from spine.execution import CacheBackend, CacheValueError


def test_a_value_reads_back_equal_but_never_the_same_object(cache: CacheBackend) -> None:
    value = {"rows": 960, "tiers": ["NMS_TIER_1", "OTC"], "ok": True, "ratio": 0.5, "none": None}
    cache.set("finra:2025-12-26", value)
    got = cache.get("finra:2025-12-26")
    assert got == value
    got["rows"] = 0
    value["rows"] = 1
    assert cache.get("finra:2025-12-26")["rows"] == 960


def test_missing_keys_return_the_default(cache: CacheBackend) -> None:
    assert cache.get("nope") is None
    assert cache.get("nope", "fallback") == "fallback"
    assert cache.exists("nope") is False
    assert cache.delete("nope") is False


@pytest.mark.parametrize("value", [0, "", [], {}, False, "ünïcødé ✓", 2**53, -1.5, [1, [2, [3]]]])
def test_every_json_value_round_trips(cache: CacheBackend, value: object) -> None:
    cache.set("k", value)
    assert cache.exists("k")
    assert cache.get("k", "missing") == value


def test_overwrite_delete_and_clear(cache: CacheBackend) -> None:
    cache.set("a", 1)
    cache.set("a", 2)
    cache.set("b", 3)
    assert cache.get("a") == 2
    assert cache.delete("a") is True
    assert cache.get("a") is None
    cache.clear()
    assert cache.exists("b") is False


def test_clear_removes_only_this_caches_entries(
    cache_factory: Callable[..., CacheBackend], request: pytest.FixtureRequest
) -> None:
    first = cache_factory()
    first.set("shared-name", 1)
    other = cache_factory() if "memory" in request.node.callspec.id else None
    if other is None:  # a second Redis namespace
        from spine.execution import RedisCache

        from .conftest import REDIS_URL

        other = RedisCache(REDIS_URL, prefix=f"spine-test-other:{time.time_ns()}:")
    try:
        other.set("shared-name", 2)
        first.clear()
        assert first.get("shared-name") is None
        assert other.get("shared-name") == 2
    finally:
        other.clear()
        other.close()


def test_entries_expire_after_their_ttl(cache: CacheBackend) -> None:
    cache.set("short", "v", ttl_seconds=0.2)
    cache.set("long", "v", ttl_seconds=60)
    cache.set("forever", "v")
    assert cache.get("short") == "v"
    time.sleep(0.35)
    assert cache.get("short") is None
    assert cache.exists("short") is False
    assert cache.get("long") == "v"
    assert cache.get("forever") == "v"


def test_default_ttl_applies_when_set_gives_none(
    cache_factory: Callable[..., CacheBackend],
) -> None:
    cache = cache_factory(default_ttl=0.2)
    cache.set("k", 1)
    cache.set("pinned", 1, ttl_seconds=60)
    time.sleep(0.35)
    assert cache.get("k") is None
    assert cache.get("pinned") == 1


def test_get_or_set_calls_the_factory_only_when_missing(cache: CacheBackend) -> None:
    calls: list[int] = []

    def factory() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    assert cache.get_or_set("k", factory) == {"n": 1}
    assert cache.get_or_set("k", factory) == {"n": 1}
    assert len(calls) == 1


@pytest.mark.parametrize(
    "value", [datetime(2025, 1, 1), {1, 2}, object(), float("nan"), {"k": b"bytes"}, {1: "x"}]
)
def test_values_json_cannot_carry_are_refused_and_nothing_is_stored(
    cache: CacheBackend, value: object
) -> None:
    with pytest.raises(CacheValueError, match="is not JSON"):
        cache.set("bad", value)
    assert cache.exists("bad") is False


@pytest.mark.parametrize("key", ["", "x" * 1025, 42, None])
def test_bad_keys_are_refused(cache: CacheBackend, key: object) -> None:
    with pytest.raises(CacheValueError, match="cache keys"):
        cache.set(key, 1)  # type: ignore[arg-type]
    with pytest.raises(CacheValueError):
        cache.get(key)  # type: ignore[arg-type]


@pytest.mark.parametrize("ttl", [0, -1, float("inf"), "10", True])
def test_bad_ttls_are_refused(cache: CacheBackend, ttl: object) -> None:
    with pytest.raises(CacheValueError, match="ttl_seconds"):
        cache.set("k", 1, ttl_seconds=ttl)  # type: ignore[arg-type]


def test_concurrent_writers_and_readers_see_whole_values(cache: CacheBackend) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(100):
                cache.set(f"k{i % 10}", {"worker": worker, "i": i, "pad": "x" * 100})
                got = cache.get(f"k{(i + 5) % 10}")
                assert got is None or set(got) == {"worker", "i", "pad"}
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
