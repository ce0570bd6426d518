"""``MemoryExecutor``: runs each job inline, in the caller's thread, before ``submit`` returns.

For tests, notebooks and small scripts: deterministic, no threads, no broker. A retry's
backoff is a real sleep (pass ``sleep=`` to skip it in tests); a job's ``timeout`` is
enforced with :func:`~spine.execution.timeout.with_deadline`.

Example:
    >>> from spine.execution import Dispatcher
    >>> dispatcher = Dispatcher(MemoryExecutor())
    >>> _ = dispatcher.registry.register("double", lambda p: {"value": p["x"] * 2})
    >>> execution_id = dispatcher.submit("double", {"x": 21})
    >>> dispatcher.result(execution_id)
    {'value': 42}
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from spine.execution.executors.base import Job

__all__ = ["MemoryExecutor"]


class _State(threading.local):
    """Per thread: the jobs this executor is running, innermost last, each as
    ``[job, delay of a retry asked for meanwhile or None]`` (one thread-local look-up per
    submit; the rest is plain list work)."""

    def __init__(self) -> None:
        self.running: list[list[Any]] = []


class MemoryExecutor:
    """Inline executor (the :class:`~spine.execution.executors.base.Executor` protocol).

    Args:
        sleep: Called with a retry's delay in seconds (default ``time.sleep``).
    """

    name = "memory"
    inline = True

    def __init__(self, *, sleep: Callable[[float], object] = time.sleep) -> None:
        self._sleep = sleep
        self._state = _State()

    def submit(self, job: Job, delay: float = 0.0) -> str:
        """Run ``job`` now (after sleeping ``delay``) and return when it has finished.

        A retry requested while the job finishes runs in a loop here, not recursively.
        """
        ref = f"memory:{job.execution_id}"
        running = self._state.running
        if running and running[-1][0] is job:  # the dispatcher retries the job we are running
            running[-1][1] = delay
            return ref
        if delay > 0:
            self._sleep(delay)
        frame: list[Any] = [job, None]
        running.append(frame)
        try:
            while True:
                frame[1] = None
                job.ref = ref
                job.run()
                again: float | None = frame[1]
                if again is None:
                    break
                if again > 0:
                    self._sleep(again)
        finally:
            running.pop()
        return ref

    def cancel(self, ref: str) -> bool:
        """Always ``False``: an inline job has finished before anyone can cancel it."""
        return False

    def poll(self, ref: str) -> None:
        """Nothing to do: jobs report as they finish."""

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "MemoryExecutor()"
