"""``ThreadExecutor``: jobs run on a thread pool; retries wait on a timer, not in a thread.

For I/O-bound handlers in one process (HTTP downloads, database loads). A job's ``timeout``
interrupts the handler at its next Python bytecode (see :mod:`spine.execution.timeout`).

Example:
    >>> from spine.execution import Dispatcher
    >>> with Dispatcher(ThreadExecutor(max_workers=4)) as dispatcher:
    ...     _ = dispatcher.registry.register("echo", lambda p: p)
    ...     dispatcher.result(dispatcher.submit("echo", {"a": 1}), timeout=5)
    {'a': 1}
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from spine.execution._timer import TimerHandle, call_later
from spine.execution.executors.base import Job
from spine.types import OperationError

__all__ = ["ThreadExecutor"]

log = logging.getLogger("spine.execution")


def log_job_crash(future: Future[Any]) -> None:
    """Log a job whose bookkeeping itself failed (a handler's errors are outcomes)."""
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None and isinstance(exc, Exception):
        log.error("spine-exec job crashed outside its handler", exc_info=exc)


class ThreadExecutor:
    """Thread-pool executor (the :class:`~spine.execution.executors.base.Executor` protocol).

    Args:
        max_workers: Pool size (default: ``concurrent.futures``' choice).
        thread_name_prefix: Names of the pool's threads.
    """

    name = "threads"
    inline = False

    def __init__(
        self, max_workers: int | None = None, *, thread_name_prefix: str = "spine-exec"
    ) -> None:
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix=thread_name_prefix)
        self._lock = threading.RLock()
        self._futures: dict[str, Future[None]] = {}
        self._timers: dict[str, TimerHandle] = {}
        self._closed = False

    def submit(self, job: Job, delay: float = 0.0) -> str:
        """Queue ``job`` on the pool, after ``delay`` seconds on the shared timer thread."""
        ref = f"threads:{job.execution_id}:{job.run_number}"
        with self._lock:
            if self._closed:
                raise OperationError("ThreadExecutor is shut down; it accepts no more jobs")
            if delay > 0:
                self._timers[ref] = call_later(delay, lambda: self._start(ref, job))
            else:
                self._start_locked(ref, job)
        return ref

    def _start(self, ref: str, job: Job) -> None:
        with self._lock:
            self._timers.pop(ref, None)
            if self._closed:
                return
            self._start_locked(ref, job)

    def _start_locked(self, ref: str, job: Job) -> None:
        future = self._pool.submit(job.run)
        self._futures[ref] = future
        future.add_done_callback(log_job_crash)
        future.add_done_callback(lambda _: self._forget(ref))

    def _forget(self, ref: str) -> None:
        with self._lock:
            self._futures.pop(ref, None)

    def cancel(self, ref: str) -> bool:
        """``True`` when the job was still waiting (for its delay or a free thread)."""
        with self._lock:
            timer = self._timers.pop(ref, None)
            if timer is not None:
                timer.cancel()
                return True
            future = self._futures.get(ref)
        return future is not None and future.cancel()

    def poll(self, ref: str) -> None:
        """Nothing to do: jobs report as they finish."""

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting jobs; drop delayed retries; ``wait`` for running ones."""
        with self._lock:
            self._closed = True
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def __repr__(self) -> str:
        return f"ThreadExecutor(max_workers={self.max_workers})"
