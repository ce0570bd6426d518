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

from concurrent.futures import Future, ThreadPoolExecutor

from spine.execution.executors._pool import PoolExecutor, log_job_crash
from spine.execution.executors.base import Job

__all__ = ["ThreadExecutor"]


class ThreadExecutor(PoolExecutor):
    """Thread-pool executor (the :class:`~spine.execution.executors.base.Executor` protocol).

    Args:
        max_workers: Pool size (default: ``concurrent.futures``' choice).
        thread_name_prefix: Names of the pool's threads.
    """

    name = "threads"

    def __init__(
        self, max_workers: int | None = None, *, thread_name_prefix: str = "spine-exec"
    ) -> None:
        super().__init__(
            ThreadPoolExecutor(max_workers, thread_name_prefix=thread_name_prefix), max_workers
        )

    def _launch(self, job: Job) -> Future[None]:
        future = self._pool.submit(job.run)
        future.add_done_callback(log_job_crash)
        return future
