"""Global rate limits on Redis: one limit shared by every process and machine.

Each request runs one Lua script, atomic on the Redis server and timed by the server's own
clock (``TIME``), so ``N/s`` holds across workers whatever their clocks say. Needs the
``redis`` extra: ``pip install "spine-exec[redis]"``.

* :class:`RedisTokenBucketStore` - token buckets (a hash per key: level and time).
* :class:`RedisSlidingWindowStore` - sliding windows (a sorted set of hit times per key).

Keys expire on their own once idle (a full bucket or an empty window holds no information).

Example (needs a Redis server)::

    from spine.execution import TokenBucketLimiter
    from spine.execution.redis_limits import RedisTokenBucketStore

    store = RedisTokenBucketStore("redis://127.0.0.1:6379/0")
    finra = TokenBucketLimiter(rate=10, capacity=10, key="finra-api", store=store)
    finra.acquire()          # at most 10/s across every worker sharing "finra-api"
"""

from __future__ import annotations

import importlib
from typing import Any

from spine.execution.errors import MissingExtraError
from spine.execution.rate_limit import Grant
from spine.types import ValidationError

__all__ = ["RedisSlidingWindowStore", "RedisTokenBucketStore", "redis_client"]

DEFAULT_PREFIX = "spine:ratelimit:"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

TOKEN_BUCKET_TAKE = (
    _NOW
    + """
local n = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local give_back = ARGV[4] == '1'
local data = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(data[1])
local ts = tonumber(data[2])
if level == nil then level = cap; ts = now end
level = math.min(cap, level + math.max(0, now - ts) * rate)
local granted = 0
local wait = 0
if give_back then
  level = math.min(cap, level + n)
elseif level >= n then
  level = level - n
  granted = 1
else
  wait = (n - level) / rate
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return {granted, tostring(wait)}
"""
)

SLIDING_WINDOW_HIT = (
    _NOW
    + """
local n = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local ttl = math.ceil(window * 1000) + 1000
if count + n <= limit then
  for i = 1, n do
    local seq = redis.call('INCR', KEYS[2])
    redis.call('ZADD', KEYS[1], now, tostring(seq))
  end
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {1, '0'}
end
local idx = count + n - limit - 1
local oldest = redis.call('ZRANGE', KEYS[1], idx, idx, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + window - now)}
"""
)

SLIDING_WINDOW_GIVE_BACK = """
local n = tonumber(ARGV[1])
if n > 0 then redis.call('ZPOPMAX', KEYS[1], n) end
return 1
"""


def redis_client(client_or_url: Any) -> Any:
    """A ``redis.Redis`` client from a URL, or the client itself.

    Raises:
        MissingExtraError: redis-py is not installed.
    """
    if not isinstance(client_or_url, str):
        return client_or_url
    try:
        redis = importlib.import_module("redis")
    except ImportError:
        raise MissingExtraError("the Redis rate limit store", "redis-py", "redis") from None
    return redis.Redis.from_url(client_or_url)


def _grant(reply: Any) -> Grant:
    granted, wait = reply
    text = wait.decode() if isinstance(wait, bytes) else str(wait)
    return Grant(bool(int(granted)), float(text))


class _RedisStore:
    """A Redis client, a key prefix and the Lua scripts of one store."""

    SCRIPTS: dict[str, str] = {}

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = redis_client(client)
        self.prefix = prefix
        self._scripts = {
            name: self.client.register_script(lua) for name, lua in self.SCRIPTS.items()
        }

    def _key(self, key: str) -> str:
        if not isinstance(key, str) or not key:
            raise ValidationError(f"key must be a non-empty str, got {key!r}")
        return self.prefix + key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prefix={self.prefix!r})"


class RedisTokenBucketStore(_RedisStore):
    """Token buckets on Redis (:class:`~spine.execution.rate_limit.TokenBucketStore`).

    Args:
        client: A ``redis.Redis`` client or a ``redis://`` URL.
        prefix: Prefix of the Redis keys.

    Raises:
        MissingExtraError: redis-py is not installed (``spine-exec[redis]``).
    """

    SCRIPTS = {"take": TOKEN_BUCKET_TAKE}

    def take(self, key: str, tokens: float, rate: float, capacity: float) -> Grant:
        """See :meth:`~spine.execution.rate_limit.TokenBucketStore.take`."""
        take = self._scripts["take"]
        return _grant(take(keys=[self._key(key)], args=[tokens, rate, capacity, 0]))

    def give_back(self, key: str, tokens: float, rate: float, capacity: float) -> None:
        """See :meth:`~spine.execution.rate_limit.TokenBucketStore.give_back`."""
        self._scripts["take"](keys=[self._key(key)], args=[tokens, rate, capacity, 1])


class RedisSlidingWindowStore(_RedisStore):
    """Sliding windows on Redis (:class:`~spine.execution.rate_limit.SlidingWindowStore`).

    Args:
        client: A ``redis.Redis`` client or a ``redis://`` URL.
        prefix: Prefix of the Redis keys.

    Raises:
        MissingExtraError: redis-py is not installed (``spine-exec[redis]``).
    """

    SCRIPTS = {"hit": SLIDING_WINDOW_HIT, "give_back": SLIDING_WINDOW_GIVE_BACK}

    def hit(self, key: str, tokens: int, limit: int, window: float) -> Grant:
        """See :meth:`~spine.execution.rate_limit.SlidingWindowStore.hit`."""
        name = self._key(key)
        return _grant(
            self._scripts["hit"](keys=[name, name + ":seq"], args=[tokens, limit, window])
        )

    def give_back(self, key: str, tokens: int, limit: int, window: float) -> None:
        """See :meth:`~spine.execution.rate_limit.SlidingWindowStore.give_back`."""
        self._scripts["give_back"](keys=[self._key(key)], args=[tokens])
