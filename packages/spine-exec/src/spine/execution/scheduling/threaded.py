"""``ThreadScheduler``: the embedded default - one daemon thread ticks the schedules.

The thread sleeps until the earliest due fire (or ``max_sleep``, so schedules added by other
processes to a shared store are seen), ticks, and repeats. Adding, pausing or removing a
schedule wakes it. An error inside a tick is logged and the loop carries on.

Submissions run in the scheduler thread: give it a dispatcher whose executor does not run
handlers inline (a thread pool, the worker queue), or a long handler delays later fires.

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> from spine.execution import Dispatcher
    >>> from spine.execution.scheduling import ManualClock, Schedule, ThreadScheduler
    >>> dispatcher = Dispatcher()
    >>> _ = dispatcher.registry.register("otc.ingest", lambda params: params)
    >>> clock = ManualClock(datetime(2025, 12, 26, 22, 59, tzinfo=timezone.utc))
    >>> with ThreadScheduler(dispatcher, clock=clock) as scheduler:
    ...     _ = scheduler.add(Schedule("weekly", "otc.ingest", cron="0 23 * * FRI",
    ...                                params={"week": "{week_ending}"}))
    ...     _ = clock.advance(minutes=1)
    ...     record = scheduler.wait_for_fires(1, timeout=5)[0]
    >>> record.status.value, record.params
    ('submitted', {'week': '2025-12-26'})
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from types import TracebackType
from typing import Any

from spine.execution.scheduling.scheduler import SchedulerCore
from spine.execution.scheduling.store import FireRecord, FireStatus
from spine.types import ValidationError

__all__ = ["ThreadScheduler"]

log = logging.getLogger("spine.execution.scheduling")


class ThreadScheduler(SchedulerCore):
    """A :class:`~spine.execution.scheduling.SchedulerCore` driven by a daemon thread.

    Args:
        dispatcher: Where fires are submitted.
        max_sleep: Longest wait between ticks, in seconds (default 30).
        **options: See :class:`SchedulerCore` (``store``, ``clock``, ``event_bus``,
            ``owner``, ``claim_lease``, ``check_targets``).
    """

    def __init__(self, dispatcher: Any, *, max_sleep: float = 30.0, **options: Any) -> None:
        super().__init__(dispatcher, **options)
        if not max_sleep > 0:
            raise ValidationError(f"max_sleep must be > 0 seconds, got {max_sleep!r}")
        self.max_sleep = timedelta(seconds=max_sleep)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fired_cond = threading.Condition()
        self._records: list[FireRecord] = []
        self.errors = 0
        """Ticks that raised (logged; the loop carried on)."""

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the scheduler thread (idempotent)."""
        if self.running:
            return
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"spine-scheduler-{self.owner}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the thread and wait up to ``timeout`` seconds for it (idempotent)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def _changed(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                records = self.tick()
                if records:
                    with self._fired_cond:
                        self._records.extend(records)
                        self._fired_cond.notify_all()
                deadline = self.wake_deadline(self.max_sleep)
            except Exception:
                self.errors += 1
                log.exception("scheduler loop error; retrying in 1s")
                deadline = self.clock.now() + timedelta(seconds=1)
            self.clock.wait(self._wake, deadline)
            self._wake.clear()

    def wait_for_fires(
        self, count: int, timeout: float = 10.0, *, status: FireStatus | None = None
    ) -> list[FireRecord]:
        """Block until this instance's loop has written ``count`` records (of ``status``,
        when given) since it started; return them. For tests and demos.

        Raises:
            TimeoutExpired: fewer after ``timeout`` real seconds.
        """
        end = time.monotonic() + timeout
        with self._fired_cond:
            while True:
                found = [r for r in self._records if status is None or r.status is status]
                if len(found) >= count:
                    return found[:count]
                left = end - time.monotonic()
                if left <= 0:
                    from spine.execution.errors import TimeoutExpired

                    raise TimeoutExpired(
                        timeout, f"{len(found)} of {count} fire records after {timeout:g}s"
                    )
                self._fired_cond.wait(left)

    def __enter__(self) -> ThreadScheduler:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
