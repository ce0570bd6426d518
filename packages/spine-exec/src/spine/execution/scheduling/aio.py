"""``AsyncScheduler``: the same scheduler, driven by an asyncio task.

For services that already run an event loop (a FastAPI app, an asyncio worker). Ticks run in
a worker thread (``asyncio.to_thread``) because submitting goes through the synchronous
dispatcher and store; the loop itself is never blocked.

``start()`` must be called while a loop is running (from a coroutine, or use
``async with``); ``stop()`` may be called from any thread and returns at once; ``await
scheduler.aclose()`` stops and waits for the task.

Example:
    >>> import asyncio
    >>> from datetime import datetime, timezone
    >>> from spine.execution import Dispatcher
    >>> from spine.execution.scheduling import AsyncScheduler, ManualClock, Schedule
    >>> dispatcher = Dispatcher()
    >>> _ = dispatcher.registry.register("otc.ingest", lambda params: params)
    >>> clock = ManualClock(datetime(2025, 12, 26, 22, 59, tzinfo=timezone.utc))
    >>> async def main():
    ...     async with AsyncScheduler(dispatcher, clock=clock) as scheduler:
    ...         _ = scheduler.add(Schedule("weekly", "otc.ingest", cron="0 23 * * FRI"))
    ...         _ = clock.advance(minutes=1)
    ...         return await scheduler.wait_for_fires(1, timeout=5)
    >>> asyncio.run(main())[0].status.value
    'submitted'
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from spine.execution.scheduling.scheduler import SchedulerCore
from spine.execution.scheduling.store import FireRecord, FireStatus
from spine.types import ValidationError

__all__ = ["AsyncScheduler"]

log = logging.getLogger("spine.execution.scheduling")


class AsyncScheduler(SchedulerCore):
    """A :class:`~spine.execution.scheduling.SchedulerCore` driven by an asyncio task.

    Args:
        dispatcher: Where fires are submitted.
        max_sleep: Longest wait between ticks, in seconds (default 30).
        **options: See :class:`SchedulerCore`.
    """

    def __init__(self, dispatcher: Any, *, max_sleep: float = 30.0, **options: Any) -> None:
        super().__init__(dispatcher, **options)
        if not max_sleep > 0:
            raise ValidationError(f"max_sleep must be > 0 seconds, got {max_sleep!r}")
        self.max_sleep = timedelta(seconds=max_sleep)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = threading.Event()
        self._records: list[FireRecord] = []
        self._fired: asyncio.Condition | None = None
        self.errors = 0
        """Ticks that raised (logged; the loop carried on)."""

    @property
    def running(self) -> bool:
        """Whether the task is running."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the scheduler task on the running loop (idempotent).

        Raises:
            RuntimeError: no event loop is running.
        """
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._fired = asyncio.Condition()
        self._stopping.clear()
        self._task = self._loop.create_task(self._run(), name=f"spine-scheduler-{self.owner}")

    def _signal(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    def stop(self, timeout: float | None = None) -> None:
        """Ask the task to stop (returns at once; ``await aclose()`` to wait)."""
        self._stopping.set()
        self._signal()

    async def aclose(self) -> None:
        """Stop and wait for the task to finish."""
        self.stop()
        task = self._task
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        self._task = None

    def _changed(self) -> None:
        self._signal()

    async def atick(self, now: datetime | None = None) -> list[FireRecord]:
        """:meth:`tick` in a worker thread."""
        return await asyncio.to_thread(self.tick, now)

    async def _run(self) -> None:
        assert self._wake is not None
        assert self._fired is not None
        while not self._stopping.is_set():
            try:
                records = await self.atick()
                if records:
                    async with self._fired:
                        self._records.extend(records)
                        self._fired.notify_all()
                deadline = self.wake_deadline(self.max_sleep)
            except Exception:
                self.errors += 1
                log.exception("scheduler loop error; retrying in 1s")
                deadline = self.clock.now() + timedelta(seconds=1)
            await self.clock.wait_async(self._wake, deadline)
            self._wake.clear()

    async def wait_for_fires(
        self, count: int, timeout: float = 10.0, *, status: FireStatus | None = None
    ) -> list[FireRecord]:
        """Wait until the task has written ``count`` records (of ``status``); for tests.

        Raises:
            TimeoutExpired: fewer after ``timeout`` seconds.
        """
        if self._fired is None:
            raise ValidationError("wait_for_fires() needs a started scheduler")
        fired = self._fired

        def enough() -> bool:
            return len([r for r in self._records if status is None or r.status is status]) >= count

        async with fired:
            try:
                await asyncio.wait_for(fired.wait_for(enough), timeout)
            except TimeoutError:
                from spine.execution.errors import TimeoutExpired

                raise TimeoutExpired(timeout, f"fewer than {count} fire records") from None
        return [r for r in self._records if status is None or r.status is status][:count]

    async def __aenter__(self) -> AsyncScheduler:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
