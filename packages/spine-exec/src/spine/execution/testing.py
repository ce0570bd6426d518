"""In-memory twins of spine-exec's stores, and small handlers, for users' own tests.

The twins pass the same contract suites as the SQL implementations (they are product
features, not mocks): params and results are checked and copied as JSON, the state machine
is enforced, events are append-only.

* :class:`InMemoryLedger` - the execution ledger.
* :class:`InMemoryDeadLetterQueue` - the dead-letter queue.
* :class:`InMemoryLockGuard` - expiring, re-entrant concurrency locks.
* :class:`InMemoryWorkQueue` - the worker queue (``core_work_items``).
* :func:`in_memory_stores` - the three as one bundle for ``tracked_execution``.
* :class:`FakeClock` - a clock the stores take, that tests move by hand.
* :func:`echo`, :func:`fail`, :func:`sleep` - module-level handlers that process pools and
  Celery workers can import (a handler must be importable to run in another process).

Example:
    >>> from spine.execution import Dispatcher
    >>> from spine.execution.testing import InMemoryDeadLetterQueue, InMemoryLedger, echo
    >>> ledger, dlq = InMemoryLedger(), InMemoryDeadLetterQueue()
    >>> dispatcher = Dispatcher(ledger=ledger, dlq=dlq)
    >>> _ = dispatcher.registry.register("echo", echo)
    >>> dispatcher.result(dispatcher.submit("echo", {"a": 1}))
    {'a': 1}
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from spine.execution import errors as _exec_errors
from spine.execution._memory_dlq import InMemoryDeadLetterQueue
from spine.execution._memory_ledger import InMemoryLedger
from spine.execution._memory_locks import InMemoryLockGuard
from spine.execution.queue._memory import InMemoryWorkQueue
from spine.execution.stores import Stores
from spine.types import errors as _errors
from spine.types.timestamps import utc_now

__all__ = [
    "FakeClock",
    "InMemoryDeadLetterQueue",
    "InMemoryLedger",
    "InMemoryLockGuard",
    "InMemoryWorkQueue",
    "echo",
    "fail",
    "in_memory_stores",
    "sleep",
]


class FakeClock:
    """A controllable UTC clock for the in-memory stores: ``clock()`` is "now",
    ``clock.advance(seconds)`` moves it (expire a lock, age a dead letter).

    Example:
        >>> clock = FakeClock()
        >>> start = clock()
        >>> clock.advance(90)
        >>> (clock() - start).total_seconds()
        90.0
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start if start is not None else datetime(2025, 12, 26, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += timedelta(seconds=seconds)


def in_memory_stores(*, clock: Callable[[], datetime] = utc_now, max_replays: int = 3) -> Stores:
    """A ledger, lock guard and dead-letter queue in memory, sharing one ``clock``."""
    return Stores(
        InMemoryLedger(clock=clock),
        InMemoryLockGuard(clock=clock),
        InMemoryDeadLetterQueue(clock=clock, max_retries=max_replays),
    )


def echo(params: dict[str, Any]) -> dict[str, Any]:
    """Return the params unchanged."""
    return params


def fail(params: dict[str, Any]) -> None:
    """Raise the error named by ``params["error"]`` (a spine-types or spine-exec error class,
    or a builtin exception) with ``params["message"]``; ``params["retry_after"]`` is passed
    to spine errors.

    Example:
        >>> fail({"error": "NetworkError", "message": "reset"})
        Traceback (most recent call last):
        ...
        spine.types.errors.NetworkError: reset
    """
    name = str(params.get("error", "RuntimeError"))
    message = str(params.get("message", "failed on purpose"))
    cls = getattr(_errors, name, None) or getattr(_exec_errors, name, None)
    if isinstance(cls, type) and issubclass(cls, _errors.SpineError):
        raise cls(message, retry_after=params.get("retry_after"))
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        raise builtin(message)
    raise RuntimeError(message)


def sleep(params: dict[str, Any]) -> dict[str, Any]:
    """Sleep ``params["seconds"]`` (default 0.1) and return ``{"slept": seconds}``."""
    seconds = float(params.get("seconds", 0.1))
    time.sleep(seconds)
    return {"slept": seconds}
