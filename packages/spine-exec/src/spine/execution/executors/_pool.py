"""What the thread and process executors share: delayed starts on the timer thread, futures
by reference, cancellation and shutdown."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Executor as FuturesExecutor
from concurrent.futures import Future
from typing import Any

from spine.execution._timer import TimerHandle, call_later
from spine.execution.executors.base import Job
from spine.types import OperationError

__all__ = ["PoolExecutor", "log_job_crash"]

log = logging.getLogger("spine.execution")


def log_job_crash(future: Future[Any]) -> None:
    """Log a job whose bookkeeping itself failed (a handler's errors are outcomes)."""
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None and isinstance(exc, Exception):
        log.error("spine-exec job crashed outside its handler", exc_info=exc)


class PoolExecutor(ABC):
    """An executor over a ``concurrent.futures`` pool; subclasses say how a job starts."""

    name = "pool"
    inline = False

    def __init__(self, pool: FuturesExecutor, max_workers: int | None) -> None:
        self.max_workers = max_workers
        self._pool = pool
        self._lock = threading.RLock()
        self._futures: dict[str, Future[Any]] = {}
        self._timers: dict[str, TimerHandle] = {}
        self._closed = False

    @abstractmethod
    def _launch(self, job: Job) -> Future[Any]:
        """Hand ``job`` to the pool (called with the lock held)."""

    def _check(self, job: Job) -> None:  # noqa: B027 - optional hook, nothing to check here
        """Refuse a job the pool cannot run (before anything is scheduled)."""

    def submit(self, job: Job, delay: float = 0.0) -> str:
        """Queue ``job`` on the pool, after ``delay`` seconds on the shared timer thread.

        Raises:
            OperationError: the executor is shut down (or the job cannot run on this pool).
        """
        self._check(job)
        ref = f"{self.name}:{job.execution_id}:{job.run_number}"
        with self._lock:
            if self._closed:
                raise OperationError(f"{type(self).__name__} is shut down; it accepts no more jobs")
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
        if job.cancelled:
            return
        future = self._launch(job)
        self._futures[ref] = future
        future.add_done_callback(lambda _: self._forget(ref))

    def _forget(self, ref: str) -> None:
        with self._lock:
            self._futures.pop(ref, None)

    def cancel(self, ref: str) -> bool:
        """``True`` when the job was still waiting (for its delay or a free worker)."""
        with self._lock:
            timer = self._timers.pop(ref, None)
            if timer is not None:
                timer.cancel()
                return True
            future = self._futures.get(ref)
        return future is not None and future.cancel()

    def poll(self, ref: str) -> None:  # noqa: B027 - push-based: nothing to poll
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
        return f"{type(self).__name__}(max_workers={self.max_workers})"
