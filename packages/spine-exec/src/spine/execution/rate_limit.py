"""Rate limiters: token bucket and sliding window, keyed and composite, local or global.

* :class:`TokenBucketLimiter` - ``rate`` tokens per second, bursts up to ``capacity``.
* :class:`SlidingWindowLimiter` - at most ``max_requests`` in any ``window_seconds``.
* :class:`KeyedRateLimiter` - one limiter per key (per user, per host, per API key).
* :class:`CompositeRateLimiter` - all of several limits at once (100/min *and* 1000/h);
  tokens are taken from all or from none.

``acquire(tokens, blocking=True, timeout=None)`` never deadlocks: no lock is held while it
waits, it sleeps exactly until the tokens can be there, and a request that could never be
granted (more tokens than the capacity) is refused at once. :meth:`RateLimiter.check` raises
:class:`RateLimitExceeded` (a retryable ``RateLimitError`` with ``retry_after``) instead of
waiting - inside a queued job that re-schedules the job rather than blocking a worker.

The arithmetic lives in a **store** that applies each request atomically: in this process by
default, or shared - :class:`~spine.execution.redis_limits.RedisTokenBucketStore` (extra
``spine-exec[redis]``, one Lua script per request) or
:class:`~spine.execution.SqlTokenBucketStore` (a row of ``core_rate_limits`` on any spine
database) makes ``N/s`` hold across every process and machine using the same key. A handler
registered with ``rate_limit=`` is limited by the queue worker, which defers a job without a
token instead of waiting (:meth:`RateLimiter.take`).

Example:
    >>> limiter = TokenBucketLimiter(rate=10, capacity=2)  # 10/s, bursts of 2
    >>> limiter.try_acquire(), limiter.try_acquire(), limiter.try_acquire()
    (True, True, False)
    >>> limiter.acquire(timeout=1.0)  # waits ~0.1 s for the next token
    True
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, runtime_checkable

from spine.types import RateLimitError, ValidationError

__all__ = [
    "CompositeRateLimiter",
    "Grant",
    "InMemorySlidingWindowStore",
    "InMemoryTokenBucketStore",
    "KeyedRateLimiter",
    "RateLimitExceeded",
    "RateLimiter",
    "SlidingWindowLimiter",
    "SlidingWindowStore",
    "TokenBucketLimiter",
    "TokenBucketStore",
]

_MIN_SLEEP = 0.0005


class RateLimitExceeded(RateLimitError):  # noqa: N818 - the established name
    """No tokens now (retryable; ``retry_after`` is when they will be there, rounded up)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """A store's answer: ``granted``, or the seconds to ``wait`` before asking again."""

    granted: bool
    wait: float = 0.0


@runtime_checkable
class TokenBucketStore(Protocol):
    """Token buckets keyed by name; each call is atomic across all users of the store."""

    def take(self, key: str, tokens: float, rate: float, capacity: float) -> Grant:
        """Refill the bucket for the time elapsed, then take ``tokens`` if there are enough."""
        ...

    def give_back(self, key: str, tokens: float, rate: float, capacity: float) -> None:
        """Return tokens taken by a request that was abandoned (never above capacity)."""
        ...


@runtime_checkable
class SlidingWindowStore(Protocol):
    """Sliding-window logs keyed by name; each call is atomic across all users of the store."""

    def hit(self, key: str, tokens: int, limit: int, window: float) -> Grant:
        """Record ``tokens`` hits now if the last ``window`` seconds leave room for them."""
        ...

    def give_back(self, key: str, tokens: int, limit: int, window: float) -> None:
        """Forget the latest ``tokens`` hits (a request that was abandoned)."""
        ...


class InMemoryTokenBucketStore:
    """Token buckets in this process (thread-safe). ``clock``: seconds, monotonic."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, tokens: float, rate: float, capacity: float) -> Grant:
        """See :meth:`TokenBucketStore.take`."""
        with self._lock:
            now = self._clock()
            level, last = self._buckets.get(key, (capacity, now))
            level = min(capacity, level + max(0.0, now - last) * rate)
            if level >= tokens:
                self._buckets[key] = (level - tokens, now)
                return Grant(True)
            self._buckets[key] = (level, now)
            return Grant(False, (tokens - level) / rate)

    def give_back(self, key: str, tokens: float, rate: float, capacity: float) -> None:
        """See :meth:`TokenBucketStore.give_back`."""
        with self._lock:
            level, last = self._buckets.get(key, (capacity, self._clock()))
            self._buckets[key] = (min(capacity, level + tokens), last)


class InMemorySlidingWindowStore:
    """Sliding-window logs in this process (thread-safe). ``clock``: seconds, monotonic."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._logs: dict[str, deque[float]] = {}

    def hit(self, key: str, tokens: int, limit: int, window: float) -> Grant:
        """See :meth:`SlidingWindowStore.hit`."""
        with self._lock:
            now = self._clock()
            log = self._logs.setdefault(key, deque())
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) + tokens <= limit:
                log.extend([now] * tokens)
                return Grant(True)
            # The hit that must leave the window before ``tokens`` more fit.
            must_expire = log[len(log) + tokens - limit - 1]
            return Grant(False, max(must_expire + window - now, _MIN_SLEEP))

    def give_back(self, key: str, tokens: int, limit: int, window: float) -> None:
        """See :meth:`SlidingWindowStore.give_back`."""
        with self._lock:
            log = self._logs.get(key)
            for _ in range(min(tokens, len(log or ()))):
                assert log is not None
                log.pop()


def _check_tokens(tokens: object, maximum: float) -> float:
    if isinstance(tokens, bool) or not isinstance(tokens, int | float):
        raise ValidationError(f"tokens must be a number > 0, got {tokens!r}")
    if not math.isfinite(tokens) or tokens <= 0:
        raise ValidationError(f"tokens must be a finite number > 0, got {tokens!r}")
    if tokens > maximum:
        raise ValidationError(
            f"{tokens:g} tokens can never be granted: the limit holds at most {maximum:g}"
        )
    return float(tokens)


def _check_timeout(timeout: object) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise ValidationError(f"timeout must be a number of seconds >= 0 or None, got {timeout!r}")
    if math.isnan(timeout) or timeout < 0:
        raise ValidationError(f"timeout must be >= 0 seconds or None, got {timeout!r}")
    return float(timeout)


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number > 0, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValidationError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


class RateLimiter(ABC):
    """Base of every limiter: blocking, non-blocking and async acquisition over
    :meth:`_try` (one atomic attempt) and :meth:`_give_back`."""

    @property
    @abstractmethod
    def max_tokens(self) -> float:
        """The most tokens one request can ever be granted."""

    @abstractmethod
    def _try(self, tokens: float) -> Grant:
        """One atomic attempt."""

    @abstractmethod
    def _give_back(self, tokens: float) -> None:
        """Undo a granted attempt (used by :class:`CompositeRateLimiter`)."""

    @property
    @abstractmethod
    def interval(self) -> float:
        """Seconds between grants of one token at the sustained rate (``1 / rate`` for a
        token bucket): how far apart a caller that was refused spreads its next tries."""

    def try_acquire(self, tokens: float = 1) -> bool:
        """Take ``tokens`` now if they are there; never waits."""
        return self._try(_check_tokens(tokens, self.max_tokens)).granted

    def take(self, tokens: float = 1) -> Grant:
        """Take ``tokens`` now if they are there; never waits. A refusal's ``wait`` is the
        seconds (not rounded) until they can be there - what a queue worker defers a job by.

        Raises:
            ValidationError: ``tokens`` above the capacity, zero or negative.
        """
        return self._try(_check_tokens(tokens, self.max_tokens))

    def _step(self, amount: float, blocking: bool, end: float | None) -> bool | float:
        """One attempt: ``True`` granted, ``False`` give up, else seconds to wait first."""
        grant = self._try(amount)
        if grant.granted:
            return True
        if not blocking:
            return False
        wait = max(grant.wait, _MIN_SLEEP)
        if end is not None:
            left = end - time.monotonic()
            if left <= 0:
                return False
            wait = min(wait, left)  # then one last try at the deadline
        return wait

    def _plan(self, tokens: float, timeout: float | None) -> tuple[float, float | None]:
        amount = _check_tokens(tokens, self.max_tokens)
        limit = _check_timeout(timeout)
        return amount, None if limit is None else time.monotonic() + limit

    def acquire(
        self, tokens: float = 1, *, blocking: bool = True, timeout: float | None = None
    ) -> bool:
        """Take ``tokens``, waiting up to ``timeout`` seconds (forever when ``None``).

        Returns ``False`` when they could not be taken in time (or at once, when
        ``blocking=False``).

        Raises:
            ValidationError: ``tokens`` above the capacity (it could never succeed), zero or
                negative tokens, a negative timeout.
        """
        amount, end = self._plan(tokens, timeout)
        while True:
            step = self._step(amount, blocking, end)
            if isinstance(step, bool):
                return step
            time.sleep(step)

    async def acquire_async(
        self, tokens: float = 1, *, blocking: bool = True, timeout: float | None = None
    ) -> bool:
        """Async :meth:`acquire`: waits with ``asyncio.sleep`` (other tasks run)."""
        amount, end = self._plan(tokens, timeout)
        while True:
            step = self._step(amount, blocking, end)
            if isinstance(step, bool):
                return step
            await asyncio.sleep(step)

    def check(self, tokens: float = 1) -> None:
        """Take ``tokens`` now or raise :class:`RateLimitExceeded` (never waits).

        Raises:
            RateLimitExceeded: not enough tokens; ``retry_after`` says when to try again.
        """
        grant = self._try(_check_tokens(tokens, self.max_tokens))
        if not grant.granted:
            raise RateLimitExceeded(
                f"{self!r}: rate limit reached; retry in {grant.wait:.3f}s",
                retry_after=max(1, math.ceil(grant.wait)),
            )

    def __enter__(self) -> RateLimiter:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class TokenBucketLimiter(RateLimiter):
    """``rate`` tokens per second, up to ``capacity`` saved for bursts.

    Args:
        rate: Tokens added per second.
        capacity: Bucket size (default ``max(1, rate)``: one second of burst).
        key: The bucket's name in the store (share a key to share the limit).
        store: Where the bucket lives (default: this process).
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        key: str = "default",
        store: TokenBucketStore | None = None,
    ) -> None:
        self.rate = _positive("rate", rate)
        self.capacity = (
            _positive("capacity", capacity) if capacity is not None else max(1.0, self.rate)
        )
        self.key = key
        self.store: TokenBucketStore = store if store is not None else InMemoryTokenBucketStore()

    @property
    def max_tokens(self) -> float:
        """The capacity."""
        return self.capacity

    @property
    def interval(self) -> float:
        """``1 / rate``."""
        return 1.0 / self.rate

    def _try(self, tokens: float) -> Grant:
        return self.store.take(self.key, tokens, self.rate, self.capacity)

    def _give_back(self, tokens: float) -> None:
        self.store.give_back(self.key, tokens, self.rate, self.capacity)

    def __repr__(self) -> str:
        return f"TokenBucketLimiter({self.key!r}, rate={self.rate:g}/s, capacity={self.capacity:g})"


class SlidingWindowLimiter(RateLimiter):
    """At most ``max_requests`` in any ``window_seconds`` (no burst at window edges).

    Args:
        max_requests: Requests allowed per window.
        window_seconds: The window.
        key: The log's name in the store (share a key to share the limit).
        store: Where the log lives (default: this process).
    """

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        *,
        key: str = "default",
        store: SlidingWindowStore | None = None,
    ) -> None:
        if isinstance(max_requests, bool) or not isinstance(max_requests, int) or max_requests < 1:
            raise ValidationError(f"max_requests must be an int >= 1, got {max_requests!r}")
        self.max_requests = max_requests
        self.window_seconds = _positive("window_seconds", window_seconds)
        self.key = key
        self.store: SlidingWindowStore = (
            store if store is not None else InMemorySlidingWindowStore()
        )

    @property
    def max_tokens(self) -> float:
        """``max_requests``."""
        return float(self.max_requests)

    @property
    def interval(self) -> float:
        """``window_seconds / max_requests``."""
        return self.window_seconds / self.max_requests

    def _count(self, tokens: float) -> int:
        if tokens != int(tokens):
            raise ValidationError(f"a sliding window counts whole requests, got {tokens:g}")
        return int(tokens)

    def _try(self, tokens: float) -> Grant:
        return self.store.hit(self.key, self._count(tokens), self.max_requests, self.window_seconds)

    def _give_back(self, tokens: float) -> None:
        self.store.give_back(self.key, self._count(tokens), self.max_requests, self.window_seconds)

    def __repr__(self) -> str:
        return (
            f"SlidingWindowLimiter({self.key!r}, {self.max_requests} per {self.window_seconds:g}s)"
        )


class CompositeRateLimiter(RateLimiter):
    """Every limit at once: tokens are taken from all limiters or from none.

    Example:
        >>> per_minute_and_hour = CompositeRateLimiter([
        ...     SlidingWindowLimiter(100, 60), SlidingWindowLimiter(1000, 3600)
        ... ])
        >>> per_minute_and_hour.try_acquire()
        True
    """

    def __init__(self, limiters: Iterable[RateLimiter]) -> None:
        self.limiters = list(limiters)
        if not self.limiters:
            raise ValidationError("a composite rate limiter needs at least one limiter")

    @property
    def max_tokens(self) -> float:
        """The smallest capacity of its limiters."""
        return min(limiter.max_tokens for limiter in self.limiters)

    @property
    def interval(self) -> float:
        """The longest interval of its limiters (the tightest sustained rate)."""
        return max(limiter.interval for limiter in self.limiters)

    def _try(self, tokens: float) -> Grant:
        taken: list[RateLimiter] = []
        for limiter in self.limiters:
            grant = limiter._try(tokens)
            if not grant.granted:
                for done in taken:
                    done._give_back(tokens)
                return grant
            taken.append(limiter)
        return Grant(True)

    def _give_back(self, tokens: float) -> None:
        for limiter in self.limiters:
            limiter._give_back(tokens)

    def __repr__(self) -> str:
        return f"CompositeRateLimiter({self.limiters!r})"


class KeyedRateLimiter:
    """One limiter per key, made on first use by ``factory(key)``; the least recently used
    are forgotten beyond ``max_keys`` (their state lives on in a shared store).

    Example:
        >>> per_host = KeyedRateLimiter(lambda key: TokenBucketLimiter(5, 1, key=key))
        >>> per_host.try_acquire("sec.gov"), per_host.try_acquire("sec.gov")
        (True, False)
        >>> per_host.try_acquire("finra.org")
        True
    """

    def __init__(self, factory: Callable[[str], RateLimiter], *, max_keys: int = 10_000) -> None:
        if isinstance(max_keys, bool) or not isinstance(max_keys, int) or max_keys < 1:
            raise ValidationError(f"max_keys must be an int >= 1, got {max_keys!r}")
        self.factory = factory
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._limiters: OrderedDict[str, RateLimiter] = OrderedDict()

    def limiter(self, key: str) -> RateLimiter:
        """The limiter of ``key``."""
        if not isinstance(key, str) or not key:
            raise ValidationError(f"key must be a non-empty str, got {key!r}")
        with self._lock:
            found = self._limiters.get(key)
            if found is None:
                found = self._limiters[key] = self.factory(key)
                while len(self._limiters) > self.max_keys:
                    self._limiters.popitem(last=False)
            else:
                self._limiters.move_to_end(key)
            return found

    def acquire(
        self, key: str, tokens: float = 1, *, blocking: bool = True, timeout: float | None = None
    ) -> bool:
        """:meth:`RateLimiter.acquire` on ``key``'s limiter."""
        return self.limiter(key).acquire(tokens, blocking=blocking, timeout=timeout)

    def try_acquire(self, key: str, tokens: float = 1) -> bool:
        """:meth:`RateLimiter.try_acquire` on ``key``'s limiter."""
        return self.limiter(key).try_acquire(tokens)

    async def acquire_async(
        self, key: str, tokens: float = 1, *, blocking: bool = True, timeout: float | None = None
    ) -> bool:
        """:meth:`RateLimiter.acquire_async` on ``key``'s limiter."""
        return await self.limiter(key).acquire_async(tokens, blocking=blocking, timeout=timeout)

    def check(self, key: str, tokens: float = 1) -> None:
        """:meth:`RateLimiter.check` on ``key``'s limiter."""
        self.limiter(key).check(tokens)

    def __len__(self) -> int:
        return len(self._limiters)
