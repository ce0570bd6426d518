"""``@with_retry``: in-process retries of a function, sync or async, by a ``RetryStrategy``.

The policy object is spine-types' :class:`~spine.types.retry.RetryStrategy` (re-exported
here): the same one the dispatcher, the worker queue (a job's row re-scheduled with
``run_after``, never a sleep in the worker) and spine-ops' deadlock retry use. Only errors
the taxonomy calls retryable are retried; ``retry_after`` is honoured.

Example:
    >>> from spine.types import NetworkError
    >>> calls = []
    >>> @with_retry(RetryStrategy.constant(max_retries=2, delay=0))
    ... def fetch():
    ...     calls.append(1)
    ...     if len(calls) < 3:
    ...         raise NetworkError("connection reset")
    ...     return "data"
    >>> fetch(), len(calls)
    ('data', 3)
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast, overload

from spine.types.retry import Backoff, RetryDecision, RetryStrategy

__all__ = ["Backoff", "RetryDecision", "RetryStrategy", "with_retry"]

P = ParamSpec("P")
R = TypeVar("R")

OnRetry = Callable[[int, BaseException, float], object]
"""Called before each retry with (failed attempt number, its error, delay in seconds)."""


@overload
def with_retry(strategy: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def with_retry(
    strategy: RetryStrategy | None = None,
    /,
    *,
    on_retry: OnRetry | None = None,
    sleep: Callable[[float], object] = time.sleep,
    async_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def with_retry(
    strategy: RetryStrategy | Callable[..., Any] | None = None,
    /,
    *,
    on_retry: OnRetry | None = None,
    sleep: Callable[[float], object] = time.sleep,
    async_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Any:
    """Decorate a function (or ``async def``) to retry it per ``strategy``.

    ``@with_retry`` alone uses ``RetryStrategy.exponential()`` (3 retries from 1 s, capped
    at 60 s, 10% jitter). The last error propagates unchanged when the policy gives up.

    Args:
        strategy: The policy.
        on_retry: Called before each retry with (attempt, error, delay).
        sleep / async_sleep: How to wait (inject fakes in tests).
    """
    if callable(strategy) and not isinstance(strategy, RetryStrategy):
        return with_retry(None)(strategy)
    policy = strategy if isinstance(strategy, RetryStrategy) else RetryStrategy.exponential()

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(fn):
            afn = cast(Callable[P, Awaitable[Any]], fn)

            @functools.wraps(fn)
            async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                attempt = 1
                while True:
                    try:
                        return await afn(*args, **kwargs)
                    except Exception as exc:
                        decision = policy.decide(exc, attempt)
                        if not decision.retry:
                            raise
                        if on_retry is not None:
                            on_retry(attempt, exc, decision.delay)
                        await async_sleep(decision.delay)
                        attempt += 1

            return cast(Callable[P, R], run_async)

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            attempt = 1
            while True:
                try:
                    return fn(*args, **kwargs)
                except Exception as exc:
                    decision = policy.decide(exc, attempt)
                    if not decision.retry:
                        raise
                    if on_retry is not None:
                        on_retry(attempt, exc, decision.delay)
                    sleep(decision.delay)
                    attempt += 1

        return run

    return decorate
