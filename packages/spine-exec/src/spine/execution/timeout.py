"""Deadlines: ``with_deadline(seconds)`` / ``with_deadline_async(seconds)`` raise
:class:`~spine.execution.errors.TimeoutExpired` when the block runs too long.

How the block is interrupted:

* **async** - ``asyncio.timeout``: the task is cancelled at its next ``await``.
* **sync, main thread (POSIX)** - a ``SIGALRM`` interval timer: Python code and blocking
  system calls (``time.sleep``, socket reads) are interrupted.
* **sync, other threads** - the deadline is raised *inside* the thread at its next Python
  bytecode (CPython's ``PyThreadState_SetAsyncExc``); a C call that blocks (a driver waiting
  on the network) finishes first, then the deadline is raised. Give such calls their own
  timeout (socket / statement timeouts) as well.

The interruption is a ``BaseException`` inside the block, so an ``except Exception`` in user
code cannot swallow it; ``finally`` blocks and context managers still run. It leaves the
``with`` as :class:`TimeoutExpired` (a retryable ``spine.types.TimeoutError``). Deadlines nest:
the earliest wins and each raises only for itself.

Example:
    >>> import time
    >>> try:
    ...     with with_deadline(0.05):
    ...         time.sleep(1)
    ... except TimeoutExpired as e:
    ...     e.seconds
    0.05
    >>> with with_deadline(5) as deadline:
    ...     0 < deadline.remaining() <= 5
    True
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from spine.execution._timer import call_later
from spine.execution.errors import TimeoutExpired
from spine.types import ValidationError

__all__ = ["Deadline", "TimeoutExpired", "check_timeout", "with_deadline", "with_deadline_async"]


def check_timeout(seconds: object, what: str = "timeout") -> float:
    """Validate a timeout: a finite number of seconds ``> 0``.

    Raises:
        ValidationError: zero, negative, non-finite or not a number.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValidationError(
            f"{what} must be a number of seconds > 0, got {type(seconds).__name__}: {seconds!r}"
        )
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValidationError(f"{what} must be a finite number of seconds > 0, got {seconds!r}")
    return float(seconds)


class _Interrupt(BaseException):
    """Raised inside the block when a deadline fires (a BaseException: not swallowed by
    ``except Exception``). Each deadline raises its own subclass."""


class Deadline:
    """A running deadline: how much time is left (for cooperative checks)."""

    __slots__ = ("_end", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (``0.0`` once expired)."""
        return max(0.0, self._end - time.monotonic())

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self._end

    def check(self) -> None:
        """Raise :class:`TimeoutExpired` if the deadline has passed (a cooperative check)."""
        if self.expired:
            raise TimeoutExpired(self.seconds)


def _raise_in_thread(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Ask CPython to raise ``exc_type`` in thread ``thread_id`` (``None`` withdraws it)."""
    arg = ctypes.py_object(exc_type) if exc_type is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), arg)


def _use_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def with_deadline(seconds: float) -> Iterator[Deadline]:
    """Run the block with a deadline of ``seconds``; raise :class:`TimeoutExpired` if it
    overruns. Yields a :class:`Deadline` (``remaining()``, ``check()``).

    Raises:
        ValidationError: ``seconds`` is zero, negative or not a finite number.
        TimeoutExpired: the block ran longer than ``seconds``.
    """
    seconds = check_timeout(seconds, "deadline")
    deadline = Deadline(seconds)
    interrupt: type[_Interrupt] = type("DeadlineInterrupt", (_Interrupt,), {})
    mechanism = _signal_deadline if _use_signal() else _thread_deadline
    try:
        with mechanism(seconds, interrupt):
            yield deadline
    except interrupt:  # also when it fires while the mechanism is being taken down
        raise TimeoutExpired(seconds) from None


@contextmanager
def _signal_deadline(seconds: float, interrupt: type[_Interrupt]) -> Iterator[None]:
    previous_handler = signal.getsignal(signal.SIGALRM)
    previous_delay, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    ours_end = started + seconds

    def on_alarm(signum: int, frame: object) -> None:
        if time.monotonic() >= ours_end - 1e-4:
            raise interrupt
        if callable(previous_handler):  # an outer timer fired first: its handler decides
            previous_handler(signum, frame)  # type: ignore[arg-type]

    signal.signal(signal.SIGALRM, on_alarm)
    first = seconds if not previous_delay else min(seconds, previous_delay)
    signal.setitimer(signal.ITIMER_REAL, first)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), previous_interval)


@contextmanager
def _thread_deadline(seconds: float, interrupt: type[_Interrupt]) -> Iterator[None]:
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                _raise_in_thread(thread_id, interrupt)
                state["fired"] = True

    handle = call_later(seconds, fire)
    try:
        yield
    finally:
        handle.cancel()
        with lock:
            state["done"] = True
            if state["fired"]:
                # Not delivered yet (the block ended as it fired): withdraw it, so it can
                # never surface after the ``with``.
                _raise_in_thread(thread_id, None)


@asynccontextmanager
async def with_deadline_async(seconds: float) -> AsyncIterator[Deadline]:
    """Async version of :func:`with_deadline` (``asyncio.timeout`` underneath).

    Example:
        >>> import asyncio
        >>> async def main() -> str:
        ...     try:
        ...         async with with_deadline_async(0.05):
        ...             await asyncio.sleep(1)
        ...     except TimeoutExpired:
        ...         return "expired"
        ...     return "finished"
        >>> asyncio.run(main())
        'expired'

    Raises:
        ValidationError: ``seconds`` is zero, negative or not a finite number.
        TimeoutExpired: the block ran longer than ``seconds``.
    """
    seconds = check_timeout(seconds, "deadline")
    scope = asyncio.timeout(seconds)
    try:
        async with scope:
            yield Deadline(seconds)
    except TimeoutError:
        if scope.expired():
            raise TimeoutExpired(seconds) from None
        raise
