"""One daemon thread that runs callbacks at a later time (deadlines, delayed retries).

A ``threading.Timer`` per deadline or retry would cost a thread each; this keeps a heap and
one thread per process, started on first use (and again after a fork).
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable

__all__ = ["TimerHandle", "call_later"]


class TimerHandle:
    """A scheduled callback; :meth:`cancel` keeps it from running if it has not yet."""

    __slots__ = ("cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callable[[], object]) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback (no effect once it ran)."""
        self.cancelled = True


class _TimerThread:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def call_later(self, delay: float, fn: Callable[[], object]) -> TimerHandle:
        handle = TimerHandle(time.monotonic() + max(delay, 0.0), fn)
        with self._cond:
            if self._pid != os.getpid():  # forked: the parent's thread is not ours
                self._heap.clear()
                self._thread = None
                self._pid = os.getpid()
            heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="spine-exec-timer", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return handle

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    when, _, handle = self._heap[0]
                    delay = when - time.monotonic()
                    if delay <= 0:
                        heapq.heappop(self._heap)
                        break
                    self._cond.wait(delay)
            if not handle.cancelled:
                try:
                    handle.fn()
                except Exception:  # a callback's failure must not stop the other timers
                    import logging

                    logging.getLogger("spine.execution").exception("timer callback failed")


_TIMERS = _TimerThread()


def call_later(delay: float, fn: Callable[[], object]) -> TimerHandle:
    """Run ``fn()`` on the timer thread after ``delay`` seconds; returns a cancel handle."""
    return _TIMERS.call_later(delay, fn)
