"""Implementations under the services contract suites (event buses, caches).

Each fixture is parametrized over every implementation; the live ones run against the
servers on this machine:

* Redis: ``SPINE_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Unreachable means
  skipped, unless ``SPINE_REQUIRE_SERVICES`` (comma list) names ``redis`` - CI sets it.
* PostgreSQL: the ``postgres`` test backend of ``spine.db.testing`` (``SPINE_TEST_POSTGRES_URL``,
  required when ``SPINE_REQUIRE_BACKENDS`` names it).

Every test gets its own channel, prefix and keys, so runs in parallel never see each other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cache

import pytest

from spine.db.testing.backends import backend_url, probe_backend
from spine.execution import (
    CacheBackend,
    EventBus,
    InMemoryCache,
    InMemoryEventBus,
    PostgresEventBus,
    RedisCache,
    RedisEventBus,
)
from spine.types.ulid import generate_ulid

REDIS_URL = os.environ.get("SPINE_TEST_REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0"


def required_services() -> set[str]:
    raw = os.environ.get("SPINE_REQUIRE_SERVICES", "")
    return {name.strip().lower() for name in raw.split(",") if name.strip()}


@cache
def redis_problem() -> str | None:
    """Why Redis cannot be used (``None``: it answers)."""
    try:
        import redis
    except ImportError:
        return 'redis-py is not installed: pip install "spine-exec[redis]"'
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        return f"Redis unavailable at {REDIS_URL}: {exc}"
    finally:
        client.close()
    return None


def need_redis() -> None:
    problem = redis_problem()
    if problem is None:
        return
    if "redis" in required_services():
        pytest.fail(f"required service unavailable (SPINE_REQUIRE_SERVICES): {problem}")
    pytest.skip(problem)


def need_postgres() -> str:
    status = probe_backend("postgres")
    if not status.available:
        if status.required:
            pytest.fail(f"required backend unavailable (SPINE_REQUIRE_BACKENDS): {status.reason}")
        pytest.skip(status.reason)
    url = backend_url("postgres")
    assert url is not None
    return url


def _memory_bus(tag: str) -> EventBus:
    return InMemoryEventBus()


def _redis_bus(tag: str) -> EventBus:
    need_redis()
    return RedisEventBus(REDIS_URL, channel_prefix=f"spine-test:{tag}:")


def _postgres_bus(tag: str) -> EventBus:
    url = need_postgres()
    return PostgresEventBus(url, channel=f"spine_test_{tag.lower()}")


EVENT_BUSES: dict[str, Callable[[str], EventBus]] = {
    "memory": _memory_bus,
    "redis": _redis_bus,
    "postgres": _postgres_bus,
}


@pytest.fixture(params=sorted(EVENT_BUSES))
def bus_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], EventBus]]:
    """``bus_factory()`` opens a bus of one implementation; buses opened by one test share a
    channel (like processes of one deployment) and are closed at teardown."""
    tag = generate_ulid()
    opened: list[EventBus] = []

    def make() -> EventBus:
        bus = EVENT_BUSES[request.param](tag)
        opened.append(bus)
        return bus

    yield make
    for bus in opened:
        bus.close()


@pytest.fixture
def bus(bus_factory: Callable[[], EventBus]) -> EventBus:
    """A fresh bus of each implementation."""
    return bus_factory()


def _memory_cache(tag: str, **options: object) -> CacheBackend:
    return InMemoryCache(**options)  # type: ignore[arg-type]


def _redis_cache(tag: str, **options: object) -> CacheBackend:
    need_redis()
    options.pop("max_entries", None)
    return RedisCache(REDIS_URL, prefix=f"spine-test:{tag}:", **options)  # type: ignore[arg-type]


CACHES: dict[str, Callable[..., CacheBackend]] = {
    "memory": _memory_cache,
    "redis": _redis_cache,
}


@pytest.fixture(params=sorted(CACHES))
def cache_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., CacheBackend]]:
    """``cache_factory(**options)`` opens a cache of one implementation in a namespace of
    its own; caches are cleared and closed at teardown."""
    tag = generate_ulid()
    opened: list[CacheBackend] = []

    def make(**options: object) -> CacheBackend:
        cache = CACHES[request.param](tag, **options)
        opened.append(cache)
        return cache

    yield make
    for cache in opened:
        cache.clear()
        cache.close()


@pytest.fixture
def cache(cache_factory: Callable[..., CacheBackend]) -> CacheBackend:
    """A fresh, empty cache of each implementation."""
    return cache_factory()
