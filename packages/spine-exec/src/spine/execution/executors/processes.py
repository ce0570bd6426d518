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
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from spine.execution.executors._pool import PoolExecutor, log_job_crash
from spine.execution.executors.base import Job
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


class ProcessExecutor(PoolExecutor):
    """Process-pool executor (the :class:`~spine.execution.executors.base.Executor` protocol).

    Args:
        max_workers: Number of processes (default: the CPU count).
        start_method: ``"spawn"`` (default), ``"forkserver"`` or ``"fork"``.

    Raises (from ``submit``):
        OperationError: the handler cannot be sent to another process (a lambda, a closure).
    """

    name = "processes"

    def __init__(self, max_workers: int | None = None, *, start_method: str = "spawn") -> None:
        context = multiprocessing.get_context(start_method)
        super().__init__(ProcessPoolExecutor(max_workers, mp_context=context), max_workers)
        self._picklable: dict[str, bool] = {}

    def _check(self, job: Job) -> None:
        handler = job.handler
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

    def _launch(self, job: Job) -> Future[dict[str, Any]]:
        h = job.handler
        future: Future[dict[str, Any]] = self._pool.submit(
            run_in_child, h.fn, h.name, h.is_async, job.params, job.timeout
        )
        future.add_done_callback(lambda f: self._finished(job, f))
        return future

    def _finished(self, job: Job, future: Future[dict[str, Any]]) -> None:
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
