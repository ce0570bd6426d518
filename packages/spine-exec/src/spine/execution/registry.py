"""``HandlerRegistry``: the names work is submitted under, and the functions that run it.

A handler is a function of one argument, the params dict, returning a JSON-ready result (or
``None``); ``async def`` handlers work too. A handler may carry its own default ``timeout``
and ``retry`` policy, which a :class:`~spine.execution.spec.WorkSpec` can override, and a
``rate_limit`` (a :class:`~spine.execution.RateLimiter`; give it a shared store - SQL or
Redis - and the limit holds across every worker): a queue worker then takes a token before
each run and defers the job while there is none; in-process executors wait for one. The
dispatcher, its executors and the worker queue all resolve names here; a Celery worker or a
queue worker imports the module that fills the same registry.

Example:
    >>> registry = HandlerRegistry()
    >>> @registry.handler("finra.otc.ingest", kind="operation", timeout=600)
    ... def ingest(params):
    ...     return {"rows": 960, "week": params["week_ending"]}
    >>> registry.get("finra.otc.ingest").timeout
    600.0
    >>> registry.get("finra.otc.ingset")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.execution.errors.HandlerNotFoundError: ... did you mean 'finra.otc.ingest'? ...
"""

from __future__ import annotations

import difflib
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from spine.execution.errors import HandlerNotFoundError
from spine.execution.models import MAX_WORKFLOW
from spine.execution.rate_limit import RateLimiter
from spine.execution.spec import WORK_KINDS
from spine.execution.timeout import check_timeout
from spine.types import ValidationError
from spine.types.retry import RetryStrategy

__all__ = ["Handler", "HandlerInfo", "HandlerRegistry"]

Handler = Callable[[dict[str, Any]], Any]
"""A handler: ``fn(params) -> JSON-ready result`` (sync or ``async def``)."""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class HandlerInfo:
    """A registered handler and its defaults.

    Attributes:
        name: The name work is submitted under.
        fn: The function.
        kind: ``task``, ``operation``, ``workflow`` or ``step``.
        description: For listings (defaults to the docstring's first line).
        tags: Free labels for listings.
        timeout: Default seconds the handler may run (``None``: no limit).
        retry: Default retry policy (``None``: the dispatcher's default).
        is_async: Whether ``fn`` is a coroutine function.
        rate_limit: Runs are limited by this limiter (one token per run), or ``None``.
    """

    name: str
    fn: Callable[..., Any]
    kind: str = "task"
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None
    retry: RetryStrategy | None = None
    is_async: bool = False
    rate_limit: RateLimiter | None = None


def _check_signature(name: str, fn: Callable[..., Any]) -> None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # some builtins have no signature: trust them
        return
    try:
        signature.bind({})
    except TypeError:
        raise ValidationError(
            f"handler {name!r} must accept exactly one positional argument, the params dict; "
            f"{getattr(fn, '__qualname__', fn)!r} has signature {signature}"
        ) from None


class HandlerRegistry:
    """Names -> handlers. Thread-safe; registering a different function under a taken name
    raises unless ``replace=True``."""

    def __init__(self) -> None:
        self._handlers: dict[str, HandlerInfo] = {}
        self._lock = threading.Lock()

    def register(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        kind: str = "task",
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        timeout: float | None = None,
        retry: RetryStrategy | None = None,
        rate_limit: RateLimiter | None = None,
        replace: bool = False,
    ) -> HandlerInfo:
        """Register ``fn`` under ``name``; returns its :class:`HandlerInfo`.

        Registering the same function again is a no-op (it takes the new options).

        Args:
            rate_limit: Every run takes one token of this limiter first. A
                :class:`~spine.execution.queue.WorkerLoop` never waits for it: a job
                without a token goes back to the queue until one is due (no attempt is
                used up); in-process executors wait. Build the limiter on a shared store
                (:class:`~spine.execution.SqlTokenBucketStore`,
                :class:`~spine.execution.redis_limits.RedisTokenBucketStore`) for one limit
                across processes and machines.

        Raises:
            ValidationError: a bad name, kind, timeout, retry or rate limit; ``fn`` not
                callable with one argument; ``name`` taken by another function (without
                ``replace``).
        """
        if not isinstance(name, str) or not name or len(name) > MAX_WORKFLOW:
            raise ValidationError(
                f"handler name must be a str of 1..{MAX_WORKFLOW} chars, got {name!r}"
            )
        if not callable(fn):
            raise ValidationError(f"handler {name!r} must be callable, got {type(fn).__name__}")
        if kind not in WORK_KINDS:
            raise ValidationError(
                f"handler kind must be one of {', '.join(sorted(WORK_KINDS))}, got {kind!r}"
            )
        if retry is not None and not isinstance(retry, RetryStrategy):
            raise ValidationError(f"retry must be a RetryStrategy, got {type(retry).__name__}")
        if rate_limit is not None and not isinstance(rate_limit, RateLimiter):
            raise ValidationError(
                f"rate_limit must be a RateLimiter (TokenBucketLimiter, SlidingWindowLimiter, "
                f"CompositeRateLimiter), got {type(rate_limit).__name__}"
            )
        if rate_limit is not None and rate_limit.max_tokens < 1:
            raise ValidationError(
                f"rate_limit {rate_limit!r} holds fewer than the 1 token a run takes: "
                "no run could ever start; give it a capacity of at least 1"
            )
        seconds = (
            None if timeout is None else check_timeout(timeout, f"timeout of handler {name!r}")
        )
        _check_signature(name, fn)
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        info = HandlerInfo(
            name=name,
            fn=fn,
            kind=kind,
            description=description if description is not None else (doc[0] if doc else None),
            tags=dict(tags or {}),
            timeout=seconds,
            retry=retry,
            is_async=inspect.iscoroutinefunction(fn),
            rate_limit=rate_limit,
        )
        with self._lock:
            existing = self._handlers.get(name)
            if existing is not None and existing.fn is not fn and not replace:
                raise ValidationError(
                    f"handler name {name!r} is taken by {existing.fn!r}; "
                    "pass replace=True to re-register it"
                )
            self._handlers[name] = info
        return info

    def handler(self, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator form of :meth:`register`; the name defaults to ``module.function``."""

        def decorate(fn: F) -> F:
            self.register(name or f"{fn.__module__}.{fn.__qualname__}", fn, **options)
            return fn

        return decorate

    def get(self, name: str) -> HandlerInfo:
        """The handler registered as ``name``.

        Raises:
            HandlerNotFoundError: nothing is registered under ``name`` (the message suggests
                close names).
        """
        info = self._handlers.get(name)
        if info is None:
            raise self._not_found(name)
        return info

    def _not_found(self, name: object) -> HandlerNotFoundError:
        names = list(self._handlers)
        close = difflib.get_close_matches(str(name), names, n=3) if isinstance(name, str) else []
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return HandlerNotFoundError(
            f"no handler registered as {name!r}{hint} ({len(names)} registered)"
        ).with_context(workflow=name if isinstance(name, str) else None)

    def unregister(self, name: str) -> bool:
        """Remove a handler; ``True`` if it was registered."""
        with self._lock:
            return self._handlers.pop(name, None) is not None

    def names(self, kind: str | None = None) -> list[str]:
        """Registered names (of one ``kind``), sorted."""
        return sorted(n for n, h in self._handlers.items() if kind is None or h.kind == kind)

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def __iter__(self) -> Iterator[HandlerInfo]:
        return iter([self._handlers[n] for n in self.names()])

    def __len__(self) -> int:
        return len(self._handlers)

    def __repr__(self) -> str:
        return f"HandlerRegistry({len(self._handlers)} handlers)"
