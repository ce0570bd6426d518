"""Clocks: where the scheduler reads the time and how it waits for it.

:class:`SystemClock` is the real one. :class:`ManualClock` is a controllable clock for tests
(yours and ours): time moves only when you :meth:`~ManualClock.advance` or
:meth:`~ManualClock.set` it, and anything waiting on it (a running scheduler thread or task)
wakes up as soon as the new time reaches its deadline.

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> clock = ManualClock(datetime(2025, 12, 26, 23, 0, tzinfo=timezone.utc))
    >>> clock.advance(timedelta(minutes=5)).isoformat()
    '2025-12-26T23:05:00+00:00'
    >>> clock.advance(seconds=30).isoformat()
    '2025-12-26T23:05:30+00:00'
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from spine.types import ValidationError

__all__ = ["Clock", "ManualClock", "SystemClock"]

# How often a waiter on a ManualClock re-checks its wake-up event (real seconds).
_MANUAL_POLL = 0.002


@runtime_checkable
class Clock(Protocol):
    """What the scheduler needs from time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        """Block until ``event`` is set (``True``) or the clock reaches ``deadline``
        (``False``); ``deadline=None`` waits for the event only."""
        ...

    async def wait_async(self, event: asyncio.Event, deadline: datetime | None) -> bool:
        """:meth:`wait` for asyncio code."""
        ...


class SystemClock:
    """The real clock (``datetime.now(UTC)``); waits use the monotonic clock, so a wall-clock
    step (NTP) never makes a wait last hours: the scheduler re-reads the time after each."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def _seconds_until(self, deadline: datetime | None) -> float | None:
        if deadline is None:
            return None
        return max(0.0, (deadline - self.now()).total_seconds())

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        """Wait for ``event`` or ``deadline``."""
        return event.wait(self._seconds_until(deadline))

    async def wait_async(self, event: asyncio.Event, deadline: datetime | None) -> bool:
        """Wait for ``event`` or ``deadline`` without blocking the loop."""
        timeout = self._seconds_until(deadline)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return event.is_set()
        return True

    def __repr__(self) -> str:
        return "SystemClock()"


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


class ManualClock:
    """A clock that moves only when told to; thread-safe.

    Args:
        start: The initial time (timezone-aware; default 2025-01-03 00:00 UTC, a Friday).

    Waiters (``wait``/``wait_async``) return as soon as the clock reaches their deadline
    after an :meth:`advance` or :meth:`set`, or when their event is set.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (
            _aware(start, "start") if start is not None else datetime(2025, 1, 3, tzinfo=UTC)
        )
        self._cond = threading.Condition()

    def now(self) -> datetime:
        """The clock's current time (UTC)."""
        with self._cond:
            return self._now

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when`` (forward or backward) and wake waiters."""
        when = _aware(when, "when")
        with self._cond:
            self._now = when
            self._cond.notify_all()
        return when

    def advance(self, delta: timedelta | None = None, /, **parts: float) -> datetime:
        """Move the clock forward by ``delta`` or by ``timedelta(**parts)``; return the new
        time.

        Raises:
            ValidationError: a negative step (use :meth:`set` to go back).
        """
        step = delta if delta is not None else timedelta(**parts)
        if step < timedelta(0):
            raise ValidationError(f"advance() needs a step >= 0, got {step}; use set() to go back")
        with self._cond:
            self._now += step
            self._cond.notify_all()
            return self._now

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        """Block until ``event`` is set or the clock is moved to ``deadline`` or later."""
        while True:
            if event.is_set():
                return True
            with self._cond:
                if deadline is not None and self._now >= deadline:
                    return False
                self._cond.wait(_MANUAL_POLL)

    async def wait_async(self, event: asyncio.Event, deadline: datetime | None) -> bool:
        """:meth:`wait` for asyncio code (polls every 2 ms of real time)."""
        while True:
            if event.is_set():
                return True
            if deadline is not None and self.now() >= deadline:
                return False
            try:
                await asyncio.wait_for(event.wait(), _MANUAL_POLL)
            except TimeoutError:
                continue
            return True

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` (a stand-in for ``time.sleep`` in tests)."""
        self.advance(timedelta(seconds=seconds))
        time.sleep(0)

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()!r})"
