"""Local rate limiter behaviour: validation, never-satisfiable requests, check(), async, keys."""

from __future__ import annotations

import asyncio
import time

import pytest

from spine.execution import MissingExtraError
from spine.execution.rate_limit import (
    CompositeRateLimiter,
    InMemoryTokenBucketStore,
    KeyedRateLimiter,
    RateLimitExceeded,
    SlidingWindowLimiter,
    TokenBucketLimiter,
)
from spine.types import RateLimitError, ValidationError, is_retryable


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_refills_by_elapsed_time_up_to_capacity() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(2, 4, store=InMemoryTokenBucketStore(clock=clock))
    assert all(limiter.try_acquire() for _ in range(4))
    assert not limiter.try_acquire()
    clock.t += 1.0
    assert limiter.try_acquire(2)
    assert not limiter.try_acquire()
    clock.t += 100
    assert limiter.try_acquire(4)
    assert not limiter.try_acquire()


def test_default_capacity_is_one_second_of_rate_and_at_least_one() -> None:
    assert TokenBucketLimiter(10).capacity == 10
    assert TokenBucketLimiter(0.2).capacity == 1


def test_a_request_above_capacity_is_refused_at_once_instead_of_hanging() -> None:
    limiter = TokenBucketLimiter(1, 5)
    start = time.monotonic()
    with pytest.raises(ValidationError, match="can never be granted"):
        limiter.acquire(6)
    assert time.monotonic() - start < 0.5
    with pytest.raises(ValidationError, match="can never be granted"):
        SlidingWindowLimiter(3, 1).acquire(4)


@pytest.mark.parametrize("tokens", [0, -1, float("nan"), "1"])
def test_bad_token_counts_are_refused(tokens: object) -> None:
    with pytest.raises(ValidationError, match="tokens must be"):
        TokenBucketLimiter(1).acquire(tokens)  # type: ignore[arg-type]


def test_a_negative_timeout_is_refused() -> None:
    with pytest.raises(ValidationError, match="timeout must be >= 0"):
        TokenBucketLimiter(1).acquire(timeout=-1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TokenBucketLimiter(0), "rate must be a finite number > 0"),
        (lambda: TokenBucketLimiter(1, -2), "capacity must be a finite number > 0"),
        (lambda: SlidingWindowLimiter(0, 1), "max_requests must be an int >= 1"),
        (lambda: SlidingWindowLimiter(1, 0), "window_seconds must be a finite number > 0"),
        (lambda: CompositeRateLimiter([]), "at least one limiter"),
        (lambda: KeyedRateLimiter(TokenBucketLimiter, max_keys=0), "max_keys"),
    ],
)
def test_bad_settings_are_refused(make: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make()  # type: ignore[operator]


def test_a_sliding_window_counts_whole_requests() -> None:
    with pytest.raises(ValidationError, match="whole requests"):
        SlidingWindowLimiter(5, 1).try_acquire(1.5)


def test_check_raises_a_retryable_rate_limit_error_with_retry_after() -> None:
    limiter = TokenBucketLimiter(0.5, 1)
    limiter.check()
    with pytest.raises(RateLimitExceeded) as info:
        limiter.check()
    assert isinstance(info.value, RateLimitError)
    assert is_retryable(info.value)
    assert info.value.retry_after == 2


def test_take_never_waits_and_says_how_long_until_the_tokens_are_there() -> None:
    limiter = TokenBucketLimiter(4, 1)
    assert limiter.take().granted
    refused = limiter.take()
    assert not refused.granted
    assert 0.2 < refused.wait <= 0.25  # not rounded up to whole seconds like check()
    with pytest.raises(ValidationError):
        limiter.take(2)


def test_interval_is_the_time_between_tokens_at_the_sustained_rate() -> None:
    assert TokenBucketLimiter(20, 5).interval == 0.05
    assert SlidingWindowLimiter(10, 2).interval == 0.2
    both = CompositeRateLimiter([TokenBucketLimiter(20), SlidingWindowLimiter(10, 2)])
    assert both.interval == 0.2


def test_acquire_async_waits_without_blocking_the_loop() -> None:
    limiter = TokenBucketLimiter(20, 1)

    async def main() -> list[str]:
        order: list[str] = []

        async def ticker() -> None:
            for _ in range(3):
                order.append("tick")
                await asyncio.sleep(0.01)

        async def take() -> None:
            await limiter.acquire_async()
            await limiter.acquire_async()  # waits ~50 ms
            order.append("second token")

        await asyncio.gather(take(), ticker())
        return order

    order = asyncio.run(main())
    assert order.index("second token") > order.index("tick")


def test_acquire_async_times_out() -> None:
    limiter = TokenBucketLimiter(0.1, 1)
    assert asyncio.run(limiter.acquire_async())
    assert asyncio.run(limiter.acquire_async(timeout=0.05)) is False
    assert asyncio.run(limiter.acquire_async(blocking=False)) is False


def test_the_context_manager_form_acquires_one_token() -> None:
    limiter = TokenBucketLimiter(1, 1)
    with limiter:
        pass
    assert not limiter.try_acquire()


def test_keyed_limiters_forget_the_least_recently_used_beyond_max_keys() -> None:
    keyed = KeyedRateLimiter(lambda key: TokenBucketLimiter(1, 1), max_keys=2)
    keyed.try_acquire("a")
    keyed.try_acquire("b")
    keyed.try_acquire("a")
    keyed.try_acquire("c")  # evicts "b"
    assert len(keyed) == 2
    assert keyed.try_acquire("b")  # a fresh limiter: "b" was forgotten
    with pytest.raises(ValidationError, match="key must be"):
        keyed.try_acquire("")


def test_a_missing_redis_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from spine.execution import redis_limits

    monkeypatch.setitem(sys.modules, "redis", None)  # what "not installed" looks like
    with pytest.raises(MissingExtraError, match=r'pip install "spine-exec\[redis\]"'):
        redis_limits.RedisTokenBucketStore("redis://127.0.0.1:6379/0")
