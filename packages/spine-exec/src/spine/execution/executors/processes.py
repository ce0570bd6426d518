"""``ProcessExecutor``: jobs run in a pool of worker processes (CPU-bound handlers).

The handler must be importable by the worker processes (a module-level function: it is sent
by reference, like ``multiprocessing`` does), and its params and result are JSON. The pool
uses the ``spawn`` start method by default (``fork`` in a process with threads can deadlock).
The child runs the handler under its ``timeout``; its outcome - result, or error with its
place in the taxonomy - comes back as JSON, and the ledger records the child's own start and
end times. While a job waits or runs in a child the ledger shows it ``queued``.

Example:
    >>> from spine.execution import Dispatcher
    >>> from spine.execution.testing import echo
    >>> with Dispatcher(ProcessExecutor(max_workers=1)) as dispatcher:
    ...     _ = dispatcher.registry.register("echo", echo)
    ...     dispatcher.result(dispatcher.submit("echo", {"n": 1}), timeout=60)
    {'n': 1}
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from spine.execution._timer import TimerHandle, call_later
from spine.execution.executors.base import Job
from spine.execution.executors.threads import log_job_crash
from spine.execution.outcome import Outcome, run_handler
from spine.execution.registry import HandlerInfo
from spine.types import OperationError

__all__ = ["ProcessExecutor", "run_in_child"]


def run_in_child(
    fn: Any, name: str, is_async: bool, params: dict[str, Any], timeout: float | None
) -> dict[str, Any]:
    """Run a handler in a pool process; return its outcome in wire form."""
    info = HandlerInfo(name=name, fn=fn, is_async=is_async)
    return run_handler(info, params, timeout).to_wire()


class ProcessExecutor:
    """Process-pool executor (the :class:`~spine.execution.executors.base.Executor` protocol).

    Args:
        max_workers: Number of processes (default: the CPU count).
        start_method: ``"spawn"`` (default), ``"forkserver"`` or ``"fork"``.

    Raises (from ``submit``):
        OperationError: the handler cannot be sent to another process (a lambda, a closure).
    """

    name = "processes"
    inline = False

    def __init__(self, max_workers: int | None = None, *, start_method: str = "spawn") -> None:
        context = multiprocessing.get_context(start_method)
        self.max_workers = max_workers
        self._pool = ProcessPoolExecutor(max_workers, mp_context=context)
        self._lock = threading.RLock()
        self._futures: dict[str, Future[dict[str, Any]]] = {}
        self._timers: dict[str, TimerHandle] = {}
        self._picklable: dict[str, bool] = {}
        self._closed = False

    def _check_picklable(self, handler: HandlerInfo) -> None:
        ok = self._picklable.get(handler.name)
        if ok is None:
            try:
                pickle.dumps(handler.fn)
                ok = True
            except Exception:
                ok = False
            self._picklable[handler.name] = ok
        if not ok:
            raise OperationError(
                f"handler {handler.name!r} ({handler.fn!r}) cannot be sent to a worker process: "
                "register a module-level function"
            )

    def submit(self, job: Job, delay: float = 0.0) -> str:
        """Send ``job`` to the pool (after ``delay`` seconds on the shared timer thread)."""
        self._check_picklable(job.handler)
        ref = f"processes:{job.execution_id}:{job.run_number}"
        with self._lock:
            if self._closed:
                raise OperationError("ProcessExecutor is shut down; it accepts no more jobs")
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
        h = job.handler
        future = self._pool.submit(run_in_child, h.fn, h.name, h.is_async, job.params, job.timeout)
        self._futures[ref] = future
        future.add_done_callback(lambda f: self._finished(ref, job, f))

    def _finished(self, ref: str, job: Job, future: Future[dict[str, Any]]) -> None:
        with self._lock:
            self._futures.pop(ref, None)
        if future.cancelled():
            return
        error = future.exception()
        outcome = (
            Outcome.failure(error) if error is not None else Outcome.from_wire(future.result())
        )
        done: Future[None] = Future()
        try:
            job.report(outcome)
            done.set_result(None)
        except Exception as exc:
            done.set_exception(exc)
        log_job_crash(done)

    def cancel(self, ref: str) -> bool:
        """``True`` when the job had not been picked up by a process yet."""
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
        return f"ProcessExecutor(max_workers={self.max_workers})"
