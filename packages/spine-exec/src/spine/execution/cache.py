"""``CacheBackend``: a small key-value cache with TTLs, in memory or in Redis.

Both backends store values as JSON, so they behave the same: what you read back equals what
you wrote, never the same object (mutating either changes nothing cached), and a value JSON
cannot carry is refused with :class:`CacheValueError` at ``set``. Keys are non-empty strings
of at most 1,024 characters. ``ttl_seconds`` (or the cache's ``default_ttl``) expires an
entry; ``None`` keeps it until evicted or deleted.

* :class:`InMemoryCache` - one process, bounded LRU (``max_entries``), thread-safe.
* :class:`RedisCache` - shared by every process (extra ``spine-exec[redis]``); keys live
  under a prefix, and :meth:`RedisCache.clear` removes only those.

Example:
    >>> cache = InMemoryCache(max_entries=2)
    >>> cache.set("finra:2025-12-26", {"rows": 960}, ttl_seconds=3600)
    >>> cache.get("finra:2025-12-26")
    {'rows': 960}
    >>> cache.set("a", 1); cache.set("b", 2)  # the least recently used entry is evicted
    >>> cache.exists("finra:2025-12-26"), cache.get("missing", "default")
    (False, 'default')
    >>> cache.get_or_set("c", lambda: [1, 2])
    [1, 2]
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from spine.execution._json import check_json
from spine.execution._redis import DEFAULT_REDIS_URL, redis_client, translate_redis_error
from spine.types import ValidationError

__all__ = [
    "CacheBackend",
    "CacheValueError",
    "InMemoryCache",
    "RedisCache",
]

MAX_KEY_LENGTH = 1024
T = TypeVar("T")


class CacheValueError(ValidationError):
    """A key or value the cache cannot store (not JSON, empty key, bad TTL)."""


@runtime_checkable
class CacheBackend(Protocol):
    """The cache interface (see the module docstring for shared semantics)."""

    def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key``, or ``default`` when missing or expired."""
        ...

    def set(self, key: str, value: Any, ttl_seconds: float | None = None) -> None:
        """Store ``value`` (JSON-ready) under ``key`` for ``ttl_seconds`` (``None``: the
        cache's default TTL, which may be none)."""
        ...

    def delete(self, key: str) -> bool:
        """Remove ``key``; whether it was there."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds an unexpired value."""
        ...

    def clear(self) -> None:
        """Remove every entry of this cache."""
        ...

    def get_or_set(
        self, key: str, factory: Callable[[], Any], ttl_seconds: float | None = None
    ) -> Any:
        """The cached value, or ``factory()`` stored and returned when missing."""
        ...

    def close(self) -> None:
        """Release connections (idempotent)."""
        ...


def check_key(key: object) -> str:
    """``key`` if it is a usable cache key.

    Raises:
        CacheValueError: not a str of 1..1024 characters.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        shown = key if not isinstance(key, str) else f"{key[:40]}..." if len(key) > 40 else key
        raise CacheValueError(
            f"cache keys are str of 1..{MAX_KEY_LENGTH} chars, got {type(key).__name__} {shown!r}"
        )
    return key


def encode_value(key: str, value: Any) -> str:
    """``value`` as compact JSON.

    Raises:
        CacheValueError: JSON cannot carry it, or would change it (a non-str dict key); the
            message names the key and the offending path.
    """
    check_json(value, "value", 0, CacheValueError, f"the value cached under {key!r}")
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def check_ttl(ttl: float | None) -> float | None:
    """``ttl`` if it is ``None`` or a positive finite number of seconds."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not math.isfinite(ttl):
        raise CacheValueError(f"ttl_seconds must be a number of seconds, got {ttl!r}")
    if ttl <= 0:
        raise CacheValueError(f"ttl_seconds must be > 0, got {ttl!r}")
    return float(ttl)


class InMemoryCache:
    """A bounded LRU cache with TTLs for one process; thread-safe.

    Args:
        max_entries: Entries kept; the least recently used is evicted beyond it.
        default_ttl: Seconds an entry lives when ``set`` gives no TTL (``None``: forever).
        clock: Monotonic time source (tests).

    Attributes:
        hits / misses / evictions: Counters since creation.
    """

    def __init__(
        self,
        max_entries: int = 10_000,
        *,
        default_ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise CacheValueError(f"max_entries must be an int >= 1, got {max_entries!r}")
        self.max_entries = max_entries
        self.default_ttl = check_ttl(default_ttl)
        self._clock = clock
        self._lock = threading.Lock()
        self._data: OrderedDict[str, tuple[str, float | None]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def _live(self, key: str) -> str | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        payload, expires = entry
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return payload

    def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key`` (a fresh copy), or ``default``."""
        check_key(key)
        with self._lock:
            payload = self._live(key)
            if payload is None:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
        return json.loads(payload)

    def set(self, key: str, value: Any, ttl_seconds: float | None = None) -> None:
        """Store a JSON copy of ``value``; evicts the least recently used beyond the bound."""
        check_key(key)
        payload = encode_value(key, value)
        ttl = check_ttl(ttl_seconds) if ttl_seconds is not None else self.default_ttl
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            self._data[key] = (payload, expires)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
                self.evictions += 1

    def delete(self, key: str) -> bool:
        """Remove ``key``; whether it held a live value."""
        check_key(key)
        with self._lock:
            live = self._live(key) is not None
            self._data.pop(key, None)
            return live

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        check_key(key)
        with self._lock:
            return self._live(key) is not None

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._data.clear()

    def get_or_set(
        self, key: str, factory: Callable[[], Any], ttl_seconds: float | None = None
    ) -> Any:
        """The cached value, or ``factory()`` stored and returned."""
        sentinel = _MISSING
        value = self.get(key, sentinel)
        if value is not sentinel:
            return value
        value = factory()
        self.set(key, value, ttl_seconds)
        return json.loads(encode_value(key, value))

    def close(self) -> None:
        """Nothing to release."""

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __repr__(self) -> str:
        return f"InMemoryCache({len(self)}/{self.max_entries} entries)"


class _Missing:
    pass


_MISSING: Any = _Missing()


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class RedisCache:
    """A cache in Redis, shared by every process using the same URL and prefix.

    Args:
        url: ``redis://[:password@]host:port/db`` (default local database 0). The password
            never appears in reprs or errors.
        client: A ready ``redis.Redis`` (skips ``url``).
        prefix: Namespace of this cache's keys (default ``"spine:cache:"``).
        default_ttl: Seconds an entry lives when ``set`` gives no TTL (``None``: forever).
        timeout: Connect and socket timeout in seconds.

    Raises:
        MissingExtraError: redis-py is not installed (``pip install "spine-exec[redis]"``).

    Errors of the server surface as :class:`~spine.types.NetworkError` (unreachable,
    retryable) or :class:`~spine.types.StorageError`.
    """

    def __init__(
        self,
        url: str = DEFAULT_REDIS_URL,
        *,
        client: Any = None,
        prefix: str = "spine:cache:",
        default_ttl: float | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._client = (
            client
            if client is not None
            else redis_client(url, feature="RedisCache", timeout=timeout)
        )
        if not isinstance(prefix, str):
            raise CacheValueError(f"prefix must be a str, got {prefix!r}")
        self.prefix = prefix
        self.default_ttl = check_ttl(default_ttl)

    def _fail(self, exc: BaseException) -> Exception:
        return translate_redis_error(exc, "RedisCache", self._url)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key``, or ``default``."""
        name = self._key(key)
        try:
            payload = self._client.get(name)
        except Exception as exc:
            raise self._fail(exc) from exc
        return default if payload is None else json.loads(payload)

    def set(self, key: str, value: Any, ttl_seconds: float | None = None) -> None:
        """``SET`` a JSON copy of ``value`` (``PX`` for the TTL, millisecond precision)."""
        name = self._key(key)
        payload = encode_value(key, value)
        ttl = check_ttl(ttl_seconds) if ttl_seconds is not None else self.default_ttl
        try:
            if ttl is None:
                self._client.set(name, payload)
            else:
                self._client.set(name, payload, px=max(1, round(ttl * 1000)))
        except Exception as exc:
            raise self._fail(exc) from exc

    def delete(self, key: str) -> bool:
        """``DEL``; whether the key existed."""
        name = self._key(key)
        try:
            return bool(self._client.delete(name))
        except Exception as exc:
            raise self._fail(exc) from exc

    def exists(self, key: str) -> bool:
        """``EXISTS``."""
        name = self._key(key)
        try:
            return bool(self._client.exists(name))
        except Exception as exc:
            raise self._fail(exc) from exc

    def clear(self) -> None:
        """Remove this cache's keys (``SCAN`` + ``UNLINK`` under the prefix; never
        ``FLUSHDB``)."""
        try:
            batch: list[Any] = []
            for name in self._client.scan_iter(match=_glob_escape(self.prefix) + "*", count=500):
                batch.append(name)
                if len(batch) >= 500:
                    self._client.unlink(*batch)
                    batch = []
            if batch:
                self._client.unlink(*batch)
        except Exception as exc:
            raise self._fail(exc) from exc

    def get_or_set(
        self, key: str, factory: Callable[[], Any], ttl_seconds: float | None = None
    ) -> Any:
        """The cached value, or ``factory()`` stored and returned."""
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = factory()
        self.set(key, value, ttl_seconds)
        return json.loads(encode_value(key, value))

    def ping(self) -> float:
        """Round-trip time of a ``PING`` in milliseconds (health checks)."""
        start = time.perf_counter()
        try:
            self._client.ping()
        except Exception as exc:
            raise self._fail(exc) from exc
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        """Close the connection pool."""
        with contextlib.suppress(Exception):  # closing never raises
            self._client.close()

    def __repr__(self) -> str:
        from spine.db import mask_url

        return f"RedisCache({mask_url(self._url)!r}, prefix={self.prefix!r})"
